// The health history's API: transitions, availability per real server, and the service timeline
// (health transitions, config changes, failovers) drawn beside the traffic chart.
import { z } from 'zod';
import { RealServerKeyIdSchema, ServiceKeyIdSchema } from '../ipvs/keys';

export const HealthTransitionRowSchema = z.object({
  id: z.string(),
  director: z.string(),
  service: z.string(), // serviceKeyId
  server: z.string(), // realServerKeyId
  at: z.string(),
  healthy: z.boolean(),
  reason: z.string(),
  /** the failing probe's own text, as the agent's checker reported it */
  error: z.string().nullable(),
  heldDown: z.boolean(),
});
export type HealthTransitionRow = z.output<typeof HealthTransitionRowSchema>;

/** How far back a history query looks: up to a month, a day by default. */
const HoursSchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(24 * 31)
  .default(24);

export const HealthHistoryQuerySchema = z.object({
  service: ServiceKeyIdSchema.optional(),
  server: RealServerKeyIdSchema.optional(),
  hours: HoursSchema,
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});
export const HealthHistorySchema = z.object({ transitions: z.array(HealthTransitionRowSchema) });

export const AvailabilityQuerySchema = z.object({ service: ServiceKeyIdSchema.optional() });
const Ratio = z.number().min(0).max(1).nullable();
export const ServerAvailabilitySchema = z.object({
  director: z.string(),
  service: z.string(),
  server: z.string(),
  /** the director's current verdict, null when it has not reported one */
  healthy: z.boolean().nullable(),
  /** N or more transitions in the cluster's flapping window */
  flapping: z.boolean(),
  availability: z.object({ '24h': Ratio, '7d': Ratio, '30d': Ratio }),
  transitions24h: z.number().int(),
});
export type ServerAvailability = z.output<typeof ServerAvailabilitySchema>;
export const AvailabilitySchema = z.object({ servers: z.array(ServerAvailabilitySchema) });

/**
 * One mark on a service's timeline. `failover` marks are written by the HA view's failover table
 * through lib/server/timeline.ts `timelineSources` (the typed hook); health and config come from here.
 */
export const TimelineMarkSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('health'), at: z.string(), director: z.string(), server: z.string(), healthy: z.boolean(), reason: z.string(), error: z.string().nullable(), heldDown: z.boolean() }),
  z.object({ kind: z.literal('config'), at: z.string(), revision: z.number().int(), author: z.string(), message: z.string(), change: z.enum(['added', 'changed', 'removed']) }),
  z.object({ kind: z.literal('failover'), at: z.string(), vip: z.string(), from: z.string().nullable(), to: z.string().nullable(), detail: z.string() }),
]);
export type TimelineMark = z.output<typeof TimelineMarkSchema>;
export const TimelineQuerySchema = z.object({
  service: ServiceKeyIdSchema,
  hours: HoursSchema,
});
export const TimelineSchema = z.object({ from: z.string(), to: z.string(), marks: z.array(TimelineMarkSchema) });
