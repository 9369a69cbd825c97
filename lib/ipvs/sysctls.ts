// The kernel's IPVS settings (/proc/sys/net/ipv4/vs/*, `net.ipv4.vs.*`): the one table of every
// setting a Debian 6.1 kernel lists, with its value type and range, its default and what it does.
// The model's schema (`SysctlsSchema`), the planner, the agent's /proc reader and writer, the
// sysctl.conf import and export and the settings form all derive from this table. Pure.
import { z } from 'zod';

/** A single integer, or sync_threshold's pair "threshold period". */
type Kind = { type: 'bool' } | { type: 'int'; min: number; max: number; powerOfTwo?: boolean } | { type: 'pair' };

export interface SysctlSpec {
  kind: Kind;
  /** The kernel's value after boot; null when it depends on the machine (memory size). */
  kernelDefault: number | readonly [number, number] | null;
  /** What it does, in one line. */
  doc: string;
  /** Present only while this module is loaded (the lblc/lblcr schedulers register their own). */
  module?: string;
}

const INT_MAX = 2147483647;
const bool = { type: 'bool' } as const;
const int = (min: number, max: number, powerOfTwo?: boolean) => ({ type: 'int' as const, min, max, ...(powerOfTwo ? { powerOfTwo } : {}) });

/** In /proc's (alphabetical) order, as Linux 6.1 lists them. */
export const SYSCTL_TABLE = {
  am_droprate: { kind: int(0, INT_MAX), kernelDefault: 10, doc: 'drop rate (1 in N packets) while drop_packet is active' },
  amemthresh: { kind: int(0, INT_MAX), kernelDefault: 1024, doc: 'free memory (pages) below which the drop_entry / drop_packet / secure_tcp defences switch on' },
  backup_only: { kind: bool, kernelDefault: 0, doc: 'a backup sync daemon director only syncs: it does not forward (no load balancing while backup)' },
  cache_bypass: { kind: bool, kernelDefault: 0, doc: 'with no destination available, send the packet straight to its original destination (cache clusters)' },
  conn_reuse_mode: {
    kind: int(0, 3),
    kernelDefault: 1,
    doc: 'a new SYN on a TIME_WAIT entry (bit 1), or also on a FIN_WAIT entry without replies (bit 2, DR), is scheduled afresh; 0 keeps the old destination',
  },
  conntrack: { kind: bool, kernelDefault: 0, doc: 'keep netfilter connection tracking entries for IPVS connections (needed by iptables state rules on the director)' },
  drop_entry: { kind: int(0, 3), kernelDefault: 0, doc: 'randomly drop connection entries under memory pressure (0 never, 1/2 automatic, 3 always)' },
  drop_packet: { kind: int(0, 3), kernelDefault: 0, doc: 'drop 1 in am_droprate packets under memory pressure (0 never, 1/2 automatic, 3 always)' },
  expire_nodest_conn: { kind: bool, kernelDefault: 0, doc: 'expire the entries of a deleted real server at once (the client reconnects) instead of dropping its packets until they time out' },
  expire_quiescent_template: {
    kind: bool,
    kernelDefault: 0,
    doc: 'persistence templates of a weight-0 (quiesced) real server stop matching, so persistent clients are scheduled elsewhere',
  },
  ignore_tunneled: { kind: bool, kernelDefault: 0, doc: 'leave tunnelled (ipip) packets to the local stack instead of load balancing them' },
  lblc_expiration: { kind: int(0, 2147483), kernelDefault: 86400, doc: 'seconds an unused lblc destination cache entry lives', module: 'ip_vs_lblc' },
  lblcr_expiration: { kind: int(0, 2147483), kernelDefault: 86400, doc: 'seconds an unused lblcr destination set lives', module: 'ip_vs_lblcr' },
  nat_icmp_send: { kind: bool, kernelDefault: 0, doc: 'answer packets of a connection whose NAT real server is gone with ICMP port unreachable' },
  pmtu_disc: { kind: bool, kernelDefault: 1, doc: 'honour DF and send ICMP fragmentation-needed for oversized tunnelled / NAT packets' },
  run_estimation: { kind: bool, kernelDefault: 1, doc: 'run the rate estimator (CPS, PPS, BPS in ipvsadm --rate)' },
  schedule_icmp: { kind: bool, kernelDefault: 0, doc: 'schedule ICMP packets that match a service (for ICMP-only virtual services)' },
  secure_tcp: { kind: int(0, 3), kernelDefault: 0, doc: 'use shorter TCP state timeouts (SYN-flood defence) (0 never, 1/2 automatic, 3 always)' },
  sloppy_sctp: { kind: bool, kernelDefault: 0, doc: 'create an SCTP entry from any chunk, not only INIT (failover without sync)' },
  sloppy_tcp: { kind: bool, kernelDefault: 0, doc: 'create a TCP entry from any non-RST segment, not only SYN (a backup taking over established flows)' },
  snat_reroute: { kind: bool, kernelDefault: 1, doc: 'route replies of NAT connections again after their source is rewritten (policy routing by source)' },
  sync_persist_mode: { kind: bool, kernelDefault: 0, doc: 'sync only persistence templates, not every connection (less sync traffic)' },
  sync_ports: { kind: int(1, 1024, true), kernelDefault: 1, doc: 'sync threads (and UDP ports) per daemon; a power of two' },
  sync_qlen_max: { kind: int(1, INT_MAX), kernelDefault: null, doc: 'sync messages queued before sending (default depends on memory)' },
  sync_refresh_period: { kind: int(0, 2147483), kernelDefault: 0, doc: 'seconds between resyncs of an unchanged connection (0: only on state change, by sync_threshold)' },
  sync_retries: { kind: int(0, 3), kernelDefault: 0, doc: 'resends of a sync message for an ESTABLISHED entry with sync_refresh_period' },
  sync_sock_size: { kind: int(0, INT_MAX), kernelDefault: 0, doc: 'sync socket send/receive buffer in bytes (0: the system default)' },
  sync_threshold: { kind: { type: 'pair' }, kernelDefault: [3, 50], doc: 'sync an entry on its Nth packet and every period packets after ("threshold period")' },
  sync_version: { kind: int(0, 1), kernelDefault: 1, doc: 'sync message format: 1 (current, with IPv6 and persistence engine data) or 0 (before 2.6.39)' },
} as const satisfies Record<string, SysctlSpec>;

