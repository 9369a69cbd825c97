// Targeted reads: a pass that changes K services reads (and verifies) only those K. The agent keeps
// its picture of the live table (the last full read, patched with every scoped read since); these
// helpers name the services a plan touches and patch the picture with what a scoped read found.
// Everything here is O(K log N) for K services of an N-service table: a DirectorConfig's services
// are in the model's order (compareServices, the schema's canonical form, which every engine
// returns), so a service is found by binary search, never by a scan that builds N key strings.
import { compareServices, serviceKeyOf, type DirectorConfig, type ServiceKey, type VirtualService } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import type { Op } from '@/lib/ipvs/op';
import { plan } from '@/lib/ipvs/plan';
import type { Engine, ReadScope } from './engines/engine';

/** Up to this many services a targeted read lists them one by one even on a small table. */
const SCOPED_READ_MIN = 32;

/** Whether readServices reads the whole table for these services (then anything may have changed). */
export function readsEverything(picture: DirectorConfig, services: readonly ServiceKey[]): boolean {
  return services.length > Math.max(SCOPED_READ_MIN, picture.services.length / 4);
}

/**
 * Read `services` (and the director-wide settings) and patch the picture with them. Past a quarter
 * of the table one full read is cheaper than many one-service listings, so that is done instead.
 */
export async function readServices(engine: Engine, picture: DirectorConfig, services: ServiceKey[]): Promise<DirectorConfig> {
  if (readsEverything(picture, services)) return engine.readConfig();
  const scope = { services };
  return mergeScopedRead(picture, await engine.readConfig(scope), scope);
}

/** The services the ops change, each once, in first-touch order (director-wide ops name none). */
export function touchedServices(ops: readonly Op[]): ServiceKey[] {
  const seen = new Map<string, ServiceKey>();
  for (const op of ops) {
    if (!('service' in op)) continue;
    const id = serviceKeyId(op.service);
    if (!seen.has(id)) seen.set(id, serviceKeyOf(op.service));
  }
  return [...seen.values()];
}

/** Whether every service the ops touch is in the scope. */
export function withinScope(ops: readonly Op[], scope: ReadScope): boolean {
  const ids = new Set(scope.services.map(serviceKeyId));
  return touchedServices(ops).every((s) => ids.has(serviceKeyId(s)));
}

/**
 * Where `key` is in services sorted in the model's order: its index, or -(insertion point) - 1
 * when it is not there (Java's binarySearch convention).
 */
export function findService(services: readonly ServiceKey[], key: ServiceKey): number {
  let lo = 0;
  let hi = services.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareServices(services[mid]!, key);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

/**
 * The picture patched with a scoped read: the director-wide settings and every service the read
 * returned are taken from it; a scoped service it did not return is gone; the rest stay as known.
 * When the read found exactly what the picture holds, the picture itself is returned (the same
 * object: "nothing changed" is then an identity check, not a whole-table comparison).
 */
export function mergeScopedRead(picture: DirectorConfig, fresh: DirectorConfig, scope: ReadScope): DirectorConfig {
  let services: VirtualService[] | null = null; // copied on the first difference
  const sameGlobals = sameData(picture.globals, fresh.globals);
  const put = (key: ServiceKey, svc: VirtualService | null) => {
    const list = services ?? picture.services;
    const i = findService(list, key);
    if (i >= 0 && svc && sameData(list[i], svc)) return;
    if (i < 0 && !svc) return;
    services ??= picture.services.slice();
    if (i >= 0) {
      if (svc) services[i] = svc;
      else services.splice(i, 1);
    } else services.splice(-i - 1, 0, svc!);
  };
  for (const svc of fresh.services) put(svc, svc);
  for (const key of scope.services) if (findService(fresh.services, key) < 0) put(key, null);
  if (services === null && sameGlobals) return picture;
  return { globals: sameGlobals ? picture.globals : fresh.globals, services: services ?? picture.services };
}

/** Only the scoped services of a complete config (each once, in the model's order). */
export function scopeOf(config: DirectorConfig, scope: ReadScope): DirectorConfig {
  const found = new Set<number>();
  for (const key of scope.services) {
    const i = findService(config.services, key);
    if (i >= 0) found.add(i);
  }
  return { globals: config.globals, services: [...found].sort((a, b) => a - b).map((i) => config.services[i]!) };
}

/** Deep equality of plain JSON data (what a config is): no strings built, stops at the first difference. */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let na = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    na++;
    if (!sameData(ra[k], rb[k])) return false;
  }
  let nb = 0;
  for (const k in rb) if (rb[k] !== undefined) nb++;
  return na === nb;
}

/**
 * plan(target, actual) without planning what is equal: the two tables are walked pair by pair in
 * the model's order and only the services that differ (as data: no key strings built) are
 * planned, with the director-wide settings. The same ops as the whole-table plan; that plan when
 * the tables do not line up (services added or removed) or much of them differs.
 */
export function planChanged(target: DirectorConfig, actual: DirectorConfig): Op[] {
  const a = target.services;
  const b = actual.services;
  if (a.length !== b.length) return plan(target, actual);
  const changed: ServiceKey[] = [];
  for (let i = 0; i < a.length; i++) {
    if (sameData(a[i], b[i])) continue;
    changed.push(a[i]!);
    if (compareServices(a[i]!, b[i]!) !== 0) changed.push(b[i]!);
    if (changed.length > Math.max(SCOPED_READ_MIN, a.length / 4)) return plan(target, actual);
  }
  const scope = { services: changed };
  return plan(scopeOf(target, scope), scopeOf(actual, scope));
}
