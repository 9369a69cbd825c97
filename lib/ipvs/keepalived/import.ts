// keepalived.conf -> DirectorConfig, keyword by keyword as keepalived's check_parser.c reads the LVS
// part. Every keyword either lands in the model, is an error that names it (the model cannot hold
// it and it changes what IPVS does), or a warning (it changes nothing IPVS is programmed with:
// VRRP, notify scripts, SNMP names) that the UI shows before the import is committed.
import { RulesParseError, formatPath, type RulesIssue } from '../errors';
import { DirectorConfigSchema, type DirectorConfig, type DirectorConfigInput } from '../model';
import { canonicalAddress, isIPv4, isIPv6 } from '../addr';
import { mapSource, preprocess, type FileSource, type KeepalivedIssue, type PreprocessOptions } from './preprocess';
import { buildTree, type Node } from './tree';
import { CHECKER_KEYWORDS, KEEPALIVED_DEFAULTS, parseChecker } from './checkers';

export interface KeepalivedImport {
  config: DirectorConfig;
  /** Keywords that change nothing in IPVS and are not kept (shown before the import is committed). */
  warnings: KeepalivedIssue[];
  /** The files read, in order (the main file first). */
  files: string[];
}

export type KeepalivedInput = string | { entry: string; files: Record<string, string> } | { entry: string; source: FileSource };

type Draft = Record<string, unknown>;
interface Located {
  file: string;
  line: number;
  lines: Record<string, { file: string; line: number }>;
}
type ServerDraft = Draft & Located;
type ServiceDraft = Draft & Located & { realServers: ServerDraft[] };

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : NaN);

class Importer {
  readonly issues: KeepalivedIssue[] = [];
  readonly warnings: KeepalivedIssue[] = [];
  readonly groups = new Map<string, Node>();

  err(n: { file: string; line: number }, path: string, message: string): void {
    this.issues.push({ file: n.file, line: n.line, path, message });
  }
  warn(n: { file: string; line: number }, path: string, message: string): void {
    this.warnings.push({ file: n.file, line: n.line, path, message });
  }

  globals(node: Node, globals: Draft): void {
    for (const c of node.children ?? []) {
      if (c.key === 'lvs_timeouts') {
        const t: Record<string, number> = { tcp: 0, tcpfin: 0, udp: 0 };
        for (let i = 0; i < c.args.length; i += 2) {
          const k = c.args[i]!;
          if (!(k in t) || !/^\d+$/.test(c.args[i + 1] ?? '')) this.err(c, 'lvs_timeouts', 'lvs_timeouts takes tcp N, tcpfin N and udp N');
          else t[k] = Number(c.args[i + 1]);
        }
        globals.timeouts = t;
      } else if (c.key === 'lvs_sync_daemon' || c.key === 'lvs_sync_daemon_interface') {
        // keepalived 2: lvs_sync_daemon IF [VRRP_INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]
        const d: Draft = { interface: c.args[0] };
        let i = 1;
        if (c.key === 'lvs_sync_daemon' && c.args[1] !== undefined && !['id', 'maxlen', 'port', 'ttl', 'group'].includes(c.args[1])) {
          this.warn(c, 'lvs_sync_daemon', `keepalived starts the master sync daemon when VRRP instance ${c.args[1]} becomes master; imported as a master and a backup daemon that both run`);
          i = 2;
        }
        for (; i < c.args.length; i += 2) {
          const [k, v] = [c.args[i]!, c.args[i + 1]];
          if (k === 'id') d.syncId = num(v);
          else if (k === 'maxlen') d.maxLen = num(v);
          else if (k === 'port') d.port = num(v);
          else if (k === 'ttl') d.ttl = num(v);
          else if (k === 'group') d.group = v;
          else this.err(c, 'lvs_sync_daemon', `unknown lvs_sync_daemon option "${k}"`);
        }
        globals.syncDaemons = [
          { state: 'master', ...d },
          { state: 'backup', ...d },
        ];
      } else if (c.key === 'lvs_flush' || c.key === 'lvs_flush_onstop') this.warn(c, c.key, `${c.key} is how keepalived starts/stops; the agent reconciles instead`);
      else if (c.key.startsWith('lvs_')) this.err(c, c.key, `global_defs ${c.key} is not supported`);
    }
  }

