// plan(desired, actual): the minimal ordered ops that turn the live table into the desired one.
//
//  - Only kernel fields are compared: health checks and drain marks are control-plane overlays
//    (resolveDrains turns drains into weights before planning).
//  - A service is identified by its key (protocol+address+port, or fwmark+family); a real server by
//    address+port. A changed key is therefore a delete and an add, never an edit.
//  - Any other change is ONE edit op carrying the complete object, because ipvsadm -E/-e reset
//    every field they are not given (a weight change is one `-e`, a scheduler change one `-E`).
//  - Order: globals (timeouts, sync daemons) first, then service by service in canonical order.
//    Within a service that stays: new real servers first, then edits, then removals, so capacity is
//    added before it is taken away. A new service is added before its real servers; a removed
//    service is one -D (the kernel drops its real servers with it).
//  - Linear time: services are matched by key id, real servers pairwise when both lists are in the
//    same canonical order (the usual case), else through a map.
import { hostPort } from './inet';
import { serviceKeyId, serviceKeyOf, type DirectorConfig, type RealServer, type SyncDaemon, type Timeouts, type VirtualService } from './model';
import type { Op, RealServerSpec } from './op';

export function plan(desired: DirectorConfig, actual: DirectorConfig): Op[] {
  const ops: Op[] = [];
  planGlobals(desired, actual, ops);

  const actualById = new Map<string, VirtualService>();
  for (const s of actual.services) actualById.set(serviceKeyId(s), s);
  const desiredIds = new Set<string>();

  // walk both canonical lists in order so the ops come out in service order
  const removed: VirtualService[] = [];
  for (const d of desired.services) {
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
  for (const a of actual.services) if (!desiredIds.has(serviceKeyId(a))) removed.push(a);
  // removals go where their key sorts, after the additions of that position: simple and stable
  for (const a of removed) ops.push({ op: 'delete-service', service: serviceKeyOf(a) });
  return ops;
}

function planServers(d: VirtualService, a: VirtualService, ops: Op[]): void {
  const key = serviceKeyOf(d);
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
      for (let i = 0; i < dr.length; i++) if (!sameServerFields(dr[i]!, ar[i]!)) ops.push({ op: 'edit-server', service: key, server: serverSpec(dr[i]!) });
      return;
    }
  }
  const actualByKey = new Map<string, RealServer>();
  for (const r of ar) actualByKey.set(hostPort(r.address, r.port), r);
  const adds: Op[] = [];
  const edits: Op[] = [];
  const keep = new Set<string>();
  for (const r of dr) {
    const k = hostPort(r.address, r.port);
    keep.add(k);
    const old = actualByKey.get(k);
    if (!old) adds.push({ op: 'add-server', service: key, server: serverSpec(r) });
    else if (!sameServerFields(r, old)) edits.push({ op: 'edit-server', service: key, server: serverSpec(r) });
  }
  ops.push(...adds, ...edits);
  for (const r of ar) {
    const k = hostPort(r.address, r.port);
    if (!keep.has(k)) ops.push({ op: 'delete-server', service: key, server: { address: r.address, port: r.port } });
  }
}

function planGlobals(desired: DirectorConfig, actual: DirectorConfig, ops: Op[]): void {
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
  return desired.interface === actual.interface && desired.syncId === actual.syncId && opt(desired.maxLen, actual.maxLen) && opt(desired.group, actual.group) && opt(desired.port, actual.port) && opt(desired.ttl, actual.ttl);
}

/** What -E sets: scheduler, flags, persistence (timeout, mask, PE), one-packet scheduling. */
export function sameServiceFields(a: VirtualService, b: VirtualService): boolean {
  if (a.scheduler !== b.scheduler || a.onePacket !== b.onePacket) return false;
  if (a.schedFlags.length !== b.schedFlags.length || a.schedFlags.some((f, i) => f !== b.schedFlags[i])) return false;
  const pa = a.persistence;
  const pb = b.persistence;
  if (!pa || !pb) return !pa && !pb;
  return pa.timeout === pb.timeout && pa.netmask === pb.netmask && pa.pe === pb.pe;
}

/** What -e sets: forwarding, weight, thresholds, tunnel parameters. */
export function sameServerFields(a: RealServer, b: RealServer): boolean {
  return (
    a.weight === b.weight &&
    a.forwarding === b.forwarding &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold &&
    a.tunnelType === b.tunnelType &&
    a.tunnelPort === b.tunnelPort &&
    a.tunnelChecksum === b.tunnelChecksum
  );
}

/** The service as -A/-E carry it: every kernel field, no real servers, no overlays. */
function serviceOnly(s: VirtualService): VirtualService {
  const { realServers: _rs, healthCheck: _hc, ...fields } = s;
  return { ...fields, realServers: [] } as VirtualService;
}

/** The real server as -a/-e carry it: every kernel field, without the drain overlay. */
function serverSpec(r: RealServer): RealServerSpec {
  const spec: RealServerSpec = {
    address: r.address,
    port: r.port,
    forwarding: r.forwarding,
    weight: r.weight,
    upperThreshold: r.upperThreshold,
    lowerThreshold: r.lowerThreshold,
  };
  if (r.tunnelType !== undefined) spec.tunnelType = r.tunnelType;
  if (r.tunnelPort !== undefined) spec.tunnelPort = r.tunnelPort;
  if (r.tunnelChecksum !== undefined) spec.tunnelChecksum = r.tunnelChecksum;
  return spec;
}
