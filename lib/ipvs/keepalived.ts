// keepalived.conf: export of a director config as virtual_server blocks (for teams that run
// keepalived's checker themselves), and the import of real keepalived.conf files (with includes,
// definitions, conditionals and sequences: see keepalived/preprocess.ts and keepalived/import.ts).
//
// Mapping (keepalived 2.x keywords):
//   service      virtual_server IP PORT | fwmark N (+ ip_family inet6) | group NAME, protocol,
//                lvs_sched, flag-N / sh-* / mh-*, ops, persistence_timeout/_granularity/_engine,
//                quorum / hysteresis, sorry_server (+ sorry_server_inhibit, sorry_server_lvs_method)
//   group        services sharing a `group` label and every setting -> virtual_server_group NAME
//   real server  real_server IP PORT { weight, lvs_method NAT|DR|TUN [type ipip|gue port N|gre]
//                [nocsum|csum|remcsum], uthreshold, lthreshold, inhibit_on_failure, checker }
//   health       TCP_CHECK / HTTP_GET / SSL_GET in each real_server (the server's own check, else
//                the service's) with delay_loop, connect_timeout, retry (= fall - 1),
//                delay_before_retry, warmup, connect_port, connect_ip, bindto,
//                url { path, status_code, digest } (one block per url), virtualhost
//   globals      global_defs { lvs_timeouts tcp N tcpfin N udp N; lvs_sync_daemon IF id N ... }
// keepalived's default lvs_method is NAT, so the export always writes it per real server.
// Not representable, hence not round-tripped: rise (keepalived puts a server back after one good
// check), bodyMatch, a check of a service without real servers, drain marks (weight 0 with a
// comment), and sync daemons other than one identical master+backup pair.
import { canonicalJson } from './hash';
import type { DirectorConfig, HealthCheck, RealServer, SyncDaemon, VirtualService } from './model';
import { importKeepalived } from './keepalived/import';
import { CHECKER_OF } from './keepalived/checkers';

const I = '    ';

/**
 * One keepalived.conf word. The schemas already hold every free-text field to characters that
 * keepalived reads literally; this refuses anything else rather than let it become syntax
 * (a newline, blank, quote, brace, comment or substitution character).
 */