  /** virtual_server_group NAME { IP PORT | IP-LAST PORT | fwmark N } -> the services' keys. */
  groupKeys(name: string, at: Node): Draft[] | null {
    const g = this.groups.get(name);
    if (!g) {
      this.err(at, 'virtual_server', `virtual_server group ${name}: no virtual_server_group ${name} is defined`);
      return null;
    }
    const keys: Draft[] = [];
    for (const e of g.children ?? []) {
      if (e.key === 'fwmark') {
        keys.push({ protocol: 'fwmark', fwmark: num(e.args[0]) });
        continue;
      }
      const m = /^(.*?)(?:-([0-9a-fA-F]+))?$/.exec(e.key)!;
      const base = m[1]!;
      if (!isIPv4(base) && !isIPv6(base)) {
        this.err(e, 'virtual_server_group', `"${e.key}" is not an IP address, address range or fwmark N`);
        continue;
      }
      const port = e.args[0] === undefined ? 0 : num(e.args[0]);
      if (m[2] === undefined) {
        keys.push({ address: canonicalAddress(base), port });
        continue;
      }
      // a range changes the last byte (IPv4) or the last 16-bit group (IPv6, hex), as keepalived does
      const v6 = isIPv6(base);
      const full = canonicalAddress(base);
      const lastSep = full.lastIndexOf(v6 ? ':' : '.');
      const first = Number.parseInt(full.slice(lastSep + 1) || '0', v6 ? 16 : 10);
      const last = Number.parseInt(m[2], v6 ? 16 : 10);
      if (!(last >= first) || last > (v6 ? 0xffff : 255) || last - first > 255) {
        this.err(e, 'virtual_server_group', `range ${e.key}: the end must be at least the start and at most 256 addresses on`);
        continue;
      }
      for (let x = first; x <= last; x++) keys.push({ address: canonicalAddress(full.slice(0, lastSep + 1) + x.toString(v6 ? 16 : 10)), port });
    }
    if (keys.length === 0) this.warn(g, 'virtual_server_group', `virtual_server_group ${name} has no entries (keepalived removes it)`);
    return keys;
  }

