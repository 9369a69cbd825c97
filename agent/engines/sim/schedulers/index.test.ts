import { describe, expect, it } from 'vitest';
import { SCHEDULERS } from '@/lib/ipvs/model';
import { SCHEDULERS_BY_NAME, SCHEDULER_MODULES } from './index';

describe('the scheduler registry', () => {
  it("has exactly the model's schedulers, each module under its own name", () => {
    expect([...SCHEDULER_MODULES.keys()].sort()).toEqual([...SCHEDULERS].sort());
    for (const [name, mod] of Object.entries(SCHEDULERS_BY_NAME)) expect(mod.name).toBe(name);
  });
});