export function kaWord(v: string | number): string {
  const s = String(v);
  if (!/^[A-Za-z0-9\-._~%&'()*+,;=:@/?[\]]+$/.test(s)) throw new Error(`${JSON.stringify(s)} cannot be written to keepalived.conf (blank, quote, brace, !, # or $)`);
  return s;
}

function methodLine(r: Pick<RealServer, 'forwarding' | 'tunnelType' | 'tunnelPort' | 'tunnelChecksum'>, key = 'lvs_method'): string {
  if (r.forwarding === 'masq') return `${key} NAT`;
  if (r.forwarding === 'route') return `${key} DR`;
  const type = r.tunnelType ?? 'ipip';
  if (type === 'ipip') return `${key} TUN`;
  if (type === 'gue') return `${key} TUN type gue port ${r.tunnelPort} ${r.tunnelChecksum ?? 'nocsum'}`;
  return `${key} TUN type gre ${r.tunnelChecksum ?? 'nocsum'}`;
}

function checkerBlock(hc: HealthCheck, ind: string): string[] {
  const out = [`${ind}${CHECKER_OF[hc.type]} {`];
  if (hc.type === 'dns') {
    if (hc.dnsType) out.push(`${ind}${I}type ${hc.dnsType}`);
    if (hc.dnsName) out.push(`${ind}${I}name ${kaWord(hc.dnsName)}`);
  }
  if (hc.type === 'udp') {
    if (hc.udpPayload) out.push(`${ind}${I}payload ${kaWord(hc.udpPayload)}`);
    if (hc.udpReply !== undefined) out.push(hc.udpReply ? `${ind}${I}require_reply ${kaWord(hc.udpReply)}` : `${ind}${I}require_reply`);
  }
  if (hc.type === 'smtp' && hc.heloName) out.push(`${ind}${I}helo_name ${kaWord(hc.heloName)}`);
  if (hc.type === 'misc') {
    // the script's name in the director's checks directory, with its arguments, as one quoted misc_path
    out.push(`${ind}${I}misc_path "${[hc.script!, ...(hc.scriptArgs ?? [])].map(kaWord).join(' ')}"`);
    if (hc.dynamicWeight) out.push(`${ind}${I}misc_dynamic`);
  }
  if (hc.type === 'http' || hc.type === 'https') {
    for (const u of [{ path: hc.path, statusCodes: hc.statusCodes ?? String(hc.expectStatus), digest: hc.digest }, ...(hc.moreUrls ?? [])]) {
      out.push(`${ind}${I}url {`, `${ind}${I}${I}path ${kaWord(u.path)}`);
      out.push(`${ind}${I}${I}status_code ${u.statusCodes.split(',').map(kaWord).join(' ')}`);
      if (u.digest) out.push(`${ind}${I}${I}digest ${kaWord(u.digest)}`);
      out.push(`${ind}${I}}`);
    }
    if (hc.virtualhost) out.push(`${ind}${I}virtualhost ${kaWord(hc.virtualhost)}`);
  }
  if (hc.type !== 'misc') {
    if (hc.port !== undefined) out.push(`${ind}${I}connect_port ${hc.port}`);
    if (hc.connectIp) out.push(`${ind}${I}connect_ip ${kaWord(hc.connectIp)}`);
    if (hc.bindTo) out.push(`${ind}${I}bindto ${kaWord(hc.bindTo)}`);
  }
  out.push(
    `${ind}${I}delay_loop ${hc.interval}`,
    `${ind}${I}${hc.type === 'misc' ? 'misc_timeout' : 'connect_timeout'} ${hc.timeout}`,
    `${ind}${I}retry ${hc.fall - 1}`,
    `${ind}${I}delay_before_retry ${hc.retryDelay ?? hc.interval}`,
  );
  if (hc.warmup !== undefined) out.push(`${ind}${I}warmup ${hc.warmup}`);
  out.push(`${ind}}`);
  return out;
}

function sameDaemonSettings(a: SyncDaemon, b: SyncDaemon): boolean {
  return a.interface === b.interface && a.syncId === b.syncId && a.maxLen === b.maxLen && a.group === b.group && a.port === b.port && a.ttl === b.ttl;
}

/** What a virtual_server block says apart from its key (address/port, fwmark, protocol, family). */
function settingsOf(s: VirtualService): string {
  const { protocol: _p, address: _a, port: _po, fwmark: _f, family: _fa, ...settings } = s as VirtualService & { address?: string; port?: number; fwmark?: number; family?: string };
  return canonicalJson(settings);
}

/** The protocol / ip_family lines one virtual_server block can say for all its services, or null. */
function headOf(members: VirtualService[]): { protocol?: string; family?: string } | null {
  const protos = new Set(members.flatMap((m) => (m.protocol === 'fwmark' ? [] : [m.protocol])));
  const fams = new Set(members.map((m) => (m.protocol === 'fwmark' ? m.family : m.address.includes(':') ? 'inet6' : 'inet')));
  if (protos.size > 1 || fams.size > 1) return null;
  const hasMark = members.some((m) => m.protocol === 'fwmark');
  return { ...(protos.size ? { protocol: [...protos][0] } : {}), ...(hasMark ? { family: [...fams][0] } : {}) };
}

function serviceBody(s: VirtualService, lines: string[], head = headOf([s])!): void {
  if (head.protocol) lines.push(`${I}protocol ${head.protocol.toUpperCase()}`);
  // always explicit: keepalived would otherwise guess a fwmark service's family from its real servers
  if (head.family) lines.push(`${I}ip_family ${head.family}`);
  lines.push(`${I}lvs_sched ${s.scheduler}`);
  for (const f of s.schedFlags) lines.push(`${I}${f}`);
  if (s.onePacket) lines.push(`${I}ops`);
  if (s.persistence) {
    lines.push(`${I}persistence_timeout ${s.persistence.timeout}`);
    if (s.persistence.netmask !== undefined) lines.push(`${I}persistence_granularity ${kaWord(s.persistence.netmask)}`);
    if (s.persistence.pe) lines.push(`${I}persistence_engine ${s.persistence.pe}`);
  }
  if (s.quorum) lines.push(`${I}quorum ${s.quorum.minWeight}`, `${I}hysteresis ${s.quorum.hysteresis}`);
  const hc = s.healthCheck;
  if (hc?.onFailure === 'quiesce') lines.push(`${I}inhibit_on_failure`);
  if (s.sorryServer) {
    const ss = s.sorryServer;
    lines.push(`${I}sorry_server ${kaWord(ss.address)} ${ss.port ?? 0}`, `${I}${methodLine({ forwarding: ss.forwarding }, 'sorry_server_lvs_method')}`);
    if (ss.inhibit) lines.push(`${I}sorry_server_inhibit`);
    if (ss.weight !== 1) lines.push(`${I}# sorry server weight ${ss.weight}: keepalived gives a sorry server weight 1; not exported`);
  }
  for (const r of s.realServers) {
    lines.push('', `${I}real_server ${kaWord(r.address)} ${r.port} {`);
    if (r.drain) lines.push(`${I}${I}# draining (timeout ${r.drain.timeout}s): weight 0 until its connections end`);
    lines.push(`${I}${I}weight ${r.drain ? 0 : r.weight}`, `${I}${I}${methodLine(r)}`);
    if (r.upperThreshold) lines.push(`${I}${I}uthreshold ${r.upperThreshold}`);
    if (r.lowerThreshold) lines.push(`${I}${I}lthreshold ${r.lowerThreshold}`);
    const check = r.healthCheck ?? hc;
    if (check) {
      const inhibit = check.onFailure === 'quiesce';
      if (inhibit !== (hc?.onFailure === 'quiesce')) lines.push(`${I}${I}inhibit_on_failure ${inhibit ? 'true' : 'false'}`);
      if (check.alpha) lines.push(`${I}${I}alpha`);
      lines.push(...checkerBlock(check, `${I}${I}`));
    }
    lines.push(`${I}}`);
  }
}

/** keepalived.conf text (global_defs for timeouts/sync daemon, groups, then one virtual_server per service or group). */
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
      let l = `${I}lvs_sync_daemon ${kaWord(d.interface)} id ${d.syncId}`;
      if (d.maxLen !== undefined) l += ` maxlen ${d.maxLen}`;
      if (d.port !== undefined) l += ` port ${d.port}`;
      if (d.ttl !== undefined) l += ` ttl ${d.ttl}`;
      if (d.group !== undefined) l += ` group ${kaWord(d.group)}`;
      lines.push(l);
    } else for (const d of daemons) lines.push(`${I}# ${d.state} sync daemon on ${d.interface} (syncid ${d.syncId}): keepalived runs master and backup from one lvs_sync_daemon line; not exported`);
    lines.push('}', '');
  }
  // a group is written back when its services still share every setting; else each on its own
  const byGroup = new Map<string, VirtualService[]>();
  for (const s of config.services) if (s.group !== undefined) byGroup.set(s.group, [...(byGroup.get(s.group) ?? []), s]);
  const written = new Set<VirtualService>();
  for (const [name, members] of byGroup) {
    const sig = settingsOf(members[0]!);
    const head = headOf(members);
    if (!head || !members.every((m) => settingsOf(m) === sig)) continue;
    lines.push(`virtual_server_group ${kaWord(name)} {`);
    for (const m of members) lines.push(m.protocol === 'fwmark' ? `${I}fwmark ${m.fwmark}` : `${I}${kaWord(m.address)} ${m.port}`);
    lines.push('}', '', `virtual_server group ${kaWord(name)} {`);
    serviceBody(members[0]!, lines, head);
    lines.push('}', '');
    members.forEach((m) => written.add(m));
  }
  for (const s of config.services) {
    if (written.has(s)) continue;
    if (s.group !== undefined) lines.push(`# group ${s.group}: its services no longer share their settings; written one by one`);
    lines.push(s.protocol === 'fwmark' ? `virtual_server fwmark ${s.fwmark} {` : `virtual_server ${kaWord(s.address)} ${s.port} {`);
    serviceBody(s, lines);
    lines.push('}', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Parse one keepalived.conf text (no includes given); see importKeepalived for files, config ids and warnings. */
export function parseKeepalivedConf(text: string): DirectorConfig {
  return importKeepalived(text).config;
}

export { importKeepalived };
export type { KeepalivedImport, KeepalivedInput } from './keepalived/import';