  virtualServer(node: Node): ServiceDraft[] {
    const s: ServiceDraft = { file: node.file, line: node.line, lines: {}, realServers: [] };
    let keys: Draft[];
    if (node.args[0] === 'group') {
      const k = this.groupKeys(node.args[1] ?? '', node);
      if (!k) return [];
      keys = k;
      s.group = node.args[1];
    } else if (node.args[0] === 'fwmark') keys = [{ protocol: 'fwmark', fwmark: num(node.args[1]) }];
    else {
      const addr = node.args[0] ?? '';
      if (!isIPv4(addr) && !isIPv6(addr)) {
        this.err(node, 'virtual_server', `"${addr}" is not an IP address (host names are not resolved here)`);
        return [];
      }
      keys = [{ address: canonicalAddress(addr), port: node.args[1] === undefined ? 0 : num(node.args[1]) }];
    }
    let protocol = 'tcp';
    let defaultMethod: Draft = { forwarding: 'masq' };
    const vsCheck: Draft = {};
    let inhibit = false;
    const flags: string[] = [];
    const servers: Node[] = [];
    let sorry: (Draft & { node: Node }) | null = null;
    const at = (field: string, c: Node) => (s.lines[field] = { file: c.file, line: c.line });
    for (const c of node.children ?? []) {
      const a = c.args[0];
      switch (c.key) {
        case 'protocol':
          at('protocol', c);
          // keepalived compares the protocol case-insensitively (strcasecmp)
          if (a && ['tcp', 'udp', 'sctp'].includes(a.toLowerCase())) protocol = a.toLowerCase();
          else this.err(c, 'protocol', `protocol must be TCP, UDP or SCTP, got "${a ?? ''}"`);
          break;
        case 'lvs_sched':
        case 'lb_algo':
          at('scheduler', c);
          s.scheduler = a;
          break;
        case 'lvs_method':
        case 'lb_kind': {
          const m = this.method(c);
          if (m) defaultMethod = m;
          break;
        }
        case 'ops':
          at('onePacket', c);
          s.onePacket = true;
          break;
        case 'hashed':
          this.warn(c, 'hashed', 'hashed is a flag every IPVS service has; nothing to import');
          break;
        case 'persistence_timeout':
          at('persistence', c);
          s.persistence = { ...(s.persistence as object), timeout: a === undefined ? 360 : num(a) };
          break;
        case 'persistence_granularity':
          // keepalived's pgr_handler: a granularity alone turns persistence on with the default 360 s
          at('persistence', c);
          s.persistence = { ...(s.persistence as object), netmask: a };
          break;
        case 'persistence_engine':
          at('persistence', c);
          s.persistence = { ...(s.persistence as object), pe: a };
          break;
        case 'ip_family':
          at('family', c);
          if (a === 'inet' || a === 'inet6') s.family = a;
          else this.err(c, 'ip_family', 'ip_family must be inet or inet6');
          break;
        case 'delay_loop':
        case 'connect_timeout':
        case 'retry':
        case 'delay_before_retry':
        case 'warmup':
          vsCheck[c.key] = c;
          break;
        case 'inhibit_on_failure':
          inhibit = true;
          break;
        case 'real_server':
          servers.push(c);
          break;
        case 'sorry_server': {
          const addr = a ?? '';
          if (!isIPv4(addr) && !isIPv6(addr)) this.err(c, 'sorry_server', `"${addr}" is not an IP address`);
          else sorry = { node: c, address: canonicalAddress(addr), ...(c.args[1] !== undefined ? { port: num(c.args[1]) } : {}) };
          break;
        }
        case 'sorry_server_inhibit':
          if (!sorry) this.err(c, c.key, 'sorry_server_inhibit needs a sorry_server before it');
          else sorry.inhibit = true;
          break;
        case 'sorry_server_lvs_method': {
          const m = this.method(c);
          if (!sorry) this.err(c, c.key, 'sorry_server_lvs_method needs a sorry_server before it');
          else if (m) Object.assign(sorry, m);
          break;
        }
        case 'quorum':
          at('quorum', c);
          s.quorum = { ...(s.quorum as object), minWeight: num(a) };
          break;
        case 'hysteresis':
          at('quorum', c);
          s.quorum = { ...(s.quorum as object), hysteresis: num(a) };
          break;
        case 'alpha':
          vsCheck.alpha = c;
          break;
        case 'omega':
        case 'quorum_up':
        case 'quorum_down':
        case 'smtp_alert':
        case 'snmp_name':
        case 'ha_suspend':
          this.warn(c, c.key, `${c.key} ${c.key === 'ha_suspend' ? '(checks paused while VRRP is backup)' : '(notification)'} changes nothing in IPVS and is not imported`);
          break;
        case 'virtualhost':
          vsCheck.virtualhost = c;
          break;
        case 'flag-1':
        case 'flag-2':
        case 'flag-3':
        case 'sh-port':
        case 'sh-fallback':
        case 'mh-port':
        case 'mh-fallback':
          at('schedFlags', c);
          flags.push(c.key);
          break;
        default:
          this.err(c, c.key, `unknown virtual_server keyword "${c.key}"`);
      }
    }
    if (flags.length) s.schedFlags = flags;
    if (sorry) {
      const { node: sn, ...rest } = sorry;
      s.sorryServer = { ...defaultMethod, ...rest };
      s.lines.sorryServer = { file: sn.file, line: sn.line };
    }
    const checks: (Draft | null)[] = [];
    for (const rnode of servers) {
      const r = this.realServer(rnode, defaultMethod, vsCheck, inhibit, checks);
      if (r) s.realServers.push(r);
    }
    // one check for all servers is the service's check; otherwise each server keeps its own
    const first = checks[0];
    const same = checks.length > 0 && first !== null && checks.every((c) => c !== null && JSON.stringify(c) === JSON.stringify(first));
    if (same) {
      s.healthCheck = first;
      const where = s.realServers[0]?.lines.healthCheck;
      if (where) s.lines.healthCheck = where;
    } else s.realServers.forEach((r, i) => checks[i] && (r.healthCheck = checks[i]));
    const out: ServiceDraft[] = [];
    for (const k of keys) {
      const svc: ServiceDraft = { ...s, ...k, realServers: s.realServers.map((r) => ({ ...r })) };
      if (svc.protocol === 'fwmark') {
        // keepalived takes a fwmark service's family from ip_family, else from its non-tunnelled real servers
        if (svc.family === undefined) {
          const fam = s.realServers.filter((r) => r.forwarding !== 'tunnel').map((r) => (isIPv6(String(r.address)) ? 'inet6' : 'inet'));
          const sorryFam = sorry && sorry.forwarding !== 'tunnel' ? [isIPv6(String(sorry.address)) ? 'inet6' : 'inet'] : [];
          const fams = [...sorryFam, ...fam];
          svc.family = fams[0] ?? (s.realServers.length && s.realServers.every((r) => isIPv6(String(r.address))) ? 'inet6' : 'inet');
        }
      } else {
        svc.protocol = protocol;
        delete svc.family;
      }
      out.push(svc);
    }
    return out;
  }

