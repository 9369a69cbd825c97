import { describe, expect, it } from 'vitest';
import { evaluateGates, planSteps, RolloutPolicySchema, stepVerdict, type GateDirector, type GateInput } from './rollout';

const names = ['a', 'b', 'c', 'd', 'e'];
const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('planSteps', () => {
  it('all at once is one step; one at a time is one director per step', () => {
    expect(planSteps({ mode: 'all' }, names)).toEqual([names]);
    expect(planSteps(RolloutPolicySchema.parse({ mode: 'one-at-a-time' }), names)).toEqual(names.map((n) => [n]));
  });
  it('canary: the first N, then batches of M (the last one shorter)', () => {
    const p = RolloutPolicySchema.parse({ mode: 'canary', canary: 2, batch: 2 });
    expect(planSteps(p, names)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(planSteps(RolloutPolicySchema.parse({ mode: 'canary', canary: 9 }), names)).toEqual([names]);
    expect(planSteps(p, [])).toEqual([]);
  });
  it('the schema fills defaults and refuses a bad mode or fraction with the field path', () => {
    expect(RolloutPolicySchema.parse({ mode: 'canary' })).toEqual({ mode: 'canary', canary: 1, soakSeconds: 60, batch: 1, minRateFraction: 0.5 });
    expect(RolloutPolicySchema.safeParse({ mode: 'blue-green' }).success).toBe(false);
    const bad = RolloutPolicySchema.safeParse({ mode: 'canary', minRateFraction: 2 });
    expect(bad.success || bad.error.issues[0]!.path).toEqual(['minRateFraction']);
  });
});

const dir = (o: Partial<GateDirector> = {}): GateDirector => ({ name: 'a', appliedRevision: 5, appliedAt: new Date(T0).toISOString(), lastError: null, unhealthy: [], ...o });
const input = (o: Partial<GateInput> = {}): GateInput => ({
  revision: 5,
  policy: RolloutPolicySchema.parse({ mode: 'canary', soakSeconds: 10 }),
  step: { baseline: { cps: 100, unhealthy: [] } },
  directors: [dir()],
  cpsAfter: 90,
  now: T0 + 30_000,
  ...o,
});
const gate = (g: ReturnType<typeof evaluateGates>, name: string) => g.find((x) => x.name === name)!;

describe('evaluateGates', () => {
  it('passes when every director ACKed, nothing NACKed or fell ill, the soak ran and the rate held', () => {
    const g = evaluateGates(input());
    expect(g.map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    expect(stepVerdict(g)).toBe('pass');
    expect(gate(g, 'rate').reason).toContain('90 conn/s vs 100/s');
  });
  it('waits for a missing ACK, naming the director', () => {
    const g = evaluateGates(input({ directors: [dir(), dir({ name: 'b', appliedRevision: 4 })] }));
    expect(gate(g, 'ack')).toMatchObject({ status: 'pending', reason: 'waiting for the ACK of b' });
    expect(stepVerdict(g)).toBe('pending');
  });
  it('holds on a NACK of this revision with its message, not on an older one', () => {
    const g = evaluateGates(input({ directors: [dir({ appliedRevision: 4, lastError: { revision: 5, message: 'Memory allocation problem' } })] }));
    expect(gate(g, 'nack')).toMatchObject({ status: 'hold', reason: 'a NACKed r5: Memory allocation problem' });
    expect(stepVerdict(g)).toBe('hold');
    expect(gate(evaluateGates(input({ directors: [dir({ lastError: { revision: 3, message: 'x' } })] })), 'nack').status).toBe('pass');
  });
  it('holds on a real server that turned unhealthy after the step began, not on one that already was', () => {
    const sick = { key: 'tcp|10.0.0.1|80#10.0.1.1|80', label: '10.0.1.1:80', reason: 'connect ECONNREFUSED' };
    expect(gate(evaluateGates(input({ directors: [dir({ unhealthy: [sick] })] })), 'health')).toMatchObject({
      status: 'hold',
      reason: expect.stringContaining('10.0.1.1:80 on a (connect ECONNREFUSED)'),
    });
    const before = { cps: 100, unhealthy: [`a/${sick.key}`] };
    expect(gate(evaluateGates(input({ step: { baseline: before }, directors: [dir({ unhealthy: [sick] })] })), 'health').status).toBe('pass');
  });
  it('soaks for the policy time after the ACK', () => {
    const g = evaluateGates(input({ now: T0 + 4_000 }));
    expect(gate(g, 'soak')).toMatchObject({ status: 'pending', reason: 'soaking: 4 s of 10 s' });
    expect(stepVerdict(g)).toBe('pending');
  });
  it('holds when the new-connection rate falls below the fraction of its value before the step', () => {
    const g = evaluateGates(input({ cpsAfter: 30 }));
    expect(gate(g, 'rate')).toMatchObject({ status: 'hold', reason: 'new connections fell to 30/s, below 50% of 100/s before the step' });
  });
  it('the rate passes without traffic before the step, waits for numbers, and holds on long silence', () => {
    expect(gate(evaluateGates(input({ step: { baseline: { cps: 0, unhealthy: [] } }, cpsAfter: null })), 'rate').status).toBe('pass');
    const soakless = RolloutPolicySchema.parse({ mode: 'one-at-a-time' });
    expect(gate(evaluateGates(input({ policy: soakless, cpsAfter: null, now: T0 + 3_000 })), 'rate').status).toBe('pending');
    expect(gate(evaluateGates(input({ policy: soakless, cpsAfter: 100, now: T0 + 2_000 })), 'rate').status).toBe('pending');
    expect(gate(evaluateGates(input({ policy: soakless, cpsAfter: null, now: T0 + 25_000 })), 'rate').status).toBe('hold');
  });
});
