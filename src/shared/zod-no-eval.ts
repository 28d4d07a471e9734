// Turns zod's JIT off wherever Shelf's schemas are used: zod v4 otherwise probes `new Function('')` on its
// first object parse, and a shop's strict CSP (no 'unsafe-eval') reports that probe to its report-uri on every
// worker start even though zod catches the error. Imported first by src/shared/protocol.ts, which declares every
// shared schema, so it runs before any schema is used in every bundle that has zod (the engine worker, the
// server). Must never import anything but zod.
import { z } from 'zod';

z.config({ jitless: true });