  method(c: Node): Draft | null {
    const [m, ...rest] = c.args;
    if (m === 'NAT' && rest.length === 0) return { forwarding: 'masq' };
    if (m === 'DR' && rest.length === 0) return { forwarding: 'route' };
    if (m === 'TUN') {
      if (rest.length === 0) return { forwarding: 'tunnel', tunnelType: 'ipip' };
      if (rest[0] === 'type') {
        const t = rest[1];
        if (t === 'ipip' && rest.length === 2) return { forwarding: 'tunnel', tunnelType: 'ipip' };
        if (t === 'gue' && rest[2] === 'port' && /^\d+$/.test(rest[3] ?? ''))
          return { forwarding: 'tunnel', tunnelType: 'gue', tunnelPort: Number(rest[3]), ...(rest[4] ? { tunnelChecksum: rest[4] } : {}) };
        if (t === 'gre') return { forwarding: 'tunnel', tunnelType: 'gre', ...(rest[2] ? { tunnelChecksum: rest[2] } : {}) };
      }
    }
    this.err(c, c.key, `${c.key} must be NAT, DR or TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum] (upper case, as keepalived compares it), got "${c.args.join(' ')}"`);
    return null;
  }

  realServer(rnode: Node, defaultMethod: Draft, vsCheck: Draft, vsInhibit: boolean, checks: (Draft | null)[]): ServerDraft | null {
    const addr = rnode.args[0] ?? '';
    if (!isIPv4(addr) && !isIPv6(addr)) {
      this.err(rnode, 'real_server', `"${addr}" is not an IP address`);
      return null;
    }
    const r: ServerDraft = { file: rnode.file, line: rnode.line, lines: {}, address: canonicalAddress(addr), ...defaultMethod };
    if (rnode.args[1] !== undefined) r.port = num(rnode.args[1]);
    const rsCheck: Draft = { ...vsCheck };
    let inhibit = vsInhibit;
    const checkers: Node[] = [];
    for (const c of rnode.children ?? []) {
      const at = (f: string) => (r.lines[f] = { file: c.file, line: c.line });
      if (CHECKER_KEYWORDS.has(c.key)) checkers.push(c);
      else if (c.key === 'weight') {
        at('weight');
        r.weight = num(c.args[0]);
      } else if (c.key === 'lvs_method' || c.key === 'lb_kind') {
        for (const f of ['forwarding', 'tunnelType', 'tunnelPort', 'tunnelChecksum']) at(f);
        const m = this.method(c);
        if (m) Object.assign(r, { tunnelType: undefined, tunnelPort: undefined, tunnelChecksum: undefined }, m);
      } else if (c.key === 'uthreshold') {
        at('upperThreshold');
        r.upperThreshold = num(c.args[0]);
      } else if (c.key === 'lthreshold') {
        at('lowerThreshold');
        r.lowerThreshold = num(c.args[0]);
      } else if (c.key === 'inhibit_on_failure') {
        // keepalived 2: a real server may set or clear it (inhibit_on_failure [true|false])
        const v = c.args[0];
        if (v === undefined || ['true', 'on', 'yes'].includes(v)) inhibit = true;
        else if (['false', 'off', 'no'].includes(v)) inhibit = false;
        else this.err(c, c.key, `inhibit_on_failure takes true or false, got "${v}"`);
      } else if (['delay_loop', 'connect_timeout', 'retry', 'delay_before_retry', 'warmup', 'virtualhost', 'alpha'].includes(c.key)) rsCheck[c.key] = c;
      else if (['notify_up', 'notify_down', 'smtp_alert', 'snmp_name'].includes(c.key)) this.warn(c, c.key, `${c.key} (notification) changes nothing in IPVS and is not imported`);
      else this.err(c, c.key, `unknown real_server keyword "${c.key}"`);
    }
    for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
    if (checkers.length > 1) this.err(checkers[1]!, checkers[1]!.key, `a second checker in one real_server (${checkers.map((c) => c.key).join(', ')}): LVS Console checks a server one way; keep one`);
    if (checkers.length === 0) {
      checks.push(null);
      if (inhibit !== vsInhibit) this.warn(rnode, 'inhibit_on_failure', 'inhibit_on_failure on a real server without a checker changes nothing');
    } else {
      r.lines.healthCheck = { file: checkers[0]!.file, line: checkers[0]!.line };
      const hc = parseChecker(
        checkers[0]!,
        rsCheck,
        (n, p, m) => this.err(n, p, m),
        (n, p, m) => this.warn(n, p, m),
      );
      checks.push(hc ? { ...hc, onFailure: inhibit ? 'quiesce' : 'remove' } : null);
    }
    return r;
  }
}

