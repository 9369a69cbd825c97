// Turns what the editor produced (complete services) into the API's change list: patches that
// name services by key and real servers by address + port, so the audit log and the plan show
// intent ("weight 3 → 0", "drain 10.0.1.3:80") rather than a replaced blob. Pure and tested.
import { serviceKeyOf, type DirectorConfig, type Globals, type RealServer, type VirtualService } from '@/lib/ipvs/model';
import { realServerKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import { canonicalJson } from '@/lib/ipvs/hash';
import type { ChangeInput } from '@/lib/api/schemas';

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The changes that turn `before` into `after` (either may be null: add / remove). */
export function serviceChanges(before: VirtualService | null, after: VirtualService | null): ChangeInput[] {
  if (!before && !after) return [];
  if (!before) return [{ op: 'add-service', service: after! }];
  if (!after) return [{ op: 'remove-service', service: serviceKeyOf(before) }];
  if (serviceKeyId(before) !== serviceKeyId(after)) {
    return [{ op: 'remove-service', service: serviceKeyOf(before) }, { op: 'add-service', service: after }];
  }
  const key = serviceKeyOf(before);
  const out: ChangeInput[] = [];
  const set: Record<string, unknown> = {};
  if (before.scheduler !== after.scheduler) set.scheduler = after.scheduler;
  if (!same(before.schedFlags, after.schedFlags)) set.schedFlags = after.schedFlags;
  if (!same(before.persistence, after.persistence)) set.persistence = after.persistence ?? null;
  if (before.onePacket !== after.onePacket) set.onePacket = after.onePacket;
  if (!same(before.healthCheck, after.healthCheck)) set.healthCheck = after.healthCheck ?? null;
  if (Object.keys(set).length) out.push({ op: 'edit-service', service: key, set });

  const old = new Map((before.realServers as RealServer[]).map((r) => [realServerKeyId(r), r]));
  const neu = new Map((after.realServers as RealServer[]).map((r) => [realServerKeyId(r), r]));
  for (const [k, r] of old) if (!neu.has(k)) out.push({ op: 'remove-server', service: key, server: rsKey(r) });
  for (const [k, r] of neu) {
    const o = old.get(k);
    if (!o) {
      out.push({ op: 'add-server', service: key, server: r });
      continue;
    }
    // a new drain is a graceful removal; everything else is a patch of the fields that changed
    if (r.drain && !o.drain) {
      out.push({ op: 'remove-server', service: key, server: rsKey(r), drain: r.drain });
      continue;
    }
    const patch = serverPatch(o, r);
    if (Object.keys(patch).length) out.push({ op: 'edit-server', service: key, server: rsKey(r), set: patch });
  }
  return out;
}

/** Canonical real servers always carry a port (the service's, or 0 under fwmark). */
const rsKey = (r: { address: string; port?: number }) => ({ address: r.address, port: r.port ?? 0 });

function serverPatch(o: RealServer, r: RealServer): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  for (const f of ['forwarding', 'weight', 'upperThreshold', 'lowerThreshold'] as const) if (o[f] !== r[f]) p[f] = r[f];
  for (const f of ['tunnelType', 'tunnelPort', 'tunnelChecksum'] as const) if (o[f] !== r[f]) p[f] = r[f] ?? null;
  if (!same(o.drain, r.drain)) p.drain = r.drain ?? null;
  return p;
}

/** Edits held by the dashboard: service key id → the wanted service, or null to remove it. */
export type Edits = Record<string, VirtualService | null>;

/** The change list for a set of edits made against `base`; edits equal to base drop out. */
export function editsToChanges(base: DirectorConfig, edits: Edits, globals?: Globals): ChangeInput[] {
  const byKey = new Map(base.services.map((s) => [serviceKeyId(s), s]));
  const out: ChangeInput[] = [];
  if (globals && !same(globals, base.globals)) out.push({ op: 'set-globals', globals });
  for (const [k, after] of Object.entries(edits)) out.push(...serviceChanges(byKey.get(k) ?? null, after));
  return out;
}

/** The config the edits lead to (for showing the working copy before the server plans it). */
export function applyEdits(base: DirectorConfig, edits: Edits): VirtualService[] {
  const byKey = new Map(base.services.map((s) => [serviceKeyId(s), s]));
  for (const [k, s] of Object.entries(edits)) {
    if (s) byKey.set(k, s);
    else byKey.delete(k);
  }
  return [...byKey.values()];
}
