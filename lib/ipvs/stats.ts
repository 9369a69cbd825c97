// Counters, rates and connection entries: what listings and /proc files yield, what the
// simulator produces and what the agent ships to the control plane.
import { z } from 'zod';
import { ServiceKeySchema } from './model';

const u64 = z.number().int().nonnegative();

/** Cumulative counters since the last -Z (ipvsadm --stats --exact). */
export const CountersSchema = z.object({ conns: u64, inPkts: u64, outPkts: u64, inBytes: u64, outBytes: u64 });
export type Counters = z.output<typeof CountersSchema>;

/** The kernel estimator's read-out (ipvsadm --rate): conn/s, packets/s, bytes/s. */
export const RatesSchema = z.object({ cps: u64, inpps: u64, outpps: u64, inbps: u64, outbps: u64 });
export type Rates = z.output<typeof RatesSchema>;

export const RealServerStatsSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  activeConns: u64,
  inactConns: u64,
  persistConns: u64,
  counters: CountersSchema,
  rates: RatesSchema,
});
export type RealServerStats = z.output<typeof RealServerStatsSchema>;

export const ServiceStatsSchema = z.object({
  service: ServiceKeySchema,
  counters: CountersSchema,
  rates: RatesSchema,
  realServers: z.array(RealServerStatsSchema),
});
export type ServiceStats = z.output<typeof ServiceStatsSchema>;

/** One sample of a director: every service and real server, plus the global totals. */
export const StatsSnapshotSchema = z.object({
  at: z.number().int(), // epoch ms
  totals: z.object({ counters: CountersSchema, rates: RatesSchema }),
  services: z.array(ServiceStatsSchema),
});
export type StatsSnapshot = z.output<typeof StatsSnapshotSchema>;

/**
 * The numbers kept per director, service and real server, in ONE order. Every positional form —
 * the agent's stats rows on the wire, rows between control-plane processes, the `current` tuples,
 * the stream's table deltas and the browser's tables — uses this order (re-exported by
 * lib/api/stats-fields.ts, which adds the browser's helpers).
 */
export const STATS_FIELDS = ['activeConns', 'inactConns', 'persistConns', 'cps', 'inpps', 'outpps', 'inbps', 'outbps'] as const;
export type StatsField = (typeof STATS_FIELDS)[number];

/** The cumulative counters in the order rows carry them (after STATS_FIELDS on the wire; a rollup turns them into deltas). */
export const COUNTER_FIELDS = ['conns', 'inPkts', 'outPkts', 'inBytes', 'outBytes'] as const satisfies readonly (keyof Counters)[];

export const ZERO_COUNTERS: Counters = Object.freeze({ conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 });
export const ZERO_RATES: Rates = Object.freeze({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 });

/** One row of ipvsadm -Lnc / /proc/net/ip_vs_conn. Templates (persistence) have client port 0. */
export const ConnEntrySchema = z.object({
  protocol: z.string(), // TCP UDP SCTP IP (fwmark template) ...
  clientAddress: z.string(),
  clientPort: z.number().int(),
  virtualAddress: z.string(), // a fwmark template shows the mark as an address (0.0.0.10)
  virtualPort: z.number().int(),
  destAddress: z.string(),
  destPort: z.number().int(),
  state: z.string(), // ESTABLISHED, SYN_RECV, FIN_WAIT, TIME_WAIT, CLOSE, UDP, NONE, ...
  expires: z.number().int().nonnegative(), // seconds left
  template: z.boolean(),
  pe: z.string().optional(),
  peData: z.string().optional(),
});
export type ConnEntry = z.output<typeof ConnEntrySchema>;

/** Filters for the connection table (the agent applies them on its side). */
export const ConnFilterSchema = z.object({
  client: z.string().max(64).optional(),
  virtual: z.string().max(64).optional(),
  dest: z.string().max(64).optional(),
  state: z.string().max(16).optional(),
  templates: z.enum(['include', 'exclude', 'only']).default('include'),
});
export type ConnFilter = z.output<typeof ConnFilterSchema>;
