// Conformance scenarios against the simulator (always runs). kernel.test.ts runs the same list
// against the real kernel.
import { describe, it } from 'vitest';
import { SimEngine } from '@/agent/engines/sim';
import { SCENARIOS } from './scenarios';
import { runScenario } from './run';

describe('conformance: simulator', () => {
  for (const sc of SCENARIOS) {
    it(sc.name, async () => {
      const sim = new SimEngine({ seed: 1 });
      try {
        await runScenario(sim, sc);
      } finally {
        await sim.close();
      }
    });
  }
});