export type SysctlName = keyof typeof SYSCTL_TABLE;
export const SYSCTL_NAMES = Object.keys(SYSCTL_TABLE) as SysctlName[];
export const SYSCTL_PREFIX = 'net.ipv4.vs.';

export function isSysctlName(n: string): n is SysctlName {
  return Object.hasOwn(SYSCTL_TABLE, n);
}

function valueSchema(name: SysctlName) {
  const kind: Kind = SYSCTL_TABLE[name].kind;
  const whole = () => z.number({ error: `${name} must be a whole number` }).int(`${name} must be a whole number`);
  if (kind.type === 'bool') return whole().min(0, `${name} is 0 or 1`).max(1, `${name} is 0 or 1`);
  if (kind.type === 'pair')
    return z
      .tuple([whole().min(0, `${name}: the threshold must be 0 or more`), whole().min(0, `${name}: the period must be 0 or more`)], { error: `${name} is two numbers: threshold and period` })
      .refine(([t, p]) => p === 0 || t < p, `${name}: the threshold must be below the period (or the period 0)`);
  const range = `${name} must be ${kind.min}–${kind.max}`;
  const n = whole().min(kind.min, range).max(kind.max, range);
  return kind.powerOfTwo ? n.refine((v) => (v & (v - 1)) === 0, `${name} must be a power of two`) : n;
}

type ValueOf<N extends SysctlName> = (typeof SYSCTL_TABLE)[N]['kind'] extends { type: 'pair' } ? [number, number] : number;
export type SysctlValue = number | [number, number];

/**
 * The director-wide desired values, by name; a name that is absent is left at the kernel's value.
 * Unknown names are refused (with their path), so a typo never goes unnoticed.
 */
