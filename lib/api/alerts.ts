// The alert events a cluster can raise: one zod schema, the owner of the kinds and their fields.
// Raised by the parts that detect them (status feed, HA view, health history, rollouts) through
// lib/server/alerts/raise.ts; delivered to a cluster's webhook targets by the alerts module.
import { z } from 'zod';

export const ALERT_KINDS = [
  'nack', // a director refused a revision
  'drift', // a director's kernel differs from what it was told to run
  'split_brain', // a VIP is configured on two or more directors
  'orphan_vip', // a VIP is configured on no director
  'flapping', // a real server changed health N times in M minutes
  'director_disconnected', // a director has been disconnected longer than the cluster's limit
  'rollout_held', // a staged rollout's gate held a step
  'rollout_aborted', // a staged rollout was aborted
] as const;

export const AlertKindSchema = z.enum(ALERT_KINDS);
export type AlertKind = z.infer<typeof AlertKindSchema>;

export const AlertEventSchema = z.object({
  kind: AlertKindSchema,
  clusterId: z.string().min(1),
  /** one line a human reads in a chat channel */
  summary: z.string().min(1).max(500),
  /** what the alert is about, when it is one director / service / real server / VIP / rollout */
  directorId: z.string().optional(),
  subject: z.string().max(300).optional(),
  /** structured details for the generic JSON webhook */
  details: z.record(z.string(), z.unknown()).default({}),
  at: z.number().int().nonnegative(),
});
export type AlertEvent = z.output<typeof AlertEventSchema>;
export type AlertEventInput = z.input<typeof AlertEventSchema>;
