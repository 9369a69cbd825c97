// Ops rendered for ipvsadm (argv for execFile, one `ipvsadm -R` batch, a line for humans), a
// summary for the UI, and the in-memory applier with kernel semantics.
import { formatHostPort } from './addr';
import { IpvsadmError } from './errors';
import { serviceArgs, type IpvsadmCommand, parseIpvsadmArgv } from './ipvsadm-args';
import { KernelTable } from './kernel-table';
import { REAL_SERVER_KERNEL_FIELDS, type DirectorConfig, type RealServer } from './model';
import { serviceKeyId, serverKeyId } from './keys';
import type { Op, RealServerSpec } from './op';
import { commandToOp } from './commands';
import { formatSysctlValue, SYSCTL_PREFIX } from './sysctls';

/** Scheduler flags as -b takes them: names, comma-separated (sh-… and mh-… only under sh and mh). */
function schedFlagsArg(flags: readonly string[]): string[] {
  return flags.length ? ['-b', flags.join(',')] : [];
}

function serverArgs(r: RealServerSpec): string[] {
  const fwd = r.forwarding === 'masq' ? '-m' : r.forwarding === 'tunnel' ? '-i' : '-g';
  const out = ['-r', formatHostPort(r.address, r.port), fwd, '-w', String(r.weight)];
  // -e resets omitted thresholds to 0, so leaving out a 0 threshold still sends the complete object
  if (r.upperThreshold) out.push('-x', String(r.upperThreshold));
  if (r.lowerThreshold) out.push('-y', String(r.lowerThreshold));
  if (r.forwarding === 'tunnel') {
    const type = r.tunnelType ?? 'ipip';
    out.push('--tun-type', type);
    if (type === 'gue') out.push('--tun-port', String(r.tunnelPort));
    if (type !== 'ipip') out.push(`--tun-${r.tunnelChecksum ?? 'nocsum'}`);
  }
  return out;
}

/** argv after "ipvsadm": always numeric, always the complete object for -E/-e. */
export function opToArgv(op: Op): string[] {
  switch (op.op) {
    case 'add-service':
    case 'edit-service': {
      const s = op.service;
      const out = [op.op === 'add-service' ? '-A' : '-E', ...serviceArgs(s), '-s', s.scheduler];
      // -M after the service spec: ipvsadm reads it with the family the spec set (IPv6 prefix vs IPv4 mask)
      if (s.persistence) {
        out.push('-p', String(s.persistence.timeout));
        if (s.persistence.netmask !== undefined) out.push('-M', s.persistence.netmask);
        if (s.persistence.pe) out.push('--pe', s.persistence.pe);
      }
      if (s.onePacket) out.push('-o');
      out.push(...schedFlagsArg(s.schedFlags));
      return out;
    }
    case 'delete-service':
      return ['-D', ...serviceArgs(op.service)];
    case 'add-server':
    case 'edit-server':
      return [op.op === 'add-server' ? '-a' : '-e', ...serviceArgs(op.service), ...serverArgs(op.server)];
    case 'delete-server':
      return ['-d', ...serviceArgs(op.service), '-r', formatHostPort(op.server.address, op.server.port)];
    case 'set-timeouts':
      return ['--set', String(op.timeouts.tcp), String(op.timeouts.tcpfin), String(op.timeouts.udp)];
    case 'start-daemon': {
      const d = op.daemon;
      const out = ['--start-daemon', d.state, '--mcast-interface', d.interface, '--syncid', String(d.syncId)];
      if (d.maxLen !== undefined) out.push('--sync-maxlen', String(d.maxLen));
      if (d.group !== undefined) out.push('--mcast-group', d.group);
      if (d.port !== undefined) out.push('--mcast-port', String(d.port));
      if (d.ttl !== undefined) out.push('--mcast-ttl', String(d.ttl));
      return out;
    }
    case 'stop-daemon':
      return ['--stop-daemon', op.state, ...(op.syncId !== undefined ? ['--syncid', String(op.syncId)] : [])];
    case 'set-sysctl':
      throw new Error(`set-sysctl is not an ipvsadm command (${sysctlCommandLine(op)}); engines write it to /proc`);
  }
}

/** Is this op a kernel setting (a /proc write) rather than an ipvsadm command? */
export function isSysctlOp(op: Op): op is Extract<Op, { op: 'set-sysctl' }> {
  return op.op === 'set-sysctl';
}

/** "sysctl -w net.ipv4.vs.expire_nodest_conn=1" (sync_threshold quoted: "3 50"). */
function sysctlCommandLine(op: Extract<Op, { op: 'set-sysctl' }>): string {
  const v = formatSysctlValue(op.value);
  return `sysctl -w ${SYSCTL_PREFIX}${op.name}=${v.includes(' ') ? `'${v}'` : v}`;
}

