// plan(desired, actual): the minimal ordered ops that turn the live table into the desired one.
//
//  - Only kernel fields are compared: health checks and drain marks are control-plane overlays
//    (resolveDrains turns drains into weights before planning).
//  - A service is identified by its key (protocol+address+port, or fwmark+family); a real server by
//    address+port. A changed key is therefore a delete and an add, never an edit.
//  - Any other change is ONE edit op carrying the complete object, because ipvsadm -E/-e reset
//    every field they are not given (a weight change is one `-e`, a scheduler change one `-E`).
//  - Order: globals (IPVS sysctls, timeouts, sync daemons) first, then service by service in canonical order,
//    removed services last. Within a service that stays: new real servers first, then edits, then
//    removals, so capacity is added before it is taken away. A new service is added before its real
//    servers; a removed service is one -D (the kernel drops its real servers with it).
//  - Linear time: the canonical lists are merge-joined (pairwise where aligned, the steady state);
//    real servers likewise, else through a map. Unsorted input falls back to matching by key.
import { compareSortKeys, serviceSortKey } from './kernel-table';
import { REAL_SERVER_KERNEL_FIELDS, REAL_SERVER_KEY_FIELDS, serviceKeyOf, type DirectorConfig, type RealServer, type SyncDaemon, type Timeouts, type VirtualService } from './model';
import { realServerKeyId, serviceKeyId } from './keys';
import { sysctlsToSet } from './sysctls';
import type { Op, RealServerSpec } from './op';

export function plan(desired: DirectorConfig, actual: DirectorConfig): Op[] {
  const ops: Op[] = [];
  planGlobals(desired, actual, ops);
  const services = planServicesSorted(desired.services, actual.services) ?? planServicesByKey(desired.services, actual.services);
  for (const op of services) ops.push(op);
  return ops;
}

type Svc = VirtualService;

function sameKey(a: Svc, b: Svc): boolean {
  if (a.protocol === 'fwmark' || b.protocol === 'fwmark') {
    return a.protocol === 'fwmark' && b.protocol === 'fwmark' && a.fwmark === b.fwmark && a.family === b.family;
  }
  return a.protocol === b.protocol && a.address === b.address && a.port === b.port;
}

/**
 * Merge-join of the two canonical (sorted) service lists: no maps, no key strings, and where the
 * lists are aligned (the steady state) not even sort keys. Returns null if either list turns out
 * not to be in canonical order, and the caller falls back to matching by key.
 */
function planServicesSorted(desired: readonly Svc[], actual: readonly Svc[]): Op[] | null {
  const ops: Op[] = [];
  const deletes: Op[] = [];
  let i = 0;
  let j = 0;
  let prevD: number[] | null = null;
  let prevA: number[] | null = null;
  const keyD = (k: number) => serviceSortKey(desired[k]!);
  const keyA = (k: number) => serviceSortKey(actual[k]!);
  while (i < desired.length || j < actual.length) {
    const d = desired[i];
    const a = actual[j];
    if (d && a && sameKey(d, a)) {
      if (d !== a) {
        if (!sameServiceFields(d, a)) ops.push({ op: 'edit-service', service: serviceOnly(d) });
        planServers(d, a, ops);
      }
      i++;
      j++;
      prevD = prevA = null; // keys are compared only inside a run of differences
      continue;
    }
    const kd = d ? keyD(i) : null;
    const ka = a ? keyA(j) : null;
    // every element passed here must follow its predecessor, or the merge is not valid
    if (kd && i > 0 && compareSortKeys(prevD ?? keyD(i - 1), kd) >= 0) return null;
    if (ka && j > 0 && compareSortKeys(prevA ?? keyA(j - 1), ka) >= 0) return null;
    if (kd && (!ka || compareSortKeys(kd, ka) < 0)) {
      ops.push({ op: 'add-service', service: serviceOnly(d!) });
      for (const r of d!.realServers) ops.push({ op: 'add-server', service: serviceKeyOf(d!), server: serverSpec(r) });
      prevD = kd;
      i++;
    } else {
      deletes.push({ op: 'delete-service', service: serviceKeyOf(a!) });
      prevA = ka;
      j++;
    }
  }
  for (const op of deletes) ops.push(op);
  return ops;
}

