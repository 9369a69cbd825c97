// The planner's vocabulary: one Op = one ipvsadm command (one kernel request).
// Renderers (argv, -R batch text, summaries) live in ops.ts; the planner in plan.ts.
import { z } from 'zod';
import { SYSCTL_NAMES, type SysctlName } from './sysctls';
import { DAEMON_STATES, FORWARDING, RealServerKeySchema, ServiceKeySchema, SyncDaemonSchema, TimeoutsSchema, TUNNEL_CSUM, TUNNEL_TYPES, VirtualServiceSchema } from './model';

/** What -A/-E carry: the complete service (its realServers are ignored; they travel as server ops). */
const ServiceSpecSchema = VirtualServiceSchema;
const RealServerSpecSchema = z.object({
  address: z.string(),
  port: z.number().int(),
  forwarding: z.enum(FORWARDING),
  weight: z.number().int(),
  upperThreshold: z.number().int(),
  lowerThreshold: z.number().int(),
  tunnelType: z.enum(TUNNEL_TYPES).optional(),
  tunnelPort: z.number().int().optional(),
  tunnelChecksum: z.enum(TUNNEL_CSUM).optional(),
});

export const OpSchema = z.discriminatedUnion('op', [
  /** -A: service fields only; realServers is ignored (they come as add-server ops). */
  z.object({ op: z.literal('add-service'), service: ServiceSpecSchema }),
  /** -E: the complete service object, never a patch. */
  z.object({ op: z.literal('edit-service'), service: ServiceSpecSchema }),
  z.object({ op: z.literal('delete-service'), service: ServiceKeySchema }),
  z.object({ op: z.literal('add-server'), service: ServiceKeySchema, server: RealServerSpecSchema }),
  /** -e: the complete real server, never a patch. */
  z.object({ op: z.literal('edit-server'), service: ServiceKeySchema, server: RealServerSpecSchema }),
  z.object({ op: z.literal('delete-server'), service: ServiceKeySchema, server: RealServerKeySchema }),
  z.object({ op: z.literal('set-timeouts'), timeouts: TimeoutsSchema }),
  z.object({ op: z.literal('start-daemon'), daemon: SyncDaemonSchema }),
  z.object({ op: z.literal('stop-daemon'), state: z.enum(DAEMON_STATES), syncId: z.number().int().optional() }),
  /** Not an ipvsadm command: a write of /proc/sys/net/ipv4/vs/<name> (sysctl -w net.ipv4.vs.<name>=<value>). */
  z.object({ op: z.literal('set-sysctl'), name: z.enum(SYSCTL_NAMES as [SysctlName, ...SysctlName[]]), value: z.union([z.number().int(), z.tuple([z.number().int(), z.number().int()])]) }),
]);
export type Op = z.output<typeof OpSchema>;
export type RealServerSpec = z.output<typeof RealServerSpecSchema>;
