// A shop no demo code knows: Diginetica (CIKM Cup 2016, a real shop's anonymised sessions) as a shop's history and
// a Merchant Center TSV feed made from its product categories, both written to a temporary folder (never into
// the repository); then the real `shelf import`, `shelf train` and `shelf evaluate` commands on them, and
// `diginetica: { ndcg10, popularityNdcg10 }` merged into bench/results/shop.json (other keys kept).
// Run: npm run bench:shop:diginetica [-- --epochs 8 --keep]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { defaultDataDir } from '../../trainer/data.js';

const { values: a } = parseArgs({ options: { 'data-dir': { type: 'string', default: join(defaultDataDir(), 'diginetica') }, epochs: { type: 'string', default: '8' }, keep: { type: 'boolean', default: false } } });
const src = a['data-dir']!;
const dir = mkdtempSync(join(tmpdir(), 'shelf-diginetica-'));
const rows = (file: string) => parse(readFileSync(join(src, file), 'utf8'), { delimiter: ';', columns: true, skip_empty_lines: true }) as Record<string, string>[];
const day = (date: string, ms: string) => new Date(Date.parse(`${date}T00:00:00Z`) + Number(ms)).toISOString();

const feed = ['id\ttitle\tproduct_type\tavailability'];
for (const r of rows('product-categories.csv')) feed.push(`${r['itemId']}\tProduct ${r['itemId']}\tCategory ${r['categoryId']}\tin_stock`);
writeFileSync(join(dir, 'feed.tsv'), feed.join('\n') + '\n');
const history = ['user_id,item_id,event_type,timestamp'];
for (const r of rows('train-purchases.csv')) history.push(`${r['userId'] !== 'NA' ? `u${r['userId']}` : `s${r['sessionId']}`},${r['itemId']},purchase,${day(r['eventdate']!, r['timeframe']!)}`);
for (const r of rows('sample_train-item-views.csv')) history.push(`${r['user_id'] !== 'NA' ? `u${r['user_id']}` : `s${r['session_id']}`},${r['item_id']},view_item,${day(r['eventdate']!, r['timeframe']!)}`);
writeFileSync(join(dir, 'history.csv'), history.join('\n') + '\n');

const shelf = (...args: string[]) => {
  console.log(`$ shelf ${args.join(' ')}`);
  execFileSync(process.execPath, ['bin/shelf.js', ...args], { stdio: 'inherit' });
};
try {
  const ws = join(dir, 'shop');
  shelf('import', 'feed', join(dir, 'feed.tsv'), '--out', ws);
  shelf('import', 'history', join(dir, 'history.csv'), '--out', ws);
  const train = ['train', '--in', ws, '--name', 'diginetica', '--epochs', a.epochs!, '--no-progress'];
  const started = performance.now();
  shelf(...train);
  const trainSeconds = (performance.now() - started) / 1000;
  shelf('evaluate', '--in', ws, '--json', join(dir, 'evaluate.json'));
  const r = JSON.parse(readFileSync(join(dir, 'evaluate.json'), 'utf8')) as { users: number; items: number; model: { ndcg10: number; hr10: number }; popularity: { ndcg10: number; hr10: number } };
  const out = 'bench/results/shop.json';
  const prev = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  const round = (x: number) => Number(x.toFixed(4));
  writeFileSync(out, JSON.stringify({
    ...prev,
    diginetica: {
      ndcg10: round(r.model.ndcg10), popularityNdcg10: round(r.popularity.ndcg10), hr10: round(r.model.hr10), popularityHr10: round(r.popularity.hr10),
      users: r.users, items: r.items, trainSeconds: Math.round(trainSeconds), command: `npm run bench:shop:diginetica -- --epochs ${a.epochs}`,
      shelfCommands: [`shelf import feed feed.tsv --out shop`, `shelf import history history.csv --out shop`, `shelf ${train.slice(0, 1).join(' ')} --in shop --name diginetica --epochs ${a.epochs}`, 'shelf evaluate --in shop'],
    },
  }, null, 2) + '\n');
  console.log(`diginetica: NDCG@10 ${r.model.ndcg10.toFixed(4)} vs popularity ${r.popularity.ndcg10.toFixed(4)} → ${out}`);
} finally {
  if (a.keep) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
