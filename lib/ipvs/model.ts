// The one model of an LVS director's configuration. Every other layer (rules text, listings,
// planner, simulator, API, forms, DB) speaks these schemas; types are inferred, never re-declared.
// Rules come from ipvsadm 1.31 and the kernel (see shared/docs/ipvs-reference.md §1.3-1.5).
import { z } from 'zod';
import { addressFamily, canonicalAddress, compareAddresses, formatHostPort, isIPv4, type Family } from './addr';
import { realServerKeyId, serviceKeyId } from './keys';
import { SysctlsSchema } from './sysctls';

/** In protocol-number order (6, 17, 132), which is ipvsadm's sort order too. */
export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
export const SCHED_FLAGS = ['flag-1', 'flag-2', 'flag-3', 'sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const;
export const FORWARDING = ['route', 'masq', 'tunnel'] as const;
export const TUNNEL_TYPES = ['ipip', 'gue', 'gre'] as const;
export const TUNNEL_CSUM = ['nocsum', 'csum', 'remcsum'] as const;
export const DAEMON_STATES = ['master', 'backup'] as const;

/** ipvsadm's limits: weight and thresholds are parsed as 0..INT_MAX (65536 accepted, 2^31 refused). */
export const MAX_WEIGHT = 2147483647;
export const MAX_THRESHOLD = 2147483647;
/** -p: 1 .. 31 days; "-p" alone means 360 s in ipvsadm 1.31 (not the 300 of the man page). */
export const MAX_PERSISTENCE = 2678400;
export const DEFAULT_PERSISTENCE = 360;
export const MAX_FWMARK = 4294967295;
export const DEFAULT_SCHEDULER = 'wlc';
export const DEFAULT_TIMEOUTS = { tcp: 900, tcpfin: 120, udp: 300 } as const;

export type Protocol = (typeof PROTOCOLS)[number];
export type Scheduler = (typeof SCHEDULERS)[number];
export type SchedFlag = (typeof SCHED_FLAGS)[number];
export type Forwarding = (typeof FORWARDING)[number];

/** IPPROTO_* of each protocol, as the kernel keys services (fwmark services carry IPPROTO_IP, 0). */
export const PROTOCOL_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };
export type { Family };

const int = (field: string, min: number, max: number) =>
  z
    .number({ error: `${field} must be a whole number` })
    .int(`${field} must be a whole number`)
    .min(min, `${field} must be ${min}–${max}`)
    .max(max, `${field} must be ${min}–${max}`);

export const AddressSchema = z
  .string({ error: 'address is required' })
  .trim()
  .refine((s) => addressFamily(s) !== null, 'must be an IPv4 or IPv6 address (no host names: the agent always runs ipvsadm -n)')
  .transform(canonicalAddress);

export const PortSchema = int('port', 0, 65535);
export const FamilySchema = z.enum(['inet', 'inet6'], { error: 'family must be inet (IPv4) or inet6 (IPv6)' });

/**
 * Free text that reaches other formats (an HTTP request line, keepalived.conf, a log line) is held
 * to what every one of them accepts: an absolute path of RFC 3986 characters without blanks,
 * quotes, braces, or keepalived's comment and substitution characters (!, #, $).
 */
