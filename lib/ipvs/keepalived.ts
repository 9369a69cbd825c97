// keepalived.conf: export of a director config as virtual_server blocks (for teams that run
// keepalived's checker themselves), and an importer for the same subset.
//
// Mapping (keepalived 2.x keywords):
//   service     virtual_server IP PORT | virtual_server fwmark N (+ ip_family inet6), protocol,
//               lvs_sched, flag-N / sh-* / mh-*, ops, persistence_timeout/_granularity/_engine
//   real server real_server IP PORT { weight, lvs_method NAT|DR|TUN [type ipip|gue port N|gre]
//               [nocsum|csum|remcsum], uthreshold, lthreshold }
//   health      delay_loop (interval) on the virtual_server; TCP_CHECK / HTTP_GET / SSL_GET in
//               each real_server with connect_timeout, connect_port, retry (= fall - 1),
//               url { path, status_code }; inhibit_on_failure for onFailure "quiesce"
//   globals     global_defs { lvs_timeouts tcp N tcpfin N udp N; lvs_sync_daemon IF id N ... }
// keepalived's default lvs_method is NAT, so the export always writes it per real server.
// Not representable, hence not round-tripped: health-check rise and bodyMatch (and the path of a
// TCP check), a health check of a service without real servers (checkers live in real_server),
// drain marks (exported as weight 0 with a comment), and sync daemons other than one identical
// master+backup pair (keepalived runs both from one lvs_sync_daemon line).
import { RulesParseError, type RulesIssue, formatPath } from './errors';
import { DirectorConfigSchema, isSchedFlag, type DirectorConfig, type DirectorConfigInput, type HealthCheck, type RealServer, type SyncDaemon } from './model';
import { canonicalAddress, isIPv4, isIPv6 } from './addr';

const I = '    ';

function methodLine(r: RealServer): string {
  if (r.forwarding === 'masq') return 'lvs_method NAT';
  if (r.forwarding === 'route') return 'lvs_method DR';
  const type = r.tunnelType ?? 'ipip';
  if (type === 'ipip') return 'lvs_method TUN';
  if (type === 'gue') return `lvs_method TUN type gue port ${r.tunnelPort} ${r.tunnelChecksum ?? 'nocsum'}`;
  return `lvs_method TUN type gre ${r.tunnelChecksum ?? 'nocsum'}`;
}

function checkerBlock(hc: HealthCheck, ind: string): string[] {
  const kind = hc.type === 'tcp' ? 'TCP_CHECK' : hc.type === 'http' ? 'HTTP_GET' : 'SSL_GET';
  const out = [`${ind}${kind} {`];
  if (hc.type !== 'tcp') out.push(`${ind}${I}url {`, `${ind}${I}${I}path ${hc.path}`, `${ind}${I}${I}status_code ${hc.expectStatus}`, `${ind}${I}}`);
  if (hc.port !== undefined) out.push(`${ind}${I}connect_port ${hc.port}`);
  out.push(`${ind}${I}connect_timeout ${hc.timeout}`, `${ind}${I}retry ${hc.fall - 1}`, `${ind}}`);
  return out;
}

function sameDaemonSettings(a: SyncDaemon, b: SyncDaemon): boolean {
  return a.interface === b.interface && a.syncId === b.syncId && a.maxLen === b.maxLen && a.group === b.group && a.port === b.port && a.ttl === b.ttl;
}

