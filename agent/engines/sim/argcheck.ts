// What ipvsadm itself refuses before the kernel is asked (process_options / parse_options in
// ipvsadm.c): the same texts, exit status 2. The simulator runs these first so an op that a real
// director's ipvsadm would reject fails here the same way, even if it was built without the schemas.
import { addressFamily, isIPv4 } from '@/lib/ipvs/addr';
import { MAX_FWMARK, MAX_PERSISTENCE, MAX_THRESHOLD, MAX_WEIGHT, SCHED_FLAGS, serviceFamily, type ServiceKey, type VirtualService } from '@/lib/ipvs/model';
import type { Op, RealServerSpec } from '@/lib/ipvs/op';

/** A refused command: ipvsadm's stderr line and exit status. */
export interface CommandError {
  message: string;
  exitCode: number;
}

const fail = (message: string): CommandError => ({ message, exitCode: 2 });
const isInt = (n: unknown, min: number, max: number): n is number => typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;

/** -t/-u/--sctp-service ADDR:PORT or -f MARK [-6]. */
export function checkServiceKey(key: ServiceKey): CommandError | null {
  if (key.protocol === 'fwmark') {
    if (!isInt(key.fwmark, 1, MAX_FWMARK)) return fail(`invalid fwmark value \`${String(key.fwmark)}' specified`);
    return null;
  }
  if (addressFamily(key.address) === null || !isInt(key.port, 0, 65535)) return fail('illegal virtual server address[:port] specified');
  return null;
}

export function checkService(s: VirtualService): CommandError | null {
  const keyErr = checkServiceKey(s);
  if (keyErr) return keyErr;
  const p = s.persistence;
  if (p) {
    if (!isInt(p.timeout, 1, MAX_PERSISTENCE)) return fail(`invalid timeout value \`${String(p.timeout)}' specified`);
    if (p.netmask !== undefined) {
      if (serviceFamily(s) === 'inet6') {
        if (!/^\d{1,3}$/.test(p.netmask) || +p.netmask < 1 || +p.netmask > 128) return fail('illegal ipv6 netmask specified');
      } else if (!isIPv4(p.netmask)) return fail('illegal virtual server persistent mask specified');
    }
  }
  for (const f of s.schedFlags) {
    if (!(SCHED_FLAGS as readonly string[]).includes(f)) return fail(`invalid scheduler flag \`${f}'`);
    if ((f.startsWith('sh-') && s.scheduler !== 'sh') || (f.startsWith('mh-') && s.scheduler !== 'mh')) return fail(`incompatible scheduler flag \`${f}'`);
  }
  if (s.onePacket && s.protocol !== 'udp' && s.protocol !== 'fwmark') return fail('One-Packet Scheduling is only for UDP virtual services');
  if (s.protocol !== 'fwmark' && s.port === 0 && !p) return fail('Zero port specified for non-persistent service');
  return null;
}

/** -a / -e: the real server options, after ipvsadm's own rewrites are known to the caller. */
export function checkServer(service: ServiceKey, r: RealServerSpec): CommandError | null {
  const fam = addressFamily(r.address);
  if (fam === null || !isInt(r.port, 0, 65535)) return fail('illegal real server address[:port] specified');
  if (!isInt(r.weight, 0, MAX_WEIGHT)) return fail('illegal weight specified');
  if (!isInt(r.upperThreshold, 0, MAX_THRESHOLD)) return fail('illegal u_threshold specified');
  if (!isInt(r.lowerThreshold, 0, MAX_THRESHOLD)) return fail('illegal l_threshold specified');
  if (!['route', 'masq', 'tunnel'].includes(r.forwarding)) return fail("invalid option `forwarding'");
  if (fam !== serviceFamily(service) && r.forwarding !== 'tunnel') return fail('Different address family is allowed only for tunneling servers');
  const tunOpts = r.tunnelType !== undefined || r.tunnelPort !== undefined || r.tunnelChecksum !== undefined;
  if (tunOpts && r.forwarding !== 'tunnel') return fail('Tunnel options conflict with forward method');
  if (r.forwarding === 'tunnel') {
    const type = r.tunnelType ?? 'ipip';
    if (!['ipip', 'gue', 'gre'].includes(type)) return fail('illegal tunnel type specified');
    if (r.tunnelPort !== undefined && !isInt(r.tunnelPort, 1, 65535)) return fail('illegal tunnel port specified');
    // tunnel_types_v_options: ipip takes nothing; gue needs --tun-port; gre takes nocsum/csum only
    if (type === 'gue' && r.tunnelPort === undefined) return fail("You need to supply the 'tun-port' option for the 'gue' tunnel type");
    if (type !== 'gue' && r.tunnelPort !== undefined) return fail(`Illegal 'tun-port' option with the '${type}' tunnel type`);
    const cs = r.tunnelChecksum;
    if (cs !== undefined && !['nocsum', 'csum', 'remcsum'].includes(cs)) return fail(`invalid option \`--tun-${cs}'`);
    if (cs !== undefined && (type === 'ipip' || (type === 'gre' && cs === 'remcsum'))) return fail(`Illegal 'tun-${cs}' option with the '${type}' tunnel type`);
  }
  return null;
}

/** Everything ipvsadm checks for one op; null when it would pass the command to the kernel. */
export function checkOp(op: Op): CommandError | null {
  switch (op.op) {
    case 'add-service':
    case 'edit-service':
      return checkService(op.service);
    case 'delete-service':
      return checkServiceKey(op.service);
    case 'add-server':
    case 'edit-server':
      return checkServiceKey(op.service) ?? checkServer(op.service, op.server);
    case 'delete-server':
      return checkServiceKey(op.service) ?? (addressFamily(op.server.address) === null || !isInt(op.server.port, 0, 65535) ? fail('illegal real server address[:port] specified') : null);
    case 'set-timeouts': {
      for (const v of [op.timeouts.tcp, op.timeouts.tcpfin, op.timeouts.udp]) {
        if (!isInt(v, 0, MAX_PERSISTENCE)) return fail(`invalid timeout value \`${String(v)}' specified`);
      }
      return null;
    }
    case 'start-daemon': {
      const d = op.daemon;
      if (d.state !== 'master' && d.state !== 'backup') return fail(`illegal start-daemon parameter specified`);
      if (!isInt(d.syncId, 0, 255)) return fail('illegal syncid specified');
      if (d.maxLen !== undefined && !isInt(d.maxLen, 1, 65535 - 20 - 8)) return fail('illegal sync-maxlen specified');
      if (d.port !== undefined && !isInt(d.port, 1, 65535)) return fail('illegal mcast-port specified');
      if (d.ttl !== undefined && !isInt(d.ttl, 1, 255)) return fail('illegal mcast-ttl specified');
      if (d.group !== undefined && !isMulticast(d.group)) return fail(`invalid ${addressFamily(d.group) === 'inet6' ? 'IPv6' : 'IPv4'} mcast-group \`${d.group}'`);
      return null;
    }
    case 'stop-daemon':
      if (op.state !== 'master' && op.state !== 'backup') return fail('illegal stop-daemon parameter specified');
      return null;
  }
}

function isMulticast(a: string): boolean {
  if (isIPv4(a)) {
    const first = +a.split('.')[0]!;
    return first >= 224 && first <= 239;
  }
  return addressFamily(a) === 'inet6' && /^ff/i.test(a);
}
