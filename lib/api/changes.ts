// Change sets, in one module for the browser and the API. The dashboard turns what the editor
// produced (complete services) into changes that name services by key and real servers by address
// + port, so the audit log and the plan show intent ("weight 3 → 0", "drain 10.0.1.3:80") rather
// than a replaced blob (`serviceChanges`, `editsToChanges`, `configChanges`); the API, and the
// services table showing the working copy, apply them (`applyChanges`). Pure; the property test
// checks that applying configChanges(a, b) to a gives b.
//
// A change that cannot apply (adding what exists, editing what does not) is an issue at
// `changes.<i>`; the result is then validated as a whole by DirectorConfigSchema.
import {
  DirectorConfigSchema,
  realServerLabel,
  serviceKeyOf,
  serviceLabel,
  type DirectorConfig,
  type DirectorConfigInput,
  type Globals,
  type RealServer,
  type RealServerKey,
  type ServiceKey,
  type VirtualService,
} from '@/lib/ipvs/model';
import { realServerKeyId, serviceKeyId } from '@/lib/ipvs/keys';
import { canonicalJson } from '@/lib/ipvs/hash';
import type { Change, Issue } from './schemas';

export class ChangeSetError extends Error {
  constructor(
    message: string,
    readonly issues: Issue[],
  ) {
    super(message);
    this.name = 'ChangeSetError';
  }
}

type Svc = DirectorConfigInput extends { services?: (infer S)[] } ? S & Record<string, unknown> : never;
type Rs = Record<string, unknown> & { address: string; port?: number };

