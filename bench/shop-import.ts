// Times `shelf import history` on 1,000,000 generated events shaped like Diginetica's files (numeric session and
// item ids of the same ranges, one ISO timestamp per event) and merges `import1MEventsSeconds` into
// bench/results/shop.json, keeping the keys others wrote. The generated file lives in the system's temp folder.
// Run: npm run bench:shop
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importHistory } from '../trainer/cli/import-command.js';
import { seeded } from '../trainer/rng.js';

const EVENTS = Number(process.env['SHELF_BENCH_EVENTS'] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'shelf-bench-shop-'));
try {
  const rand = seeded(2016);
  const types = ['view_item', 'view_item', 'view_item', 'add_to_cart', 'purchase'];
  const lines = ['session_id,item_id,event_type,timestamp'];
  const start = Date.parse('2016-01-01T00:00:00Z');
  for (let i = 0, session = 1; i < EVENTS; i++) {
    if (rand() < 0.2) session += 1 + Math.floor(rand() * 50);
    const item = 1 + Math.floor(rand() * 184_047);
    const t = new Date(start + session * 20_000 + i).toISOString();
    lines.push(`${session},${item},${types[Math.floor(rand() * types.length)]},${t}`);
  }
  const file = join(dir, 'events.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const bytes = readFileSync(file).byteLength;
  const t0 = performance.now();
  const summary = importHistory(file, join(dir, 'shop'));
  const seconds = (performance.now() - t0) / 1000;
  if (summary.events !== EVENTS) throw new Error(`imported ${summary.events} events, expected ${EVENTS}`);
  console.log(`${EVENTS} events (${(bytes / 1e6).toFixed(1)} MB CSV) imported in ${seconds.toFixed(2)} s`);
  if (EVENTS === 1_000_000) {
    const out = 'bench/results/shop.json';
    const prev = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(out, JSON.stringify({ ...prev, import1MEventsSeconds: Number(seconds.toFixed(2)), import1MEventsCommand: 'npm run bench:shop', import1MEventsCsvBytes: bytes }, null, 2) + '\n');
    console.log(`→ ${out}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