/** keepalived.conf text (global_defs for timeouts/sync daemon, then one virtual_server per service). */
export function toKeepalivedConf(config: DirectorConfig): string {
  const lines: string[] = ['# keepalived.conf (LVS part), exported by LVS Console', ''];
  const g = config.globals;
  const daemons = g.syncDaemons;
  const pair = daemons.length === 2 && sameDaemonSettings(daemons[0]!, daemons[1]!);
  if (g.timeouts || daemons.length) {
    lines.push('global_defs {');
    if (g.timeouts) lines.push(`${I}lvs_timeouts tcp ${g.timeouts.tcp} tcpfin ${g.timeouts.tcpfin} udp ${g.timeouts.udp}`);
    if (pair) {
      const d = daemons[0]!;
      let l = `${I}lvs_sync_daemon ${d.interface} id ${d.syncId}`;
      if (d.maxLen !== undefined) l += ` maxlen ${d.maxLen}`;
      if (d.port !== undefined) l += ` port ${d.port}`;
      if (d.ttl !== undefined) l += ` ttl ${d.ttl}`;
      if (d.group !== undefined) l += ` group ${d.group}`;
      lines.push(l);
    } else for (const d of daemons) lines.push(`${I}# ${d.state} sync daemon on ${d.interface} (syncid ${d.syncId}): keepalived runs master and backup from one lvs_sync_daemon line; not exported`);
    lines.push('}', '');
  }
  for (const s of config.services) {
    lines.push(s.protocol === 'fwmark' ? `virtual_server fwmark ${s.fwmark} {` : `virtual_server ${s.address} ${s.port} {`);
    if (s.protocol === 'fwmark') {
      if (s.family === 'inet6') lines.push(`${I}ip_family inet6`);
    } else lines.push(`${I}protocol ${s.protocol.toUpperCase()}`);
    lines.push(`${I}lvs_sched ${s.scheduler}`);
    for (const f of s.schedFlags) lines.push(`${I}${f}`);
    if (s.onePacket) lines.push(`${I}ops`);
    if (s.persistence) {
      lines.push(`${I}persistence_timeout ${s.persistence.timeout}`);
      if (s.persistence.netmask !== undefined) lines.push(`${I}persistence_granularity ${s.persistence.netmask}`);
      if (s.persistence.pe) lines.push(`${I}persistence_engine ${s.persistence.pe}`);
    }
    const hc = s.healthCheck;
    if (hc) {
      lines.push(`${I}delay_loop ${hc.interval}`);
      if (hc.onFailure === 'quiesce') lines.push(`${I}inhibit_on_failure`);
    }
    for (const r of s.realServers) {
      lines.push('', `${I}real_server ${r.address} ${r.port} {`);
      if (r.drain) lines.push(`${I}${I}# draining (timeout ${r.drain.timeout}s): weight 0 until its connections end`);
      lines.push(`${I}${I}weight ${r.drain ? 0 : r.weight}`, `${I}${I}${methodLine(r)}`);
      if (r.upperThreshold) lines.push(`${I}${I}uthreshold ${r.upperThreshold}`);
      if (r.lowerThreshold) lines.push(`${I}${I}lthreshold ${r.lowerThreshold}`);
      if (hc) lines.push(...checkerBlock(hc, `${I}${I}`));
      lines.push(`${I}}`);
    }
    lines.push('}', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

// ---- import ------------------------------------------------------------------------------------

interface Node {
  key: string;
  args: string[];
  line: number;
  children?: Node[];
}

/** keepalived's syntax: one statement per line, "{" opens a block, "}" closes it, # and ! comment. */
function parseTree(text: string, issues: RulesIssue[]): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const opened: Node[] = [];
  text.split('\n').forEach((raw, n) => {
    const line = n + 1;
    const tokens: string[] = [];
    const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|([{}])|([^\s{}#!"']+)|([#!])/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(raw))) {
      if (m[5]) break; // comment to end of line
      tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    }
    let i = 0;
    while (i < tokens.length) {
      if (tokens[i] === '}') {
        if (stack.length === 1) issues.push({ line, path: '', message: 'unbalanced "}"' });
        else {
          stack.pop();
          opened.pop();
        }
        i++;
        continue;
      }
      const rest = tokens.slice(i);
      const brace = rest.indexOf('{');
      const close = rest.indexOf('}');
      const end = brace >= 0 && (close < 0 || brace < close) ? brace : close >= 0 ? close : rest.length;
      const words = rest.slice(0, end);
      if (words.length === 0) {
        issues.push({ line, path: '', message: 'a block without a keyword' });
        i += end + 1;
        continue;
      }
      const node: Node = { key: words[0]!, args: words.slice(1), line };
      stack[stack.length - 1]!.push(node);
      if (rest[end] === '{') {
        node.children = [];
        stack.push(node.children);
        opened.push(node);
        i += end + 1;
      } else i += end;
    }
  });
  for (const o of opened) issues.push({ line: o.line, path: '', message: `"${o.key}" block is not closed` });
  return root;
}

const SERVICE_KEYWORDS_IGNORED = new Set(['ha_suspend', 'smtp_alert', 'virtualhost', 'snmp_name', 'alpha', 'omega', 'quorum', 'hysteresis', 'quorum_up', 'quorum_down', 'connect_timeout', 'retry', 'delay_before_retry', 'warmup', 'nat_mask']);
const SERVER_KEYWORDS_IGNORED = new Set(['notify_up', 'notify_down', 'smtp_alert', 'virtualhost', 'snmp_name', 'alpha', 'connect_timeout', 'retry', 'delay_before_retry', 'warmup', 'delay_loop', 'inhibit_on_failure']);

/** A service or real server as read, with the line of each keyword for error messages. */
type ServerDraft = Record<string, unknown> & { line: number; lines: Record<string, number> };
type ServiceDraft = Record<string, unknown> & { line: number; lines: Record<string, number>; realServers: ServerDraft[] };

function parseMethod(args: string[], line: number, issues: RulesIssue[]): Record<string, unknown> | null {
  const [m, ...rest] = args;
  if (m === 'NAT' && rest.length === 0) return { forwarding: 'masq' };
  if (m === 'DR' && rest.length === 0) return { forwarding: 'route' };
  if (m === 'TUN') {
    if (rest.length === 0) return { forwarding: 'tunnel', tunnelType: 'ipip' };
    if (rest[0] === 'type') {
      const t = rest[1];
      if (t === 'ipip' && rest.length === 2) return { forwarding: 'tunnel', tunnelType: 'ipip' };
      if (t === 'gue' && rest[2] === 'port' && /^\d+$/.test(rest[3] ?? '')) return { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: Number(rest[3]), ...(rest[4] ? { tunnelChecksum: rest[4] } : {}) };
      if (t === 'gre') return { forwarding: 'tunnel', tunnelType: 'gre', ...(rest[2] ? { tunnelChecksum: rest[2] } : {}) };
    }
  }
  issues.push({ line, path: 'lvs_method', message: `lvs_method must be NAT, DR or TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum], got "${args.join(' ')}"` });
  return null;
}

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);

function parseChecker(node: Node, issues: RulesIssue[]): Record<string, unknown> | null {
  const type = node.key === 'TCP_CHECK' ? 'tcp' : node.key === 'HTTP_GET' ? 'http' : node.key === 'SSL_GET' ? 'https' : null;
  if (!type) return null;
  const hc: Record<string, unknown> = { type };
  for (const c of node.children ?? []) {
    if (c.key === 'connect_port') hc.port = num(c.args[0]);
    else if (c.key === 'connect_timeout') hc.timeout = num(c.args[0]);
    else if (c.key === 'retry' || c.key === 'nb_get_retry') hc.fall = num(c.args[0]) + 1;
    else if (c.key === 'url') {
      for (const u of c.children ?? []) {
        if (u.key === 'path') hc.path = u.args[0];
        else if (u.key === 'status_code') hc.expectStatus = num(u.args[0]);
        else if (u.key !== 'digest') issues.push({ line: u.line, path: 'url', message: `unsupported url keyword "${u.key}"` });
      }
    } else if (!['delay_before_retry', 'connect_ip', 'bindto', 'bind_port', 'warmup', 'delay_loop', 'alpha', 'nb_get_retry'].includes(c.key)) issues.push({ line: c.line, path: node.key, message: `unsupported ${node.key} keyword "${c.key}"` });
  }
  return hc;
}

/** Parse the virtual_server / real_server subset that toKeepalivedConf writes (and common variants). */
export function parseKeepalivedConf(text: string): DirectorConfig {
  const issues: RulesIssue[] = [];
  const tree = parseTree(text, issues);
  const services: ServiceDraft[] = [];
  const globals: { timeouts?: unknown; syncDaemons?: unknown[] } = {};
  for (const node of tree) {
    if (node.key === 'global_defs') {
      for (const c of node.children ?? []) {
        if (c.key === 'lvs_timeouts') {
          const t: Record<string, number> = { tcp: 0, tcpfin: 0, udp: 0 };
          for (let i = 0; i < c.args.length; i += 2) {
            const k = c.args[i]!;
            if (!(k in t) || !/^\d+$/.test(c.args[i + 1] ?? '')) issues.push({ line: c.line, path: 'lvs_timeouts', message: 'lvs_timeouts takes tcp N, tcpfin N and udp N' });
            else t[k] = Number(c.args[i + 1]);
          }
          globals.timeouts = t;
        } else if (c.key === 'lvs_sync_daemon') {
          const d: Record<string, unknown> = { interface: c.args[0] };
          for (let i = 1; i < c.args.length; i += 2) {
            const [k, v] = [c.args[i]!, c.args[i + 1]];
            if (k === 'id') d.syncId = num(v);
            else if (k === 'maxlen') d.maxLen = num(v);
            else if (k === 'port') d.port = num(v);
            else if (k === 'ttl') d.ttl = num(v);
            else if (k === 'group') d.group = v;
            else if (k === 'inst') issues.push({ line: c.line, path: 'lvs_sync_daemon', message: 'lvs_sync_daemon tied to a VRRP instance (inst) cannot be imported: master/backup would follow VRRP state' });
            else issues.push({ line: c.line, path: 'lvs_sync_daemon', message: `unknown lvs_sync_daemon option "${k}"` });
          }
          globals.syncDaemons = [{ state: 'master', ...d }, { state: 'backup', ...d }];
        }
      }
      continue;
    }
    if (node.key !== 'virtual_server') continue; // vrrp_instance, virtual_server_group, ... are not LVS rules
    services.push(...parseVirtualServer(node, issues));
  }
  const input = { globals, services: services.map(({ line: _l, lines: _ls, realServers, ...s }) => ({ ...s, realServers: realServers.map(({ line: _rl, lines: _rls, ...r }) => r) })) } as DirectorConfigInput;
  const r = DirectorConfigSchema.safeParse(input);
  if (!r.success) {
    for (const i of r.error.issues) {
      const [top, si, sub, ri, field] = i.path;
      const svc = top === 'services' && typeof si === 'number' ? services[si] : undefined;
      const rs = sub === 'realServers' && typeof ri === 'number' ? svc?.realServers[ri] : undefined;
      const line = rs ? (rs.lines[String(field)] ?? rs.line) : (svc?.lines[String(sub)] ?? svc?.line ?? 0);
      issues.push({ line, path: formatPath(i.path), message: i.message });
    }
  }
  if (issues.length) throw new RulesParseError(issues.sort((a, b) => a.line - b.line));
  return r.data!;
}

function parseVirtualServer(node: Node, issues: RulesIssue[]): ServiceDraft[] {
  const s: ServiceDraft = { line: node.line, lines: {}, realServers: [] };
  if (node.args[0] === 'group') {
    issues.push({ line: node.line, path: 'virtual_server', message: 'virtual_server group is not supported; list each virtual server' });
    return [];
  }
  let protocol = 'tcp';
  if (node.args[0] === 'fwmark') {
    const mark = num(node.args[1]);
    s.protocol = 'fwmark';
    s.fwmark = mark;
  } else {
    const addr = node.args[0] ?? '';
    if (!isIPv4(addr) && !isIPv6(addr)) {
      issues.push({ line: node.line, path: 'virtual_server', message: `"${addr}" is not an IP address (host names are not resolved here)` });
      return [];
    }
    s.address = canonicalAddress(addr);
    s.port = node.args[1] === undefined ? 0 : num(node.args[1]);
  }
  let defaultMethod: Record<string, unknown> = { forwarding: 'masq' };
  let hc: Record<string, unknown> | null = null;
  let delayLoop: number | undefined;
  let inhibit = false;
  const flags: string[] = [];
  const servers: Node[] = [];
  for (const c of node.children ?? []) {
    const a = c.args[0];
    const field = ({ lvs_sched: 'scheduler', lb_algo: 'scheduler', ops: 'onePacket', persistence_timeout: 'persistence', persistence_granularity: 'persistence', persistence_engine: 'persistence', ip_family: 'family', delay_loop: 'healthCheck' } as Record<string, string>)[c.key];
    if (field) s.lines[field] = c.line;
    if (isSchedFlag(c.key)) s.lines.schedFlags = c.line;
    switch (c.key) {
      case 'protocol':
        if (a === 'TCP' || a === 'UDP' || a === 'SCTP') protocol = a.toLowerCase();
        else issues.push({ line: c.line, path: 'protocol', message: 'protocol must be TCP, UDP or SCTP' });
        break;
      case 'lvs_sched':
      case 'lb_algo':
        s.scheduler = a;
        break;
      case 'lvs_method':
      case 'lb_kind': {
        const m = parseMethod(c.args, c.line, issues);
        if (m) defaultMethod = m;
        break;
      }
      case 'ops':
        s.onePacket = true;
        break;
      case 'persistence_timeout':
        s.persistence = { ...(s.persistence as object), timeout: a === undefined ? 360 : num(a) };
        break;
      case 'persistence_granularity':
        s.persistence = { ...(s.persistence as object), netmask: a };
        break;
      case 'persistence_engine':
        s.persistence = { ...(s.persistence as object), pe: a };
        break;
      case 'ip_family':
        if (a === 'inet' || a === 'inet6') s.family = a;
        else issues.push({ line: c.line, path: 'ip_family', message: 'ip_family must be inet or inet6' });
        break;
      case 'delay_loop':
        delayLoop = num(a);
        break;
      case 'inhibit_on_failure':
        inhibit = true;
        break;
      case 'real_server':
        servers.push(c);
        break;
      case 'sorry_server':
      case 'sorry_server_inhibit':
      case 'sorry_server_lvs_method':
        issues.push({ line: c.line, path: c.key, message: `${c.key} is a keepalived runtime feature with no IPVS equivalent; remove it to import` });
        break;
      default:
        if (isSchedFlag(c.key)) flags.push(c.key);
        else if (!SERVICE_KEYWORDS_IGNORED.has(c.key)) issues.push({ line: c.line, path: c.key, message: `unsupported virtual_server keyword "${c.key}"` });
    }
  }
  if (s.protocol !== 'fwmark') s.protocol = protocol;
  if (flags.length) s.schedFlags = flags;
  if (s.persistence && (s.persistence as { timeout?: number }).timeout === undefined) (s.persistence as { timeout?: number }).timeout = 360;
  for (const rnode of servers) {
    const addr = rnode.args[0] ?? '';
    if (!isIPv4(addr) && !isIPv6(addr)) {
      issues.push({ line: rnode.line, path: 'real_server', message: `"${addr}" is not an IP address` });
      continue;
    }
    const r: ServerDraft = { line: rnode.line, lines: {}, address: canonicalAddress(addr), ...defaultMethod };
    if (rnode.args[1] !== undefined) r.port = num(rnode.args[1]);
    for (const c of rnode.children ?? []) {
      const field = ({ weight: 'weight', uthreshold: 'upperThreshold', lthreshold: 'lowerThreshold' } as Record<string, string>)[c.key];
      if (field) r.lines[field] = c.line;
      if (c.key === 'lvs_method') for (const f of ['forwarding', 'tunnelType', 'tunnelPort', 'tunnelChecksum']) r.lines[f] = c.line;
      const checker = parseChecker(c, issues);
      if (checker) {
        hc = { ...checker, ...(delayLoop !== undefined ? { interval: delayLoop } : {}), onFailure: inhibit ? 'quiesce' : 'remove' };
        continue;
      }
      if (c.key === 'weight') r.weight = num(c.args[0]);
      else if (c.key === 'lvs_method') Object.assign(r, { tunnelType: undefined, tunnelPort: undefined, tunnelChecksum: undefined }, parseMethod(c.args, c.line, issues) ?? {});
      else if (c.key === 'uthreshold') r.upperThreshold = num(c.args[0]);
      else if (c.key === 'lthreshold') r.lowerThreshold = num(c.args[0]);
      else if (!SERVER_KEYWORDS_IGNORED.has(c.key) && !['MISC_CHECK', 'SMTP_CHECK', 'DNS_CHECK', 'BFD_CHECK', 'UDP_CHECK', 'PING_CHECK', 'FILE_CHECK'].includes(c.key)) issues.push({ line: c.line, path: c.key, message: `unsupported real_server keyword "${c.key}"` });
    }
    for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
    s.realServers.push(r);
  }
  if (hc) s.healthCheck = hc;
  return [s];
}

