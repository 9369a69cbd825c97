// Targeted reads: a pass that changes K services reads (and verifies) only those K. The agent keeps
// its picture of the live table (the last full read, patched with every scoped read since); these
// helpers name the services a plan touches and patch the picture with what a scoped read found.
import { serviceKeyOf, type DirectorConfig, type ServiceKey, type VirtualService } from '@/lib/ipvs/model';
import { serviceKeyId } from '@/lib/ipvs/keys';
import { sortServices } from '@/lib/ipvs/kernel-table';
import type { Op } from '@/lib/ipvs/op';
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
 * The picture patched with a scoped read: the director-wide settings and every service the read
 * returned are taken from it; a scoped service it did not return is gone; the rest stay as known.
 */
export function mergeScopedRead(picture: DirectorConfig, fresh: DirectorConfig, scope: ReadScope): DirectorConfig {
  const replaced = new Set([...scope.services.map(serviceKeyId), ...fresh.services.map((s) => serviceKeyId(s))]);
  const services: VirtualService[] = picture.services.filter((s) => !replaced.has(serviceKeyId(s)));
  services.push(...fresh.services);
  return { globals: fresh.globals, services: sortServices(services) };
}

/** Only the scoped services of a complete config (for engines that hold the whole table in memory). */
export function scopeOf(config: DirectorConfig, scope: ReadScope): DirectorConfig {
  const ids = new Set(scope.services.map(serviceKeyId));
  return { globals: config.globals, services: config.services.filter((s) => ids.has(serviceKeyId(s))) };
}
