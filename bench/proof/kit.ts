// What a proof is: it runs at a size given on the command line and returns the JSON the issue
// asks for, a readable table and its goals, each met or missed at the size it ran.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Goal {
  name: string;
  ok: boolean;
  /** the measured figure against the goal, e.g. "812 ms < 2000 ms" */
  detail: string;
}

export interface ProofResult {
  json: Record<string, unknown>;
  rows: [string, string | number][];
  goals: Goal[];
}

export interface Proof {
  /** one line for `npm run proof` without a name */
  summary: string;
  run(argv: string[], log: (line: string) => void): Promise<ProofResult>;
}

/** The proof's own options (strict: a typo is an error, not a silently ignored flag). */
export function options<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], opts: O) {
  return parseArgs({ args: argv, options: opts, strict: true, allowPositionals: false }).values;
}

export const int = (v: unknown, name: string, min = 0): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min} (got ${String(v)})`);
  return n;
};

export const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every `everyMs` until it returns a value, or fail after `ms` naming what we waited for. */
export async function until<T>(what: string, ms: number, cond: () => Promise<T | null | undefined | false>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${(ms / 1000).toFixed(0)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function table(title: string, r: ProofResult): string {
  const rows: [string, string][] = [
    ...r.rows.map(([k, v]) => [k, String(v)] as [string, string]),
    ...r.goals.map((g) => [`goal: ${g.name}`, `${g.ok ? 'MET   ' : 'MISSED'} ${g.detail}`] as [string, string]),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`== ${title} ==`, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)].join('\n');
}
