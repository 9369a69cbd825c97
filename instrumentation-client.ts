// Runs in the browser before the app's own code (Next.js instrumentation-client). zod compiles
// object parsers with `new Function` unless told not to, and it decides when a schema is built —
// at module load, before any component runs — so the switch must come first: the CSP has no
// 'unsafe-eval'.
import { z } from 'zod';

z.config({ jitless: true });