/** Apply `changes` in order to `base`; returns the canonical result or throws ChangeSetError. */
export function applyChanges(base: DirectorConfig, changes: Change[]): DirectorConfig {
  const cfg = structuredClone(base) as { globals: unknown; services: (Record<string, unknown> & { realServers: Rs[] })[] };
  const issues: Issue[] = [];
  const findService = (key: ServiceKey) => cfg.services.findIndex((s) => serviceKeyId(s as unknown as ServiceKey) === serviceKeyId(key));
  const serverPort = (svcKey: ServiceKey, r: { port?: number }) => r.port ?? (svcKey.protocol === 'fwmark' ? 0 : svcKey.port);
  const findServer = (svc: { realServers: Rs[] }, svcKey: ServiceKey, key: RealServerKey) =>
    svc.realServers.findIndex((r) => realServerKeyId({ address: r.address, port: serverPort(svcKey, r) }) === realServerKeyId(key));

  changes.forEach((c, i) => {
    const at = (...p: (string | number)[]) => ['changes', i, ...p].join('.');
    switch (c.op) {
      case 'add-service': {
        if (findService(c.service) >= 0) issues.push({ path: at('service'), message: `${serviceLabel(c.service)} already exists` });
        else cfg.services.push(structuredClone(c.service) as unknown as (typeof cfg.services)[number]);
        return;
      }
      case 'edit-service': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)} to edit` });
        const s = cfg.services[idx]!;
        for (const [k, v] of Object.entries(c.set)) {
          if (v === undefined) continue;
          if (v === null) delete s[k];
          else s[k] = structuredClone(v);
        }
        return;
      }
      case 'remove-service': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)} to remove` });
        cfg.services.splice(idx, 1);
        return;
      }
      case 'add-server': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)} to add ${realServerLabel(c.server)} to` });
        const s = cfg.services[idx]!;
        const key = { address: c.server.address, port: serverPort(c.service, c.server) };
        if (findServer(s, c.service, key) >= 0) return void issues.push({ path: at('server'), message: `${realServerLabel(key)} is already a real server of ${serviceLabel(c.service)}` });
        s.realServers.push(structuredClone(c.server) as Rs);
        return;
      }
      case 'edit-server':
      case 'remove-server': {
        const idx = findService(c.service);
        if (idx < 0) return void issues.push({ path: at('service'), message: `no service ${serviceLabel(c.service)}` });
        const s = cfg.services[idx]!;
        const ri = findServer(s, c.service, c.server);
        if (ri < 0) return void issues.push({ path: at('server'), message: `${realServerLabel(c.server)} is not a real server of ${serviceLabel(c.service)}` });
        const r = s.realServers[ri]!;
        if (c.op === 'remove-server') {
          if (c.drain === undefined || c.drain === false) s.realServers.splice(ri, 1);
          else r.drain = c.drain === true ? { timeout: (r.drain as { timeout?: number } | undefined)?.timeout ?? 300 } : { ...c.drain };
          return;
        }
        for (const [k, v] of Object.entries(c.set)) {
          if (v === undefined) continue;
          if (v === null) delete r[k];
          else r[k] = structuredClone(v);
        }
        // forwarding away from tunnel drops the tunnel options that would now be refused
        if (c.set.forwarding && c.set.forwarding !== 'tunnel') for (const k of ['tunnelType', 'tunnelPort', 'tunnelChecksum']) if (!(k in c.set)) delete r[k];
        return;
      }
      case 'set-globals': {
        cfg.globals = structuredClone(c.globals);
        return;
      }
    }
  });
  if (issues.length) throw new ChangeSetError(issues.length === 1 ? issues[0]!.message : `${issues.length} changes cannot be applied`, issues);

  const r = DirectorConfigSchema.safeParse(cfg as unknown as Svc);
  if (!r.success) {
    const out = r.error.issues.map((iss) => {
      const p = iss.path;
      const svc = p[0] === 'services' && typeof p[1] === 'number' ? cfg.services[p[1]] : undefined;
      const label = svc ? `${serviceLabel(svc as unknown as ServiceKey)}: ` : '';
      return { path: ['result', ...p.map(String)].join('.'), message: `${label}${iss.message}` };
    });
    throw new ChangeSetError('the result of these changes is not a valid config', out);
  }
  return r.data;
}

// ---- building change sets ----

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** The changes that turn `before` into `after` (either may be null: add / remove). */
export function serviceChanges(before: VirtualService | null, after: VirtualService | null): Change[] {
  if (!before && !after) return [];
  if (!before) return [{ op: 'add-service', service: after! }];
  if (!after) return [{ op: 'remove-service', service: serviceKeyOf(before) }];
  if (serviceKeyId(before) !== serviceKeyId(after)) {
    return [
      { op: 'remove-service', service: serviceKeyOf(before) },
      { op: 'add-service', service: after },
    ];
  }
  const key = serviceKeyOf(before);
  const out: Change[] = [];
  const set: Record<string, unknown> = {};
  if (before.scheduler !== after.scheduler) set.scheduler = after.scheduler;
  if (!same(before.schedFlags, after.schedFlags)) set.schedFlags = after.schedFlags;
  if (!same(before.persistence, after.persistence)) set.persistence = after.persistence ?? null;
  if (before.onePacket !== after.onePacket) set.onePacket = after.onePacket;
  if (!same(before.healthCheck, after.healthCheck)) set.healthCheck = after.healthCheck ?? null;
  if (Object.keys(set).length) out.push({ op: 'edit-service', service: key, set: set as Extract<Change, { op: 'edit-service' }>['set'] });

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
    const newDrain = r.drain && !o.drain;
    const patch = serverPatch(o, r);
    if (newDrain) delete patch.drain;
    if (Object.keys(patch).length) out.push({ op: 'edit-server', service: key, server: rsKey(r), set: patch });
    if (newDrain) out.push({ op: 'remove-server', service: key, server: rsKey(r), drain: r.drain });
  }
  return out;
}

/** Canonical real servers always carry a port (the service's, or 0 under fwmark). */
const rsKey = (r: { address: string; port?: number }) => ({ address: r.address, port: r.port ?? 0 });

function serverPatch(o: RealServer, r: RealServer): Extract<Change, { op: 'edit-server' }>['set'] {
  const p: Record<string, unknown> = {};
  for (const f of ['forwarding', 'weight', 'upperThreshold', 'lowerThreshold'] as const) if (o[f] !== r[f]) p[f] = r[f];
  for (const f of ['tunnelType', 'tunnelPort', 'tunnelChecksum'] as const) if (o[f] !== r[f]) p[f] = r[f] ?? null;
  if (!same(o.drain, r.drain)) p.drain = r.drain ?? null;
  return p as Extract<Change, { op: 'edit-server' }>['set'];
}

/** Edits held by the dashboard: service key id → the wanted service, or null to remove it. */
export type Edits = Record<string, VirtualService | null>;

/** The change list for a set of edits made against `base`; edits equal to base drop out. */
export function editsToChanges(base: DirectorConfig, edits: Edits, globals?: Globals): Change[] {
  const byKey = new Map(base.services.map((s) => [serviceKeyId(s), s]));
  const out: Change[] = [];
  if (globals && !same(globals, base.globals)) out.push({ op: 'set-globals', globals });
  for (const [k, after] of Object.entries(edits)) out.push(...serviceChanges(byKey.get(k) ?? null, after));
  return out;
}

/** The changes that turn config `a` into config `b`: applyChanges(a, configChanges(a, b)) is b. */
export function configChanges(a: DirectorConfig, b: DirectorConfig): Change[] {
  const edits: Edits = {};
  const inB = new Set<string>();
  for (const s of b.services) {
    const k = serviceKeyId(s);
    inB.add(k);
    edits[k] = s;
  }
  for (const s of a.services) if (!inB.has(serviceKeyId(s))) edits[serviceKeyId(s)] = null;
  return editsToChanges(a, edits, b.globals);
}
