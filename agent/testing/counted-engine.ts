// An engine with every readConfig counted: full reads, scoped reads and the services they asked
// for — what a test counts to prove a K-op change reads O(K), not O(N).
import type { Engine, ReadScope } from '../engines/engine';

export function countedReads(engine: Engine): { engine: Engine; reads: { full: number; scoped: number; services: number } } {
  const reads = { full: 0, scoped: 0, services: 0 };
  const wrapped: Engine = Object.create(engine);
  wrapped.readConfig = (scope?: ReadScope) => {
    if (scope) {
      reads.scoped++;
      reads.services += scope.services.length;
    } else reads.full++;
    return engine.readConfig(scope);
  };
  return { engine: wrapped, reads };
}