const shellQuote = (s: string) => (/^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** "ipvsadm -e -t 10.0.0.1:80 -r 10.0.1.2:80 -g -w 0", for humans (never run through a shell). */
export function opToCommandLine(op: Op): string {
  if (isSysctlOp(op)) return sysctlCommandLine(op);
  return ['ipvsadm', ...opToArgv(op)].map(shellQuote).join(' ');
}

/** Text for `ipvsadm -R`: one line per op, no comments (-R has none). */
export function opsToRestoreBatch(ops: readonly Op[]): string {
  if (ops.some(isSysctlOp)) throw new Error('IPVS settings (set-sysctl) are /proc writes, not part of an ipvsadm -R batch');
  return ops.map((op) => `${opToArgv(op).join(' ')}\n`).join('');
}

/** The ipvsadm argv of one command back to an Op (what the simulator receives from execFile). */
export function argvToOp(argv: readonly string[]): Op {
  const cmd: IpvsadmCommand = parseIpvsadmArgv(argv);
  const op = commandToOp(cmd);
  if (!op) throw new IpvsadmError({ kind: 'argument', message: `ipvsadm ${argv[0] ?? ''} does not change the configuration`, exitCode: 2 });
  return op;
}

/**
 * ipvsadm's own refusal of an op (its text, exit status 2), found by running the op's command line
 * through the same argv parser, or null when ipvsadm would pass it to the kernel. Engines that do
 * not spawn ipvsadm (the simulator, netlink) refuse exactly what it would.
 */
export function ipvsadmRefusal(op: Op): { message: string; exitCode: number } | null {
  if (isSysctlOp(op)) return null;
  try {
    argvToOp(opToArgv(op));
    return null;
  } catch (e) {
    if (e instanceof IpvsadmError) return { message: e.message, exitCode: e.exitCode };
    throw e;
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * "+1 service, 2 weights changed, 1 real server removed". With `before` (the config the ops
 * apply to) real-server edits are told apart: weight-only changes, quiesce (weight -> 0), others.
 */
export function summarizeOps(ops: readonly Op[], before?: DirectorConfig): string {
  if (ops.length === 0) return 'no changes';
  const count = new Map<string, number>();
  const bump = (k: string) => count.set(k, (count.get(k) ?? 0) + 1);
  const servers = before ? indexServers(before) : null;
  for (const op of ops) {
    switch (op.op) {
      case 'add-service':
        bump('svc+');
        break;
      case 'delete-service':
        bump('svc-');
        break;
      case 'edit-service':
        bump('svc~');
        break;
      case 'add-server':
        bump('rs+');
        break;
      case 'delete-server':
        bump('rs-');
        break;
      case 'edit-server': {
        const old = servers?.get(serverKeyId(op.service, op.server));
        if (old && onlyWeightDiffers(old, op.server)) bump(op.server.weight === 0 ? 'quiesce' : old.weight === 0 ? 'unquiesce' : 'weight');
        else bump('rs~');
        break;
      }
      case 'set-timeouts':
        bump('timeouts');
        break;
      case 'start-daemon':
        bump('daemon+');
        break;
      case 'stop-daemon':
        bump('daemon-');
        break;
      case 'set-sysctl':
        bump('sysctl');
        break;
    }
  }
  const parts: string[] = [];
  const n = (k: string) => count.get(k) ?? 0;
  if (n('svc+')) parts.push(`+${plural(n('svc+'), 'service')}`);
  if (n('svc~')) parts.push(`${plural(n('svc~'), 'service')} changed`);
  if (n('svc-')) parts.push(`${plural(n('svc-'), 'service')} removed`);
  if (n('rs+')) parts.push(`+${plural(n('rs+'), 'real server')}`);
  if (n('weight')) parts.push(`${plural(n('weight'), 'weight')} changed`);
  if (n('quiesce')) parts.push(`${plural(n('quiesce'), 'real server')} quiesced (weight 0)`);
  if (n('unquiesce')) parts.push(`${plural(n('unquiesce'), 'real server')} back in service`);
  if (n('rs~')) parts.push(`${plural(n('rs~'), 'real server')} changed`);
  if (n('rs-')) parts.push(`${plural(n('rs-'), 'real server')} removed`);
  if (n('sysctl')) parts.push(`${plural(n('sysctl'), 'IPVS setting')} set`);
  if (n('timeouts')) parts.push('timeouts set');
  if (n('daemon-')) parts.push(`${plural(n('daemon-'), 'sync daemon')} stopped`);
  if (n('daemon+')) parts.push(`${plural(n('daemon+'), 'sync daemon')} started`);
  return parts.join(', ');
}

function indexServers(config: DirectorConfig): Map<string, RealServer> {
  const m = new Map<string, RealServer>();
  for (const s of config.services) {
    const sid = serviceKeyId(s);
    for (const r of s.realServers) m.set(serverKeyId(sid, r), r);
  }
  return m;
}

function onlyWeightDiffers(a: RealServer, b: RealServerSpec): boolean {
  return a.weight !== b.weight && REAL_SERVER_KERNEL_FIELDS.every((f) => f === 'weight' || a[f] === b[f]);
}

/**
 * Apply ops to a config the way the kernel would, in order. Throws IpvsadmError (with `.op`) where
 * the kernel refuses: adding what exists, editing or deleting what does not, l_threshold > u_threshold.
 */
export function applyOps(config: DirectorConfig, ops: readonly Op[]): DirectorConfig {
  const table = KernelTable.from(config);
  for (const op of ops) table.apply(op);
  return table.toConfig();
}
