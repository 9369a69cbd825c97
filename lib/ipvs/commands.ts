// From an interpreted ipvsadm command line to the model: the Op it performs, with the objects in
// canonical form. Scheduler and persistence-engine names are checked here, as the kernel checks
// them ("Scheduler or persistence engine not found").
import { IpvsadmError, kernelRefused } from './errors';
import type { DestSpec, IpvsadmCommand, ServiceSpec } from './ipvsadm-args';
import { isDefaultNetmask, SCHED_FLAG_BITS, SCHEDULERS, schedFlagName, SyncDaemonSchema, type RealServer, type Scheduler, type ServiceKey, type SyncDaemon } from './model';
import type { Op } from './op';
import type { ServiceFields } from './kernel-table';

export function specKey(svc: ServiceSpec): ServiceKey {
  return svc.fwmark ? { protocol: 'fwmark', fwmark: svc.fwmark, family: svc.family } : { protocol: svc.protocol, address: svc.address, port: svc.port };
}

const SCHEDULER_SET = new Set<string>(SCHEDULERS);

/** The canonical service an -A/-E line describes (defaults as ipvsadm fills them). */
export function specService(svc: ServiceSpec, command: 'add-service' | 'edit-service' = 'add-service'): ServiceFields {
  if (!SCHEDULER_SET.has(svc.scheduler)) {
    throw kernelRefused(command, 'ENOENT', { hint: `the kernel has no scheduler "${svc.scheduler}" (known: ${SCHEDULERS.join(', ')})` });
  }
  if (svc.pe && svc.pe !== 'sip') {
    throw kernelRefused(command, 'ENOENT', { hint: `the only persistence engine is sip, not "${svc.pe}"` });
  }
  const scheduler = svc.scheduler as Scheduler;
  const schedFlags = SCHED_FLAG_BITS.filter((b) => svc.schedFlagBits & (1 << (b - 1))).map((b) => schedFlagName(scheduler, b));
  const base = specKey(svc);
  // A mask or PE without -p is accepted by ipvsadm and the kernel but has no effect and is never
  // listed or saved (persistence is what uses them), so the model keeps them only with persistence.
  const persistence = svc.persistent ? { timeout: svc.timeout, ...(isDefaultNetmask(svc.netmask, svc.family) ? {} : { netmask: svc.netmask }), ...(svc.pe ? { pe: 'sip' as const } : {}) } : undefined;
  return { ...base, scheduler, schedFlags, ...(persistence ? { persistence } : {}), onePacket: svc.onePacket } as ServiceFields;
}

/** The canonical real server an -a/-e line describes. */
export function specServer(d: DestSpec): RealServer {
  const r: RealServer = {
    address: d.address,
    port: d.port,
    forwarding: d.forwarding,
    weight: d.weight,
    upperThreshold: d.upperThreshold,
    lowerThreshold: d.lowerThreshold,
  };
  if (d.forwarding === 'tunnel') {
    r.tunnelType = d.tunnelType;
    if (d.tunnelType === 'gue') r.tunnelPort = d.tunnelPort;
    if (d.tunnelType !== 'ipip') r.tunnelChecksum = d.tunnelChecksum;
  }
  return r;
}

/** The Op a command performs, or null for commands that change nothing (-L, -S, -Z, -h, -v) or are not ops (-C, -R). */
export function commandToOp(cmd: IpvsadmCommand): Op | null {
  switch (cmd.cmd) {
    case 'add-service':
    case 'edit-service':
      return { op: cmd.cmd, service: { ...specService(cmd.svc, cmd.cmd), realServers: [] } } as unknown as Op;
    case 'delete-service':
      return { op: 'delete-service', service: specKey(cmd.svc) };
    case 'add-server':
    case 'edit-server':
      return { op: cmd.cmd, service: specKey(cmd.svc), server: specServer(cmd.dest) };
    case 'delete-server':
      return { op: 'delete-server', service: specKey(cmd.svc), server: { address: cmd.dest.address, port: cmd.dest.port } };
    case 'set':
      return { op: 'set-timeouts', timeouts: cmd.timeouts };
    case 'start-daemon':
      return { op: 'start-daemon', daemon: specDaemon(cmd.daemon) };
    case 'stop-daemon':
      return { op: 'stop-daemon', state: cmd.state, ...(cmd.syncId !== null ? { syncId: cmd.syncId } : {}) };
    default:
      return null;
  }
}

export function specDaemon(d: Extract<IpvsadmCommand, { cmd: 'start-daemon' }>['daemon']): SyncDaemon {
  const r = SyncDaemonSchema.safeParse(d);
  if (!r.success) {
    throw new IpvsadmError({ kind: 'argument', message: 'illegal sync daemon settings', hint: r.error.issues.map((i) => i.message).join('; '), exitCode: 2 });
  }
  return r.data;
}