function toInput(input: KeepalivedInput): { entry: string; source: FileSource } {
  if (typeof input === 'string') {
    const src = mapSource({ 'keepalived.conf': input });
    return { entry: src.resolve('keepalived.conf'), source: src };
  }
  if ('source' in input) return input;
  const src = mapSource(input.files);
  return { entry: src.resolve(input.entry), source: src };
}

/** keepalived.conf (and what it includes) as keepalived would program IPVS, or every error with its file and line. */
export function importKeepalived(input: KeepalivedInput, opts: PreprocessOptions = {}): KeepalivedImport {
  const { entry, source } = toInput(input);
  const pre = preprocess(entry, source, opts);
  const issues: KeepalivedIssue[] = [...pre.issues];
  const tree = buildTree(pre.lines, issues);
  const im = new Importer();
  const globals: Draft = {};
  for (const node of tree) if (node.key === 'virtual_server_group') im.groups.set(node.args[0] ?? '', node);
  const services: ServiceDraft[] = [];
  for (const node of tree) {
    if (node.key === 'vrrp_instance') {
      // keepalived 1.x: the sync daemon interface is set in a VRRP instance
      const sd = node.children?.find((c) => c.key === 'lvs_sync_daemon_interface');
      if (sd) {
        im.warn(
          sd,
          'lvs_sync_daemon_interface',
          `keepalived starts the master sync daemon when VRRP instance ${node.args[0] ?? ''} becomes master; imported as a master and a backup daemon that both run`,
        );
        im.globals({ ...node, children: [{ ...sd, key: 'lvs_sync_daemon', args: [sd.args[0] ?? ''] }] }, globals);
      }
    }
    if (node.key === 'global_defs') im.globals(node, globals);
    else if (node.key === 'virtual_server') services.push(...im.virtualServer(node));
    else if (node.key === 'virtual_server_group') continue;
    else if (
      [
        'vrrp_instance',
        'vrrp_sync_group',
        'vrrp_script',
        'vrrp_track_process',
        'track_file',
        'static_ipaddress',
        'static_routes',
        'static_rules',
        'linkbeat_interfaces',
        'bfd_instance',
        'net_namespace',
        'garp_group',
        'SSL',
        'vrrp_track_file',
        'instance',
      ].includes(node.key)
    )
      im.warn(node, node.key, `${node.key} is not part of the LVS configuration; not imported`);
    else im.err(node, node.key, `unknown top-level keyword "${node.key}"`);
  }
  issues.push(...im.issues);
  const strip = <T extends Located>({ file: _f, line: _l, lines: _ls, ...rest }: T) => rest;
  const input2 = { globals, services: services.map((s) => ({ ...strip(s), realServers: s.realServers.map(strip) })) } as DirectorConfigInput;
  const r = DirectorConfigSchema.safeParse(input2);
  if (!r.success) {
    for (const i of r.error.issues) {
      const [top, si, sub, ri, field] = i.path;
      const svc = top === 'services' && typeof si === 'number' ? services[si] : undefined;
      const rs = sub === 'realServers' && typeof ri === 'number' ? svc?.realServers[ri] : undefined;
      const where = rs ? (rs.lines[String(field)] ?? rs) : svc ? (svc.lines[String(sub)] ?? svc) : { file: pre.files[0] ?? 'keepalived.conf', line: 0 };
      issues.push({ file: where.file, line: where.line, path: formatPath(i.path), message: i.message });
    }
  }
  if (issues.length) {
    const order = new Map(pre.files.map((f, i) => [f, i]));
    throw new RulesParseError(issues.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line).map((i): RulesIssue => ({ ...i })));
  }
  return { config: r.data!, warnings: im.warnings, files: pre.files };
}

export { KEEPALIVED_DEFAULTS };
