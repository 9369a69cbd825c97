// The numbers kept per director, service and real server, in ONE order (STATS_FIELDS, owned by
// lib/ipvs/stats.ts beside the counters it is read from, so the agent's wire rows share it); charts
// plot the same fields minus persistConns (a table-only count of persistence templates). Pure: the
// server and the browser import it alike.
import { z } from 'zod';
import { STATS_FIELDS, type StatsField } from '../ipvs/stats';

export { STATS_FIELDS, type StatsField };

/** The position of each field in a values tuple: `values[FIELD.cps]`. */
export const FIELD = Object.freeze(Object.fromEntries(STATS_FIELDS.map((f, i) => [f, i]))) as { readonly [F in StatsField]: number };

/** What charts plot: every field but persistConns, in STATS_FIELDS order. */
export type ChartField = Exclude<StatsField, 'persistConns'>;
export const CHART_FIELDS: readonly ChartField[] = STATS_FIELDS.filter((f): f is ChartField => f !== 'persistConns');

/** One number per STATS_FIELDS entry, in its order. */
type Each<T extends readonly unknown[], V> = { -readonly [I in keyof T]: V };
export type StatsValues = Each<typeof STATS_FIELDS, number>;
const numberSchemas = () => STATS_FIELDS.map(() => z.number()) as unknown as Each<typeof STATS_FIELDS, z.ZodNumber>;
export const StatsValuesSchema = z.tuple(numberSchemas());

/**
 * One row of a table: its key then its values. The key is a service (`serviceKeyId`,
 * "tcp|10.0.0.1|80"), a real server of a service (`serverKeyId`, "tcp|10.0.0.1|80#10.0.1.1|8080")
 * or '' for a director's totals (between processes only).
 */
export type StatsRow = [key: string, ...values: StatsValues];
export const StatsRowSchema = z.tuple([z.string(), ...numberSchemas()]);

export const statsRow = (key: string, v: StatsValues): StatsRow => [key, ...v];
export const rowValues = (r: StatsRow): StatsValues => r.slice(1) as StatsValues;

/** Numbers as tables and deltas show them: two decimals (so noise below that is not a change). */
export const round2 = (x: number): number => Math.round(x * 100) / 100;
