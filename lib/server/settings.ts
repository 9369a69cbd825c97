// The environment the server reads, as one schema: a typo in a number is a clear error at
// start-up ("LVS_STATS_RETENTION_DAYS must be …"), never a NaN that silently disables pruning.
import { z } from 'zod';
import { parseTrustedProxies } from './client-address';

const num = (name: string, min: number, max: number, def: number) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : Number(v)),
    z
      .number({ error: `${name} must be a whole number ${min}–${max}` })
      .int(`${name} must be a whole number ${min}–${max}`)
      .min(min, `${name} must be a whole number ${min}–${max}`)
      .max(max, `${name} must be a whole number ${min}–${max}`),
  );

export const SettingsSchema = z.object({
  PORT: num('PORT', 1, 65535, 3000),
  LVS_PG_POOL: num('LVS_PG_POOL', 1, 1000, 10),
  LVS_CONN_QUERY_TIMEOUT_MS: num('LVS_CONN_QUERY_TIMEOUT_MS', 100, 600_000, 10_000),
  LVS_STATS_LIVE_SECONDS: num('LVS_STATS_LIVE_SECONDS', 60, 86_400, 3600),
  LVS_STATS_RETENTION_DAYS: num('LVS_STATS_RETENTION_DAYS', 1, 3650, 30),
  LVS_PUBLIC_URL: z
    .string()
    .optional()
    .refine(
      (v) =>
        !v ||
        v.split(',').every((u) => {
          try {
            return /^https?:$/.test(new URL(u.trim()).protocol);
          } catch {
            return false;
          }
        }),
      'LVS_PUBLIC_URL must be http(s) URLs separated by commas, e.g. https://lvs.example.com',
    ),
  // reverse proxies whose X-Forwarded-For/-Host/-Proto are believed (lib/server/client-address.ts)
  LVS_TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        parseTrustedProxies(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `LVS_TRUSTED_PROXIES must be IP addresses or CIDRs separated by commas, e.g. 10.0.0.0/8,::1: ${(e as Error).message}` });
      }
    }),
});
export type Settings = z.output<typeof SettingsSchema>;

export class SettingsError extends Error {}

/** Parse and check the environment; throws SettingsError naming every bad variable. */
export function parseSettings(env: Record<string, string | undefined> = process.env): Settings {
  const r = SettingsSchema.safeParse(env);
  if (!r.success) throw new SettingsError(r.error.issues.map((i) => `${i.message} (got "${env[String(i.path[0])]}")`).join('; '));
  return r.data;
}

let cached: Settings | undefined;
/** The process's settings, read once. */
export function settings(): Settings {
  return (cached ??= parseSettings());
}
