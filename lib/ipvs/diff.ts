// A structured diff of two configs for history and review screens: services and real servers
// added, removed, or changed field by field (dotted paths, e.g. "persistence.timeout"), and the
// director-wide settings. Unlike plan(), it covers the control-plane overlays too (health checks,
// drain marks), because reviewers need to see them.
import { z } from 'zod';
import { canonicalJson } from './hash';
import { REAL_SERVER_KEY_FIELDS, realServerLabel, SERVICE_KEY_FIELDS, serviceKeyOf, serviceLabel, ServiceKeySchema, type DirectorConfig, type RealServer, type VirtualService } from './model';
import { realServerKeyId, serviceKeyId } from './keys';

const JsonValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/** One field that differs; null stands for "not set". */
export const FieldChangeSchema = z.object({ field: z.string(), before: JsonValue, after: JsonValue });
export type FieldChange = z.output<typeof FieldChangeSchema>;

const ServerRefSchema = z.object({ address: z.string(), port: z.number().int(), label: z.string() });

export const ConfigDiffSchema = z.object({
  globals: z.array(FieldChangeSchema),
  services: z.object({
    /** the new services as they are after the change (with their real servers) */
    added: z.array(z.object({ service: ServiceKeySchema, label: z.string(), value: z.record(z.string(), z.unknown()) })),
    /** the removed services as they were */
    removed: z.array(z.object({ service: ServiceKeySchema, label: z.string(), value: z.record(z.string(), z.unknown()) })),
    changed: z.array(
      z.object({
        service: ServiceKeySchema,
        label: z.string(),
        fields: z.array(FieldChangeSchema),
        realServers: z.object({
          added: z.array(ServerRefSchema.extend({ value: z.record(z.string(), z.unknown()) })),
          removed: z.array(ServerRefSchema.extend({ value: z.record(z.string(), z.unknown()) })),
          changed: z.array(ServerRefSchema.extend({ fields: z.array(FieldChangeSchema) })),
        }),
      }),
    ),
  }),
});
export type ConfigDiff = z.output<typeof ConfigDiffSchema>;

type Flat = Map<string, unknown>;

/** Objects flattened to dotted paths; arrays and scalars are leaves. */
function flatten(value: unknown, prefix: string, out: Flat, skip: ReadonlySet<string> = new Set()): Flat {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || (prefix === '' && skip.has(k))) continue;
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else out.set(prefix, value);
  return out;
}

function fieldChanges(before: unknown, after: unknown, skip: ReadonlySet<string> = new Set()): FieldChange[] {
  const a = flatten(before, '', new Map(), skip);
  const b = flatten(after, '', new Map(), skip);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: FieldChange[] = [];
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (canonicalJson(x ?? null) !== canonicalJson(y ?? null)) out.push({ field: k, before: (x ?? null) as FieldChange['before'], after: (y ?? null) as FieldChange['after'] });
  }
  return out;
}

/** Fields a field-by-field change never lists: the identity (a changed key is a remove + add), and real servers (compared one by one). */
const SERVICE_IDENTITY = new Set<string>([...SERVICE_KEY_FIELDS, 'realServers']);
const SERVER_IDENTITY = new Set<string>(REAL_SERVER_KEY_FIELDS);

const asRecord = (v: unknown) => JSON.parse(JSON.stringify(v)) as Record<string, unknown>;

export function diffConfigs(before: DirectorConfig, after: DirectorConfig): ConfigDiff {
  const globals = fieldChanges(globalsView(before), globalsView(after));
  const beforeById = new Map(before.services.map((s) => [serviceKeyId(s), s]));
  const afterById = new Map(after.services.map((s) => [serviceKeyId(s), s]));
  const diff: ConfigDiff = { globals, services: { added: [], removed: [], changed: [] } };
  for (const s of after.services) {
    const old = beforeById.get(serviceKeyId(s));
    if (!old) {
      diff.services.added.push({ service: serviceKeyOf(s), label: serviceLabel(s), value: asRecord(s) });
      continue;
    }
    const fields = fieldChanges(old, s, SERVICE_IDENTITY);
    const realServers = diffServers(old, s);
    if (fields.length || realServers.added.length || realServers.removed.length || realServers.changed.length) {
      diff.services.changed.push({ service: serviceKeyOf(s), label: serviceLabel(s), fields, realServers });
    }
  }
  for (const s of before.services) if (!afterById.has(serviceKeyId(s))) diff.services.removed.push({ service: serviceKeyOf(s), label: serviceLabel(s), value: asRecord(s) });
  return diff;
}

function diffServers(before: VirtualService, after: VirtualService): ConfigDiff['services']['changed'][number]['realServers'] {
  const key = (r: RealServer) => realServerKeyId(r);
  const old = new Map(before.realServers.map((r: RealServer) => [key(r), r]));
  const now = new Set(after.realServers.map((r: RealServer) => key(r)));
  const ref = (r: RealServer) => ({ address: r.address, port: r.port, label: realServerLabel(r) });
  const out: ConfigDiff['services']['changed'][number]['realServers'] = { added: [], removed: [], changed: [] };
  for (const r of after.realServers) {
    const o = old.get(key(r));
    if (!o) out.added.push({ ...ref(r), value: asRecord(r) });
    else {
      const fields = fieldChanges(o, r, SERVER_IDENTITY);
      if (fields.length) out.changed.push({ ...ref(r), fields });
    }
  }
  for (const r of before.realServers) if (!now.has(key(r))) out.removed.push({ ...ref(r), value: asRecord(r) });
  return out;
}

/** Sync daemons by state, so a change reads "syncDaemons.master.syncId". */
function globalsView(c: DirectorConfig): Record<string, unknown> {
  return {
    timeouts: c.globals.timeouts ?? undefined,
    syncDaemons: Object.fromEntries(c.globals.syncDaemons.map(({ state, ...d }) => [state, d])),
    // one field per setting ("sysctls.expire_quiescent_template"); a pair reads as its sysctl text
    sysctls: c.globals.sysctls ? Object.fromEntries(Object.entries(c.globals.sysctls).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v])) : undefined,
  };
}

export function isEmptyDiff(d: ConfigDiff): boolean {
  return d.globals.length === 0 && d.services.added.length === 0 && d.services.removed.length === 0 && d.services.changed.length === 0;
}

/** "+1 service, 1 service changed (3 real servers), 2 global settings" for history lists. */
export function summarizeDiff(d: ConfigDiff): string {
  if (isEmptyDiff(d)) return 'no changes';
  const parts: string[] = [];
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  if (d.services.added.length) parts.push(`+${n(d.services.added.length, 'service')}`);
  if (d.services.removed.length) parts.push(`${n(d.services.removed.length, 'service')} removed`);
  const changed = d.services.changed;
  const svcFields = changed.filter((c) => c.fields.length).length;
  if (svcFields) parts.push(`${n(svcFields, 'service')} changed`);
  const rsAdded = changed.reduce((k, c) => k + c.realServers.added.length, 0);
  const rsRemoved = changed.reduce((k, c) => k + c.realServers.removed.length, 0);
  const rsChanged = changed.reduce((k, c) => k + c.realServers.changed.length, 0);
  if (rsAdded) parts.push(`+${n(rsAdded, 'real server')}`);
  if (rsChanged) parts.push(`${n(rsChanged, 'real server')} changed`);
  if (rsRemoved) parts.push(`${n(rsRemoved, 'real server')} removed`);
  if (d.globals.length) parts.push(`${n(d.globals.length, 'global setting')} changed`);
  return parts.join(', ');
}
