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
  /** the same condition seen by several console processes (a timer in each) is stored and delivered once per key */
  dedupKey: z.string().max(300).optional(),
});
export type AlertEvent = z.output<typeof AlertEventSchema>;
export type AlertEventInput = z.input<typeof AlertEventSchema>;

// ---- delivery: webhook targets, the delivery log, the cluster's settings -----------------------

/** What a webhook receives: an alert, or a test sent from the settings page. */
export const DeliveredKindSchema = z.union([AlertKindSchema, z.literal('test')]);
export type DeliveredKind = z.output<typeof DeliveredKindSchema>;

/** An alert as the generic JSON webhook receives it (the Slack format sends `{ text }`). */
export const WebhookPayloadSchema = AlertEventSchema.extend({
  kind: DeliveredKindSchema,
  /** the stored event's id: a receiver can drop a repeat (sent again only after a console crash mid-send) */
  id: z.string(),
  cluster: z.string(),
});
export type WebhookPayload = z.output<typeof WebhookPayloadSchema>;

export const WEBHOOK_FORMATS = ['json', 'slack'] as const;

/** http or https only, no credentials in the URL shown back, at most 2000 characters. */
export const WebhookUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }))
  // zod runs this refinement even when the URL check above failed: parse without throwing
  .refine(
    (u) => {
      const url = URL.canParse(u) ? new URL(u) : null;
      return !url || (!url.username && !url.password);
    },
    { error: 'must not carry a user name or password (put a token in the path or query)' },
  );

export const AlertTargetInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  url: WebhookUrlSchema,
  format: z.enum(WEBHOOK_FORMATS).default('json'),
  kinds: z
    .array(AlertKindSchema)
    .min(1, { error: 'choose at least one alert kind' })
    .default([...ALERT_KINDS]),
  enabled: z.boolean().default(true),
});
export const AlertTargetUpdateSchema = AlertTargetInputSchema.partial();

export const AlertTargetSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  format: z.enum(WEBHOOK_FORMATS),
  kinds: z.array(AlertKindSchema),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlertTarget = z.output<typeof AlertTargetSchema>;
export const AlertTargetListSchema = z.object({ targets: z.array(AlertTargetSchema) });

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;
export const AlertDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  target: z.string(), // the target's name
  targetId: z.string(),
  kind: DeliveredKindSchema,
  summary: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  responseCode: z.number().int().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});
export type AlertDelivery = z.output<typeof AlertDeliverySchema>;
export const AlertDeliveryListSchema = z.object({ deliveries: z.array(AlertDeliverySchema) });
export const AlertDeliveryQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  target: z.string().max(100).optional(),
});
export const AlertTestResultSchema = z.object({ eventId: z.string(), deliveryId: z.string() });

/** A cluster's health-history and alert settings. */
export const AlertSettingsSchema = z.object({
  /** flapping: this many transitions ... */
  flapTransitions: z.number().int().min(2).max(1000),
  /** ... within this many minutes */
  flapWindowMinutes: z.number().int().min(1).max(1440),
  /** a flapping server stays out this long after it recovers (0: off); applied by the agents */
  holdDownSeconds: z.number().int().min(0).max(86_400),
  /** director_disconnected after this many seconds without its agent */
  disconnectSeconds: z.number().int().min(5).max(86_400),
});
export type AlertSettings = z.output<typeof AlertSettingsSchema>;
export const AlertSettingsUpdateSchema = AlertSettingsSchema.partial();
export const DEFAULT_ALERT_SETTINGS: AlertSettings = { flapTransitions: 4, flapWindowMinutes: 10, holdDownSeconds: 0, disconnectSeconds: 60 };