/** Any order: match services by key id. */
function planServicesByKey(desired: readonly Svc[], actual: readonly Svc[]): Op[] {
  const ops: Op[] = [];
  const actualById = new Map<string, Svc>();
  for (const s of actual) actualById.set(serviceKeyId(s), s);
  const desiredIds = new Set<string>();
  for (const d of desired) {
    const id = serviceKeyId(d);
    desiredIds.add(id);
    const a = actualById.get(id);
    if (!a) {
      ops.push({ op: 'add-service', service: serviceOnly(d) });
      for (const r of d.realServers) ops.push({ op: 'add-server', service: serviceKeyOf(d), server: serverSpec(r) });
      continue;
    }
    if (!sameServiceFields(d, a)) ops.push({ op: 'edit-service', service: serviceOnly(d) });
    planServers(d, a, ops);
  }
  // removed services last: new capacity first, as within a service
  for (const a of actual) if (!desiredIds.has(serviceKeyId(a))) ops.push({ op: 'delete-service', service: serviceKeyOf(a) });
  return ops;
}

function planServers(d: VirtualService, a: VirtualService, ops: Op[]): void {
  const dr = d.realServers;
  const ar = a.realServers;
  // fast path: same servers in the same order (only fields may differ)
  if (dr.length === ar.length) {
    let aligned = true;
    for (let i = 0; i < dr.length; i++) {
      if (dr[i]!.address !== ar[i]!.address || dr[i]!.port !== ar[i]!.port) {
        aligned = false;
        break;
      }
    }
    if (aligned) {
      for (let i = 0; i < dr.length; i++) if (dr[i] !== ar[i] && !sameServerFields(dr[i]!, ar[i]!)) ops.push({ op: 'edit-server', service: serviceKeyOf(d), server: serverSpec(dr[i]!) });
      return;
    }
  }
  const key = serviceKeyOf(d);
  const actualByKey = new Map<string, RealServer>();
  for (const r of ar) actualByKey.set(realServerKeyId(r), r);
  const adds: Op[] = [];
  const edits: Op[] = [];
  const keep = new Set<string>();
  for (const r of dr) {
    const k = realServerKeyId(r);
    keep.add(k);
    const old = actualByKey.get(k);
    if (!old) adds.push({ op: 'add-server', service: key, server: serverSpec(r) });
    else if (!sameServerFields(r, old)) edits.push({ op: 'edit-server', service: key, server: serverSpec(r) });
  }
  ops.push(...adds, ...edits);
  for (const r of ar) {
    const k = realServerKeyId(r);
    if (!keep.has(k)) ops.push({ op: 'delete-server', service: key, server: { address: r.address, port: r.port } });
  }
}

function planGlobals(desired: DirectorConfig, actual: DirectorConfig, ops: Op[]): void {
  // the kernel's IPVS settings first: they decide how the table's changes below take effect (expire_nodest_conn on a removal)
  for (const { name, value } of sysctlsToSet(desired.globals.sysctls, actual.globals.sysctls)) ops.push({ op: 'set-sysctl', name, value });
  const dt = desired.globals.timeouts;
  if (dt && !timeoutsSatisfied(dt, actual.globals.timeouts)) ops.push({ op: 'set-timeouts', timeouts: { ...dt } });

  // a running daemon with other settings must be stopped and started again (there is no edit)
  for (const state of ['master', 'backup'] as const) {
    const d = desired.globals.syncDaemons.find((x) => x.state === state);
    const a = actual.globals.syncDaemons.find((x) => x.state === state);
    if (a && (!d || !sameDaemon(d, a))) ops.push({ op: 'stop-daemon', state, syncId: a.syncId });
  }
  for (const state of ['master', 'backup'] as const) {
    const d = desired.globals.syncDaemons.find((x) => x.state === state);
    const a = actual.globals.syncDaemons.find((x) => x.state === state);
    if (d && (!a || !sameDaemon(d, a))) ops.push({ op: 'start-daemon', daemon: { ...d } });
  }
}