export const SysctlsSchema = z.strictObject(Object.fromEntries(SYSCTL_NAMES.map((n) => [n, valueSchema(n).optional()])) as unknown as { [N in SysctlName]: z.ZodOptional<z.ZodType<ValueOf<N>>> }, {
  error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown IPVS setting ${iss.keys.join(', ')} (known: ${SYSCTL_NAMES.join(', ')})` : undefined),
});
export type Sysctls = z.output<typeof SysctlsSchema>;

/** The value as /proc and sysctl.conf write it: "1", "3 50". */
export function formatSysctlValue(v: SysctlValue): string {
  return Array.isArray(v) ? v.join(' ') : String(v);
}

/** Text as /proc or sysctl.conf give it ("1", "3\t50") → the value, or a reason. */
export function parseSysctlValue(name: SysctlName, text: string): { ok: true; value: SysctlValue } | { ok: false; error: string } {
  const parts = text.trim().split(/\s+/);
  if (!parts.every((p) => /^-?\d{1,12}$/.test(p))) return { ok: false, error: `${name}: "${text.trim()}" is not a number` };
  const nums = parts.map(Number);
  const raw = SYSCTL_TABLE[name].kind.type === 'pair' ? nums : nums.length === 1 ? nums[0] : nums;
  const r = valueSchema(name).safeParse(raw);
  return r.success ? { ok: true, value: r.data as SysctlValue } : { ok: false, error: r.error.issues[0]?.message ?? `${name}: bad value` };
}

/**
 * With persistence, a quiesced (weight 0) or draining server keeps receiving the clients whose
 * persistence template points at it, until the template expires — unless expire_quiescent_template
 * is 1 (a setting left out is the kernel's default, 0). What the drain workflow warns about.
 */
export function quiescedKeepsPersistentClients(persistent: boolean, sysctls: Sysctls | undefined): boolean {
  return persistent && sysctls?.expire_quiescent_template !== 1;
}

export function sameSysctlValue(a: SysctlValue | undefined, b: SysctlValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return formatSysctlValue(a) === formatSysctlValue(b);
}

/** The desired settings that the live ones do not satisfy, in table order (absent desired = any live value). */
export function sysctlsToSet(desired: Sysctls | undefined, actual: Sysctls | undefined): { name: SysctlName; value: SysctlValue }[] {
  if (!desired) return [];
  return SYSCTL_NAMES.flatMap((name) => {
    const want = desired[name] as SysctlValue | undefined;
    return want !== undefined && !sameSysctlValue(want, actual?.[name] as SysctlValue | undefined) ? [{ name, value: want }] : [];
  });
}

/** One line per desired setting, as /etc/sysctl.d/*.conf takes it (`net.ipv4.vs.expire_nodest_conn = 1`). */
export function sysctlsToConf(s: Sysctls): string {
  return SYSCTL_NAMES.filter((n) => s[n] !== undefined)
    .map((n) => `${SYSCTL_PREFIX}${n} = ${formatSysctlValue(s[n] as SysctlValue)}\n`)
    .join('');
}

export interface SysctlConfError {
  file: string;
  line: number;
  message: string;
}

/**
 * sysctl.conf text → the IPVS settings, as sysctl(8) reads it: `key = value` (or `key=value`),
 * `#` and `;` comments, blank lines, a leading `-` (ignore errors) tolerated; `/` as the separator
 * is accepted (net/ipv4/vs/x). Keys outside net.ipv4.vs.* are errors unless `ignoreOthers`.
 */
export function parseSysctlConf(text: string, file = 'sysctl.conf', o: { ignoreOthers?: boolean } = {}): { sysctls: Sysctls; errors: SysctlConfError[]; ignored: number } {
  const out: Record<string, SysctlValue> = {};
  const errors: SysctlConfError[] = [];
  const seen = new Map<string, number>();
  let ignored = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (s === '' || s.startsWith('#') || s.startsWith(';')) return;
    const eq = s.indexOf('=');
    if (eq < 0) {
      errors.push({ file, line, message: `expected "key = value", found "${s.slice(0, 80)}"` });
      return;
    }
    const key = s.slice(0, eq).trim().replace(/^-/, '').replace(/\//g, '.');
    const value = s.slice(eq + 1).trim();
    if (!key.startsWith(SYSCTL_PREFIX)) {
      if (o.ignoreOthers) ignored++;
      else errors.push({ file, line, message: `${key} is not an IPVS setting (net.ipv4.vs.*)` });
      return;
    }
    const name = key.slice(SYSCTL_PREFIX.length);
    if (!isSysctlName(name)) {
      errors.push({ file, line, message: `unknown IPVS setting ${key}` });
      return;
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      errors.push({ file, line, message: `${key} is set twice (also line ${prev})` });
      return;
    }
    seen.set(name, line);
    const v = parseSysctlValue(name, value);
    if (!v.ok) errors.push({ file, line, message: v.error });
    else out[name] = v.value;
  });
  return { sysctls: out as Sysctls, errors, ignored };
}