export const HttpPathSchema = z
  .string()
  .max(2048, 'path must be at most 2048 characters')
  .regex(/^\/[A-Za-z0-9\-._~%&'()*+,;=:@/?]*$/, "path must start with / and hold only letters, digits and - . _ ~ % & ' ( ) * + , ; = : @ / ? (no blanks, quotes, braces, !, # or $)");
/** A Host header: a DNS name or an IPv4 address, optionally with :port. */
export const HostHeaderSchema = z
  .string()
  .max(260)
  .regex(
    /^(?=[^:]{1,253}(:|$))[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?(:\d{1,5})?$/,
    'virtualhost must be a host name (letters, digits, - and .), optionally with :port',
  );

// ---- health checks (agent-side overlay; never part of the kernel rules) ---------------------

/** keepalived's checkers: TCP_CHECK, HTTP_GET, SSL_GET, DNS_CHECK, UDP_CHECK, PING_CHECK, SMTP_CHECK, MISC_CHECK. */
export const HEALTH_CHECK_TYPES = ['tcp', 'http', 'https', 'dns', 'udp', 'ping', 'smtp', 'misc'] as const;
export const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;
const HexSchema = z
  .string()
  .max(2048)
  .regex(/^([0-9a-fA-F]{2})*$/, 'must be hex bytes such as 0a1b2c')
  .transform((h) => h.toLowerCase());
const DnsNameSchema = z
  .string()
  .max(253)
  .regex(/^(\.|([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?)$/, 'name must be a DNS name (letters, digits, _ - and .) or .');
/** A script in the director's own checks directory: a plain file name, never a path or a command line. */
export const CheckScriptSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, "script must be a file name in the director's checks directory (letters, digits, _ . -; no path)");
const ScriptArgSchema = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9_.,:=/@%+-]+$/, 'script arguments hold only letters, digits and _ . , : = / @ % + -');

const Md5Schema = z
  .string()
  .regex(/^[0-9a-fA-F]{32}$/, 'digest must be an MD5 sum: 32 hex digits')
  .transform((d) => d.toLowerCase());
const StatusCodesSchema = z.string().regex(/^[1-5]\d\d(-[1-5]\d\d)?(,[1-5]\d\d(-[1-5]\d\d)?)*$/, 'status codes must be a list of codes and ranges such as 200-299,302');
/** One more url of an HTTP_GET / SSL_GET check (keepalived's further `url` blocks), with its own path, statuses and digest. */
export const HttpUrlSchema = z.object({
  path: HttpPathSchema,
  /** keepalived accepts any 2xx when a url names no status_code. */
  statusCodes: StatusCodesSchema.default('200-299'),
  digest: Md5Schema.optional(),
});
export type HttpUrl = z.output<typeof HttpUrlSchema>;

export const HealthCheckSchema = z
  .object({
    type: z.enum(HEALTH_CHECK_TYPES, { error: `health check type must be one of ${HEALTH_CHECK_TYPES.join(', ')}` }),
    /** Port to probe; default the real server's port. */
    port: int('health check port', 1, 65535).optional(),
    path: HttpPathSchema.default('/'),
    /** Host header (keepalived's virtualhost); default the server's address. */
    virtualhost: HostHeaderSchema.optional(),
    /** MD5 of the body, hex (keepalived's digest). */
    digest: Md5Schema.optional(),
    expectStatus: int('expected status', 100, 599).default(200),
    /** Several accepted statuses as keepalived writes them ("200-299,302"); when set it replaces expectStatus. */
    statusCodes: StatusCodesSchema.optional(),
    /** keepalived's further url blocks (HTTP_GET / SSL_GET): the check passes only when the url above and every one of these pass. */
    moreUrls: z.array(HttpUrlSchema).max(16, 'at most 16 more urls').optional(),
    /** Probe this address instead of the real server's (keepalived's connect_ip). */
    connectIp: AddressSchema.optional(),
    /** Source address of the probe (keepalived's bindto). */
    bindTo: AddressSchema.optional(),
    /** Seconds between the retries of a failing server (keepalived's delay_before_retry); default the interval. */
    retryDelay: int('delay before retry (s)', 0, 3600).optional(),
    /** DNS_CHECK: the query (keepalived's defaults: SOA of "."). */
    dnsType: z.enum(DNS_TYPES, { error: `DNS type must be one of ${DNS_TYPES.join(', ')}` }).optional(),
    dnsName: DnsNameSchema.optional(),
    /** UDP_CHECK: the datagram sent, and the reply required (hex); with no reply required, no ICMP error is success. */
    udpPayload: HexSchema.optional(),
    udpReply: HexSchema.optional(),
    /** SMTP_CHECK: the HELO name (keepalived's default: the director's host name; here "localhost"). */
    heloName: HostHeaderSchema.optional(),
    /** MISC_CHECK: a script the director has in its own checks directory, run with these arguments (never a shell). */
    script: CheckScriptSchema.optional(),
    scriptArgs: z.array(ScriptArgSchema).max(16).optional(),
    /** MISC_CHECK misc_dynamic: exit status 2..255 sets the weight to status - 2. */
    dynamicWeight: z.boolean().optional(),
    /** keepalived's alpha: a server starts as failed and takes traffic only after its first good check. */
    alpha: z.boolean().optional(),
    /** At most this many seconds of random delay before a server's first check (keepalived's warmup). */
    warmup: int('warmup (s)', 0, 3600).optional(),
    bodyMatch: z.string().max(1024).optional(),
    interval: int('interval (s)', 1, 3600).default(5),
    timeout: int('timeout (s)', 1, 600).default(2),
    rise: int('rise', 1, 100).default(2),
    fall: int('fall', 1, 100).default(3),
    /** What a failing server gets: quiesce = weight 0 (connections drain), remove = deleted. */
    onFailure: z.enum(['quiesce', 'remove']).default('quiesce'),
  })
  .superRefine((hc, ctx) => {
    if (hc.moreUrls?.length && hc.type !== 'http' && hc.type !== 'https') ctx.addIssue({ code: 'custom', path: ['moreUrls'], message: 'more urls are for http and https checks' });
    if (hc.type === 'misc' && hc.script === undefined) ctx.addIssue({ code: 'custom', path: ['script'], message: "a misc check needs the name of a script in the director's checks directory" });
  })
  // one spelling per meaning: a single status code is expectStatus; with a list, expectStatus is unused (200)
  .transform((hc) => {
    if (hc.statusCodes === undefined) return hc;
    if (/^\d+$/.test(hc.statusCodes)) return { ...hc, expectStatus: Number(hc.statusCodes), statusCodes: undefined };
    return { ...hc, expectStatus: 200 };
  });
export type HealthCheckInput = z.input<typeof HealthCheckSchema>;
export type HealthCheck = z.output<typeof HealthCheckSchema>;

// ---- real servers -------------------------------------------------------------------------

export const RealServerSchema = z.object({
  address: AddressSchema,
  /** Omitted: the service's port (what ipvsadm does); with route/tunnel it must equal it anyway. */
  port: PortSchema.optional(),
  forwarding: z.enum(FORWARDING, { error: 'forwarding must be route (-g, direct routing), masq (-m, NAT) or tunnel (-i, IP-IP)' }).default('route'),
  weight: int('weight', 0, MAX_WEIGHT).default(1),
  upperThreshold: int('upper threshold (-x)', 0, MAX_THRESHOLD).default(0),
  lowerThreshold: int('lower threshold (-y)', 0, MAX_THRESHOLD).default(0),
  tunnelType: z.enum(TUNNEL_TYPES, { error: 'tunnel type must be ipip, gue or gre' }).optional(),
  tunnelPort: int('--tun-port', 1, 65535).optional(),
  tunnelChecksum: z.enum(TUNNEL_CSUM, { error: 'tunnel checksum must be nocsum, csum or remcsum' }).optional(),
  /**
   * Control-plane intent, not a kernel field: take this server out gracefully. The agent sets its
   * weight to 0, waits until its connections reach 0 (or `timeout` seconds after the revision),
   * then deletes it. Level-triggered, so it survives agent restarts.
   */
  drain: z.object({ timeout: int('drain timeout', 1, 86400).default(300) }).optional(),
  /** This server's own check (keepalived's checkers live in each real_server); default the service's healthCheck. */
  healthCheck: HealthCheckSchema.optional(),
});
export type RealServerInput = z.input<typeof RealServerSchema>;

// ---- virtual services ---------------------------------------------------------------------

export const PersistenceSchema = z.object({
  timeout: int('persistence timeout', 1, MAX_PERSISTENCE).default(DEFAULT_PERSISTENCE),
  /** IPv4: a dotted mask (non-contiguous accepted, as the kernel does); IPv6: a prefix length "1".."128". */
  netmask: z.string().trim().optional(),
  pe: z.literal('sip', { error: 'the only persistence engine is sip' }).optional(),
});

/**
 * keepalived's sorry_server: a fallback that takes traffic only while the service has lost its
 * quorum (by default: no healthy real server). Applied by the director's health overlay.
 */
export const SorryServerSchema = z.object({
  address: AddressSchema,
  port: PortSchema.optional(),
  forwarding: z.enum(FORWARDING, { error: 'forwarding must be route (-g, direct routing), masq (-m, NAT) or tunnel (-i, IP-IP)' }).default('route'),
  weight: int('sorry server weight', 1, MAX_WEIGHT).default(1),
  /** keepalived's sorry_server_inhibit: kept at weight 0 while unused instead of being absent. */
  inhibit: z.boolean().default(false),
});
export type SorryServer = z.output<typeof SorryServerSchema>;

/**
 * The depool guard (PyBal's depool-threshold, vc5's need): health checks never take the service
 * below this minimum of servers in service — a count, a fraction of its real servers (drains
 * aside), or a total weight counted as keepalived's quorum counts it. Failing servers beyond what
 * the minimum allows stay in, "kept in by the guard". Exactly one measure.
 */
export const DepoolGuardSchema = z
  .object({
    servers: int('minimum servers', 1, 100000).optional(),
    fraction: z.number({ error: 'minimum fraction must be a number' }).gt(0, 'minimum fraction must be above 0').max(1, 'minimum fraction must be at most 1').optional(),
    weight: int('minimum weight', 1, MAX_WEIGHT).optional(),
  })
  .refine((g) => [g.servers, g.fraction, g.weight].filter((x) => x !== undefined).length === 1, 'the depool guard needs exactly one of servers, fraction or weight');
export type DepoolGuard = z.output<typeof DepoolGuardSchema>;

/**
 * keepalived's quorum / hysteresis: the service is up while the healthy real servers' weights sum
 * to at least minWeight; it goes down below minWeight - hysteresis and up again at minWeight + hysteresis.
 * `guard`: the minimum healthy that health-driven quiesce or removal never goes below (above).
 */
export const QuorumSchema = z.object({
  minWeight: int('quorum', 1, MAX_WEIGHT).default(1),
  hysteresis: int('hysteresis', 0, MAX_WEIGHT).default(0),
  guard: DepoolGuardSchema.optional(),
});
export type Quorum = z.output<typeof QuorumSchema>;

/** A label shared by the services of one keepalived virtual_server_group (export writes the group back). */
export const GroupNameSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'group name must be 1–64 letters, digits, _ . : or -');

const serviceCommon = {
  group: GroupNameSchema.optional(),
  sorryServer: SorryServerSchema.optional(),
  quorum: QuorumSchema.optional(),
  scheduler: z.enum(SCHEDULERS, { error: `scheduler must be one of ${SCHEDULERS.join(', ')}` }).default(DEFAULT_SCHEDULER),
  schedFlags: z.array(z.enum(SCHED_FLAGS, { error: `scheduler flag must be one of ${SCHED_FLAGS.join(', ')}` })).default([]),
  persistence: PersistenceSchema.optional(),
  onePacket: z.boolean().default(false),
  healthCheck: HealthCheckSchema.optional(),
  realServers: z.array(RealServerSchema).default([]),
};

const AddrServiceSchema = z.object({
  protocol: z.enum(PROTOCOLS),
  address: AddressSchema,
  port: PortSchema,
  ...serviceCommon,
});
const FwmarkServiceSchema = z.object({
  protocol: z.literal('fwmark'),
  fwmark: int('fwmark', 1, MAX_FWMARK),
  family: FamilySchema.default('inet'),
  ...serviceCommon,
});

const RawServiceSchema = z.discriminatedUnion('protocol', [AddrServiceSchema, FwmarkServiceSchema], {
  error: 'protocol must be tcp, udp, sctp or fwmark',
});

export const VirtualServiceSchema = RawServiceSchema.superRefine(checkService).transform(canonicalService);
export type VirtualServiceInput = z.input<typeof VirtualServiceSchema>;
export type VirtualService = z.output<typeof VirtualServiceSchema>;
export type RealServer = VirtualService['realServers'][number];
export type Persistence = NonNullable<VirtualService['persistence']>;

// ---- fields: which are identity, which the kernel holds, which are control-plane intent -------

/** A real server's identity within its service. */
export const REAL_SERVER_KEY_FIELDS = ['address', 'port'] as const;
/** What -a/-e set on a real server (the complete object every time): the kernel's fields. */
export const REAL_SERVER_KERNEL_FIELDS = ['forwarding', 'weight', 'upperThreshold', 'lowerThreshold', 'tunnelType', 'tunnelPort', 'tunnelChecksum'] as const;
/** Control-plane intent on a real server (a graceful drain, its own health check); never sent to a kernel. */
export const REAL_SERVER_OVERLAY_FIELDS = ['drain', 'healthCheck'] as const;
/** A service's identity. */
export const SERVICE_KEY_FIELDS = ['protocol', 'address', 'port', 'fwmark', 'family'] as const;
/** What -A/-E set on a service (the complete object every time): the kernel's fields. */
export const SERVICE_KERNEL_FIELDS = ['scheduler', 'schedFlags', 'persistence', 'onePacket'] as const;
/** Control-plane intent on a service (checks, keepalived group label, sorry server, quorum), and its real servers (which travel as their own ops). */
export const SERVICE_OVERLAY_FIELDS = ['healthCheck', 'realServers', 'group', 'sorryServer', 'quorum'] as const;

// Every field is in exactly one list: a field added to the schemas and to no list does not compile.
type KeysOf<T> = T extends unknown ? keyof T : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const realServerFieldsListed: Same<keyof RealServer, (typeof REAL_SERVER_KEY_FIELDS | typeof REAL_SERVER_KERNEL_FIELDS | typeof REAL_SERVER_OVERLAY_FIELDS)[number]> = true;
const serviceFieldsListed: Same<KeysOf<VirtualService>, (typeof SERVICE_KEY_FIELDS | typeof SERVICE_KERNEL_FIELDS | typeof SERVICE_OVERLAY_FIELDS)[number]> = true;
void realServerFieldsListed;
void serviceFieldsListed;

/** The identity of a service: what -t/-u/--sctp-service/-f names. Changing it is delete + add. */
export type ServiceKey = { protocol: Protocol; address: string; port: number } | { protocol: 'fwmark'; fwmark: number; family: Family };
export const ServiceKeySchema = z.union([
  z.object({ protocol: z.enum(PROTOCOLS), address: AddressSchema, port: PortSchema }),
  z.object({ protocol: z.literal('fwmark'), fwmark: int('fwmark', 1, MAX_FWMARK), family: FamilySchema.default('inet') }),
]);
export const RealServerKeySchema = z.object({ address: AddressSchema, port: PortSchema });
export type RealServerKey = z.output<typeof RealServerKeySchema>;

// ---- director-wide settings ---------------------------------------------------------------

export const TimeoutsSchema = z.object({
  tcp: int('tcp timeout', 0, MAX_PERSISTENCE),
  tcpfin: int('tcpfin timeout', 0, MAX_PERSISTENCE),
  udp: int('udp timeout', 0, MAX_PERSISTENCE),
});
export type Timeouts = z.output<typeof TimeoutsSchema>;

export const SyncDaemonSchema = z
  .object({
    state: z.enum(DAEMON_STATES, { error: 'sync daemon state must be master or backup' }),
    interface: z
      .string()
      .regex(/^[A-Za-z0-9_.:@-]{1,15}$/, 'interface must be a network interface name (1–15 characters)')
      .default('eth0'),
    syncId: int('syncid', 0, 255).default(0),
    maxLen: int('sync-maxlen', 1, 65507).optional(),
    group: AddressSchema.optional(),
    port: int('mcast-port', 1, 65535).optional(),
    ttl: int('mcast-ttl', 1, 255).optional(),
  })
  .transform(withoutDaemonDefaults);
export type SyncDaemon = z.output<typeof SyncDaemonSchema>;

/**
 * The kernel fills in what --start-daemon leaves out (maxlen 1472, or 1452 with an IPv6 group;
 * group 224.0.0.81; port 8848; ttl 1) and `ipvsadm -L --daemon` prints it all. The canonical form
 * leaves those defaults out, so a daemon reads back equal to the config that started it.
 */
export function withoutDaemonDefaults<D extends { maxLen?: number; group?: string; port?: number; ttl?: number }>(d: D): D {
  const v6 = d.group !== undefined && addressFamily(d.group) === 'inet6';
  const { maxLen, group, port, ttl, ...rest } = d;
  return {
    ...rest,
    ...(maxLen !== undefined && maxLen !== (v6 ? 1452 : 1472) ? { maxLen } : {}),
    ...(group !== undefined && group !== '224.0.0.81' ? { group } : {}),
    ...(port !== undefined && port !== 8848 ? { port } : {}),
    ...(ttl !== undefined && ttl !== 1 ? { ttl } : {}),
  } as D;
}

export const GlobalsSchema = z.object({
  /** null: leave the kernel's timeouts alone. Not part of ipvsadm -S (it never saves them). */
  timeouts: TimeoutsSchema.nullable().default(null),
  syncDaemons: z.array(SyncDaemonSchema).max(2).default([]),
  /** The kernel's IPVS settings (net.ipv4.vs.*, table in sysctls.ts); a setting left out keeps the kernel's value. Absent when none is set, so older revisions hash as before. */
  sysctls: SysctlsSchema.optional(),
});
export type Globals = z.output<typeof GlobalsSchema>;

export const DirectorConfigSchema = z
  .object({
    globals: GlobalsSchema.default({ timeouts: null, syncDaemons: [] }),
    services: z.array(VirtualServiceSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.services.forEach((s, i) => {
      const k = serviceKeyId(s);
      const prev = seen.get(k);
      if (prev !== undefined) ctx.addIssue({ code: 'custom', path: ['services', i], message: `duplicate virtual service ${serviceLabel(s)} (also services[${prev}])` });
      else seen.set(k, i);
    });
    const states = new Set<string>();
    cfg.globals.syncDaemons.forEach((d, i) => {
      if (states.has(d.state)) ctx.addIssue({ code: 'custom', path: ['globals', 'syncDaemons', i, 'state'], message: `only one ${d.state} sync daemon can run` });
      states.add(d.state);
    });
  })
  .transform((cfg) => ({
    globals: {
      timeouts: cfg.globals.timeouts,
      syncDaemons: [...cfg.globals.syncDaemons].sort((a, b) => (a.state === b.state ? 0 : a.state === 'master' ? -1 : 1)),
      // one spelling: no settings is no key (an empty object would change the hash of an unchanged config)
      ...(cfg.globals.sysctls && Object.values(cfg.globals.sysctls).some((v) => v !== undefined) ? { sysctls: withoutUndefined(cfg.globals.sysctls) } : {}),
    },
    services: [...cfg.services].sort(compareServices),
  }));
export type DirectorConfigInput = z.input<typeof DirectorConfigSchema>;
export type DirectorConfig = z.output<typeof DirectorConfigSchema>;

// ---- helpers ------------------------------------------------------------------------------

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function serviceFamily(s: ServiceKey): Family {
  return s.protocol === 'fwmark' ? s.family : (addressFamily(s.address) ?? 'inet');
}

export function serviceKeyOf(s: ServiceKey): ServiceKey {
  return s.protocol === 'fwmark' ? { protocol: 'fwmark', fwmark: s.fwmark, family: s.family } : { protocol: s.protocol, address: s.address, port: s.port };
}

/** How an admin reads a service: "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 3 IPv6". */
export function serviceLabel(s: ServiceKey): string {
  if (s.protocol === 'fwmark') return `FWM ${s.fwmark}${s.family === 'inet6' ? ' IPv6' : ''}`;
  return `${s.protocol.toUpperCase()} ${formatHostPort(s.address, s.port)}`;
}

export function realServerLabel(r: { address: string; port?: number }): string {
  return formatHostPort(r.address, r.port ?? 0);
}

/** ipvsadm's listing order (non-fwmark first, family, protocol number, address, port; then fwmark), without its overflow quirk. */
export function compareServices(a: ServiceKey, b: ServiceKey): number {
  const fa = a.protocol === 'fwmark' ? a.fwmark : 0;
  const fb = b.protocol === 'fwmark' ? b.fwmark : 0;
  if (fa !== fb) return fa - fb;
  const famA = serviceFamily(a) === 'inet' ? 2 : 10;
  const famB = serviceFamily(b) === 'inet' ? 2 : 10;
  if (famA !== famB) return famA - famB;
  if (a.protocol === 'fwmark' || b.protocol === 'fwmark') return 0;
  if (a.protocol !== b.protocol) return PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol];
  return compareAddresses(a.address, b.address) || a.port - b.port;
}

export function compareRealServers(a: { address: string; port?: number }, b: { address: string; port?: number }): number {
  return compareAddresses(a.address, b.address) || (a.port ?? 0) - (b.port ?? 0);
}

// ---- scheduler flags: the one table ----------------------------------------------------------

/** A scheduler flag bit: IP_VS_SVC_F_SCHED1..3. */
export type SchedFlagBit = 1 | 2 | 3;
export const SCHED_FLAG_BITS = [1, 2, 3] as const satisfies readonly SchedFlagBit[];

/**
 * Every flag name ipvsadm knows, with its bit and the scheduler that names it: sh and mh name
 * bits 1 and 2 (fallback, port); flag-N is the bare bit under any scheduler.
 */
export const SCHED_FLAG_TABLE: Record<SchedFlag, { bit: SchedFlagBit; scheduler?: 'sh' | 'mh' }> = {
  'flag-1': { bit: 1 },
  'flag-2': { bit: 2 },
  'flag-3': { bit: 3 },
  'sh-fallback': { bit: 1, scheduler: 'sh' },
  'sh-port': { bit: 2, scheduler: 'sh' },
  'mh-fallback': { bit: 1, scheduler: 'mh' },
  'mh-port': { bit: 2, scheduler: 'mh' },
};

/** IP_VS_SVC_F_SCHED<bit> as the kernel's service flags carry it (0x08, 0x10, 0x20). */
export function schedFlagKernelValue(bit: SchedFlagBit): number {
  return 0x08 << (bit - 1);
}

/** The bit of a flag name: flag-1 and sh-fallback/mh-fallback are the same bit. */
export function schedFlagBit(f: SchedFlag): SchedFlagBit {
  return SCHED_FLAG_TABLE[f].bit;
}

/** The name ipvsadm prints for a flag bit under a scheduler (sh-*, mh-*, else flag-N). */
export function schedFlagName(sched: Scheduler, bit: SchedFlagBit): SchedFlag {
  return SCHED_FLAGS.find((f) => SCHED_FLAG_TABLE[f].bit === bit && SCHED_FLAG_TABLE[f].scheduler === sched) ?? (`flag-${bit}` as SchedFlag);
}

/** The flags a scheduler offers, one name per bit (sh: sh-fallback, sh-port, flag-3). */
export function schedFlagsOf(sched: Scheduler): SchedFlag[] {
  return SCHED_FLAG_BITS.map((b) => schedFlagName(sched, b));
}

/** print_sched_flags(): the names ipvsadm prints for a service's flags; sh and mh print only the bits they name, others flag-N. */
export function printedSchedFlags(sched: string, flags: readonly SchedFlag[]): SchedFlag[] {
  const bits = new Set(flags.map(schedFlagBit));
  const names = SCHED_FLAG_BITS.filter((b) => bits.has(b)).map((b) => schedFlagName(sched as Scheduler, b));
  const naming = SCHED_FLAGS.some((f) => SCHED_FLAG_TABLE[f].scheduler === sched);
  return naming ? names.filter((n) => SCHED_FLAG_TABLE[n].scheduler === sched) : names;
}

/** A flag name ipvsadm knows (not an inherited property name). */
export function isSchedFlag(f: string): f is SchedFlag {
  return Object.hasOwn(SCHED_FLAG_TABLE, f);
}

/** Does ipvsadm accept this flag name with this scheduler (sh-* only with sh, mh-* only with mh)? */
export function schedFlagFits(f: SchedFlag, sched: string): boolean {
  const owner = SCHED_FLAG_TABLE[f].scheduler;
  return owner === undefined || owner === sched;
}

/** Is this netmask the default (no -M): /32 or /128. */
export function isDefaultNetmask(mask: string | undefined, family: Family): boolean {
  return mask === undefined || (family === 'inet' ? mask === '255.255.255.255' : mask === '128');
}

type RawService = z.output<typeof RawServiceSchema>;

function checkService(s: RawService, ctx: z.RefinementCtx): void {
  const family = serviceFamily(s);
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  if (s.protocol !== 'fwmark' && s.port === 0 && !s.persistence) {
    issue(['port'], 'port 0 (all ports) is only allowed for persistent services (ipvsadm: "Zero port specified for non-persistent service")');
  }
  if (s.onePacket && s.protocol !== 'udp' && s.protocol !== 'fwmark') {
    issue(['onePacket'], 'one-packet scheduling (-o) is only for UDP or fwmark services');
  }
  const bits = new Set<number>();
  s.schedFlags.forEach((f, i) => {
    if (!schedFlagFits(f, s.scheduler)) {
      issue(['schedFlags', i], `scheduler flag ${f} needs the ${SCHED_FLAG_TABLE[f].scheduler} scheduler (scheduler is ${s.scheduler})`);
    }
    const b = schedFlagBit(f);
    if (bits.has(b)) issue(['schedFlags', i], `scheduler flag ${f} is given twice`);
    bits.add(b);
  });
  const mask = s.persistence?.netmask;
  if (mask !== undefined) {
    if (family === 'inet' && !isIPv4(mask)) issue(['persistence', 'netmask'], 'netmask of an IPv4 service must be a dotted mask such as 255.255.255.0');
    if (family === 'inet6' && !(/^\d{1,3}$/.test(mask) && +mask >= 1 && +mask <= 128)) issue(['persistence', 'netmask'], 'netmask of an IPv6 service must be a prefix length 1–128');
  }

  const sorry = s.sorryServer;
  if (sorry) {
    const sf = addressFamily(sorry.address);
    if (sf !== family && sorry.forwarding !== 'tunnel')
      issue(['sorryServer', 'address'], `the sorry server's address family must be the service's (${family === 'inet6' ? 'IPv6' : 'IPv4'}) unless it is tunnelled`);
    if (s.protocol !== 'fwmark' && sorry.forwarding !== 'masq' && sorry.port !== undefined && sorry.port !== s.port)
      issue(['sorryServer', 'port'], `with ${sorry.forwarding} forwarding the sorry server port must be the service port ${s.port}; use masq to map ports`);
    const sk = realServerKeyId({ address: sorry.address, port: sorry.port ?? (s.protocol === 'fwmark' ? 0 : s.port) });
    if (s.realServers.some((r) => realServerKeyId({ address: r.address, port: r.port ?? (s.protocol === 'fwmark' ? 0 : s.port) }) === sk))
      issue(['sorryServer', 'address'], 'the sorry server must not also be a real server of the service');
  }

  const seen = new Map<string, number>();
  s.realServers.forEach((r, i) => {
    const at = (...p: (string | number)[]) => ['realServers', i, ...p];
    const rFamily = addressFamily(r.address);
    if (rFamily !== family && r.forwarding !== 'tunnel') {
      issue(
        at('address'),
        `an ${rFamily === 'inet6' ? 'IPv6' : 'IPv4'} real server in an ${family === 'inet6' ? 'IPv6' : 'IPv4'} service needs tunnel forwarding (ipvsadm: "Different address family is allowed only for tunneling servers")`,
      );
    }
    if (s.protocol !== 'fwmark' && r.forwarding !== 'masq' && r.port !== undefined && r.port !== s.port) {
      issue(at('port'), `with ${r.forwarding} forwarding the real server port must be the service port ${s.port} (ipvsadm replaces it); use masq to map ports`);
    }
    if (r.forwarding === 'tunnel') {
      const type = r.tunnelType ?? 'ipip';
      if (type === 'gue' && r.tunnelPort === undefined) issue(at('tunnelPort'), '--tun-port is required for gue tunnels');
      if (type !== 'gue' && r.tunnelPort !== undefined) issue(at('tunnelPort'), `--tun-port is only for gue tunnels, not ${type}`);
      if (type === 'ipip' && r.tunnelChecksum !== undefined) issue(at('tunnelChecksum'), 'ipip tunnels take no checksum option');
      if (type === 'gre' && r.tunnelChecksum === 'remcsum') issue(at('tunnelChecksum'), 'gre tunnels allow only nocsum or csum (remcsum is for gue)');
    } else if (r.tunnelType !== undefined || r.tunnelPort !== undefined || r.tunnelChecksum !== undefined) {
      issue(at('forwarding'), 'tunnel options need tunnel forwarding (ipvsadm: "Tunnel options conflict with forward method")');
    }
    if (r.lowerThreshold > 0 && r.lowerThreshold > r.upperThreshold) {
      issue(at('lowerThreshold'), 'lower threshold must not exceed the upper threshold (the kernel refuses it with "Numerical result out of range")');
    }
    const k = realServerKeyId({ address: r.address, port: r.port ?? (s.protocol === 'fwmark' ? 0 : s.port) });
    const prev = seen.get(k);
    if (prev !== undefined)
      issue(at('address'), `duplicate real server ${realServerLabel({ address: r.address, port: r.port ?? (s.protocol === 'fwmark' ? 0 : s.port) })} (also realServers[${prev}])`);
    else seen.set(k, i);
  });
}

/** One spelling per meaning: defaults filled, flags named for the scheduler, masks elided, lists sorted. */
function canonicalService(s: RawService) {
  const family = serviceFamily(s);
  const defaultPort = s.protocol === 'fwmark' ? 0 : s.port;
  const bits = [...new Set(s.schedFlags.map(schedFlagBit))].sort();
  const persistence = s.persistence
    ? {
        timeout: s.persistence.timeout,
        // an IPv6 prefix has one spelling ("064" is 64), or equal configs would plan an -E forever
        ...(isDefaultNetmask(s.persistence.netmask, family) ? {} : { netmask: family === 'inet6' ? String(Number(s.persistence.netmask)) : s.persistence.netmask }),
        ...(s.persistence.pe ? { pe: s.persistence.pe } : {}),
      }
    : undefined;
  const realServers = s.realServers
    .map((r) => {
      const tunnelType = r.forwarding === 'tunnel' ? (r.tunnelType ?? 'ipip') : undefined;
      return {
        address: r.address,
        port: r.port ?? defaultPort,
        forwarding: r.forwarding,
        weight: r.weight,
        upperThreshold: r.upperThreshold,
        lowerThreshold: r.lowerThreshold,
        ...(tunnelType ? { tunnelType } : {}),
        ...(tunnelType === 'gue' ? { tunnelPort: r.tunnelPort } : {}),
        ...(tunnelType === 'gue' || tunnelType === 'gre' ? { tunnelChecksum: r.tunnelChecksum ?? 'nocsum' } : {}),
        ...(r.drain ? { drain: r.drain } : {}),
        ...(r.healthCheck ? { healthCheck: r.healthCheck } : {}),
      };
    })
    .sort(compareRealServers);
  const key = s.protocol === 'fwmark' ? { protocol: s.protocol, fwmark: s.fwmark, family: s.family } : { protocol: s.protocol, address: s.address, port: s.port };
  const sorryServer = s.sorryServer ? { ...s.sorryServer, port: s.sorryServer.port ?? defaultPort } : undefined;
  return {
    ...key,
    ...(s.group !== undefined ? { group: s.group } : {}),
    scheduler: s.scheduler,
    schedFlags: bits.map((b) => schedFlagName(s.scheduler, b)),
    ...(persistence ? { persistence } : {}),
    onePacket: s.onePacket,
    ...(s.healthCheck ? { healthCheck: s.healthCheck } : {}),
    ...(sorryServer ? { sorryServer } : {}),
    ...(s.quorum ? { quorum: s.quorum } : {}),
    realServers,
  } as RawService & { realServers: (RawService['realServers'][number] & { port: number })[] };
}

/** An empty director config. */
export function emptyConfig(): DirectorConfig {
  return DirectorConfigSchema.parse({});
}