/** A desired timeout of 0 means "leave the kernel's value alone" (ipvsadm --set semantics). */
export function timeoutsSatisfied(desired: Timeouts, actual: Timeouts | null): boolean {
  if (!actual) return desired.tcp === 0 && desired.tcpfin === 0 && desired.udp === 0;
  return (desired.tcp === 0 || desired.tcp === actual.tcp) && (desired.tcpfin === 0 || desired.tcpfin === actual.tcpfin) && (desired.udp === 0 || desired.udp === actual.udp);
}

/**
 * The kernel fills in what --start-daemon left out (maxlen from the interface MTU, group
 * 224.0.0.81, port 8848, ttl 1) and -L --daemon reports it, so a setting the desired daemon
 * leaves out matches whatever the kernel chose.
 */
export function sameDaemon(desired: SyncDaemon, actual: SyncDaemon): boolean {
  const opt = <T>(d: T | undefined, a: T | undefined) => d === undefined || d === a;
  return (
    desired.interface === actual.interface &&
    desired.syncId === actual.syncId &&
    opt(desired.maxLen, actual.maxLen) &&
    opt(desired.group, actual.group) &&
    opt(desired.port, actual.port) &&
    opt(desired.ttl, actual.ttl)
  );
}

/** What -E sets: scheduler, flags, persistence (timeout, mask, PE), one-packet scheduling. */
export function sameServiceFields(a: VirtualService, b: VirtualService): boolean {
  if (a.scheduler !== b.scheduler || a.onePacket !== b.onePacket) return false;
  const fa = observableFlags(a);
  const fb = observableFlags(b);
  if (fa.length !== fb.length) return false;
  for (let i = 0; i < fa.length; i++) if (fa[i] !== fb[i]) return false;
  const pa = a.persistence;
  const pb = b.persistence;
  if (!pa || !pb) return !pa && !pb;
  return pa.timeout === pb.timeout && pa.netmask === pb.netmask && pa.pe === pb.pe;
}

/**
 * The flags ipvsadm can show: under sh and mh the flag-3 bit has no name and no effect, and -S/-L
 * drop it next to another flag, so a config read back from the kernel cannot have it there.
 * Comparing it would plan the same -E forever.
 */
function observableFlags(s: VirtualService): readonly string[] {
  const f = s.schedFlags;
  if ((s.scheduler === 'sh' || s.scheduler === 'mh') && f.length > 1 && f.includes('flag-3')) return f.filter((x) => x !== 'flag-3');
  return f;
}

/** What -e sets: every kernel field of a real server. */
export function sameServerFields(a: RealServer, b: RealServer | RealServerSpec): boolean {
  return REAL_SERVER_KERNEL_FIELDS.every((f) => a[f] === b[f]);
}

/** The service as -A/-E carry it: every kernel field, no real servers, no overlays. */
function serviceOnly(s: VirtualService): VirtualService {
  const { realServers: _rs, healthCheck: _hc, ...fields } = s;
  return { ...fields, realServers: [] } as VirtualService;
}

/** The real server as -a/-e carry it: its key and every kernel field, without the drain overlay. */
function serverSpec(r: RealServer): RealServerSpec {
  const spec: Record<string, unknown> = {};
  for (const f of [...REAL_SERVER_KEY_FIELDS, ...REAL_SERVER_KERNEL_FIELDS]) if (r[f] !== undefined) spec[f] = r[f];
  return spec as RealServerSpec;
}
