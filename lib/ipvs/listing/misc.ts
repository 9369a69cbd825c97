// `ipvsadm -L --timeout`, `ipvsadm -L --daemon`, `ipvsadm --version`.
import { canonicalAddress, isIPv4, isIPv6 } from '../addr';
import type { SyncDaemon, Timeouts } from '../model';
import { IssueLog, listingLines } from './common';

const TIMEOUT_RE = /^Timeout \(tcp tcpfin udp\): (\d+) (\d+) (\d+)$/;

/** Parse `ipvsadm -L --timeout`: the ESTABLISHED, FIN_WAIT and UDP timeouts in seconds. */
export function parseTimeouts(text: string): Timeouts {
  const log = new IssueLog('ipvsadm -L --timeout output');
  const lines = listingLines(text);
  const m = lines.length === 1 ? TIMEOUT_RE.exec(lines[0]!) : null;
  if (!m) log.add(1, 'expected one line "Timeout (tcp tcpfin udp): N N N"');
  log.throwIfAny();
  return { tcp: Number(m![1]), tcpfin: Number(m![2]), udp: Number(m![3]) };
}

export function formatTimeouts(t: Timeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpfin} ${t.udp}\n`;
}

const DAEMON_RE = /^(master|backup) sync daemon \(mcast=([^,]*), syncid=(\d+)((?:, [a-z]+=[^,)]+)*)\)$/;

/** Parse `ipvsadm -L --daemon`: one line per running daemon, nothing when none runs. */
export function parseDaemons(text: string): SyncDaemon[] {
  const log = new IssueLog('ipvsadm -L --daemon output');
  const out: SyncDaemon[] = [];
  listingLines(text).forEach((line, n) => {
    if (line === '') return;
    const m = DAEMON_RE.exec(line);
    if (!m) return log.add(n + 1, `not a sync daemon line: "${line}"`);
    const d: SyncDaemon = { state: m[1] as 'master' | 'backup', interface: m[2]!, syncId: Number(m[3]) };
    for (const kv of (m[4] ?? '').split(', ').filter(Boolean)) {
      const [k, v] = kv.split('=') as [string, string];
      if (k === 'maxlen' && /^\d+$/.test(v)) d.maxLen = Number(v);
      else if (k === 'group' && (isIPv4(v) || isIPv6(v))) d.group = canonicalAddress(v);
      else if (k === 'port' && /^\d+$/.test(v)) d.port = Number(v);
      else if (k === 'ttl' && /^\d+$/.test(v)) d.ttl = Number(v);
      else log.add(n + 1, `unknown daemon setting "${kv}"`);
    }
    out.push(d);
  });
  log.throwIfAny();
  return out;
}

export function formatDaemons(daemons: readonly SyncDaemon[]): string {
  return daemons
    .map((d) => {
      let s = `${d.state} sync daemon (mcast=${d.interface}, syncid=${d.syncId}`;
      if (d.maxLen) s += `, maxlen=${d.maxLen}`;
      if (d.group !== undefined) s += `, group=${d.group}`;
      if (d.port) s += `, port=${d.port}`;
      if (d.ttl) s += `, ttl=${d.ttl}`;
      return `${s})\n`;
    })
    .join('');
}

export interface IpvsadmVersion {
  /** "v1.31" */
  ipvsadm: string;
  /** "2019/12/24" */
  date: string;
  /** option parser it was built with: "popt" or "getopt_long" */
  optionParser: string;
  /** IPVS version it was compiled against, "1.2.1" */
  ipvs: string;
}

const VERSION_RE = /^ipvsadm (v\S+) (\S+) \(compiled with (\S+) and IPVS v(\d+\.\d+\.\d+)\)$/;

/** Parse `ipvsadm --version` (the first line of -h as well). */
export function parseVersion(text: string): IpvsadmVersion {
  const log = new IssueLog('ipvsadm --version output');
  const m = VERSION_RE.exec(listingLines(text)[0] ?? '');
  if (!m) log.add(1, 'expected "ipvsadm vX.Y DATE (compiled with PARSER and IPVS vA.B.C)"');
  log.throwIfAny();
  return { ipvsadm: m![1]!, date: m![2]!, optionParser: m![3]!, ipvs: m![4]! };
}

export function formatVersion(v: IpvsadmVersion = { ipvsadm: 'v1.31', date: '2019/12/24', optionParser: 'popt', ipvs: '1.2.1' }): string {
  return `ipvsadm ${v.ipvsadm} ${v.date} (compiled with ${v.optionParser} and IPVS v${v.ipvs})\n`;
}
