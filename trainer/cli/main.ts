// The `shelf` command line: import a shop's feed and history, train, evaluate, publish. Every failure ends as one
// line on stderr (file, line and field for a bad row) and a non-zero exit code; usage errors exit with 2.
// Must never print a stack trace, a tfjs banner or the admin token.
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { USAGE, usageOf } from './usage.js';

class UsageError extends Error {}

const num = (v: string | boolean | undefined, flag: string): number => {
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got ${String(v)}`);
  return n;
};

/** Drops tfjs's "install tfjs-node" banner, which says nothing to a shop. */
function quietTfjs(): void {
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    const s = a.map(String).join(' ');
    if (/TensorFlow\.js in Node\.js|tfjs-node|^=+$/.test(s.trim())) return;
    warn(...a);
  };
  const log = console.log;
  console.log = (...a: unknown[]) => {
    const s = a.map(String).join(' ');
    if (/TensorFlow\.js in Node\.js|tfjs-node|^=+$/.test(s.trim())) return;
    log(...a);
  };
}

function adminTarget(v: Record<string, unknown>): { server: string; token: string } {
  const server = v['server'];
  if (typeof server !== 'string') throw new UsageError('--server URL is required');
  const token = (v['token'] as string | undefined) ?? process.env['SHELF_ADMIN_TOKEN'];
  if (!token) throw new UsageError('the admin token is required: --token T or SHELF_ADMIN_TOKEN');
  try {
    new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL, got ${server}`);
  }
  return { server, token };
}

async function importCommand(args: string[]): Promise<void> {
  const { values: v, positionals: p } = parseArgs({
    args, allowPositionals: true,
    options: { out: { type: 'string', default: 'shelf-shop' }, server: { type: 'string' }, token: { type: 'string' }, space: { type: 'string' }, bundle: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [kind, file] = p;
  if (v.help) return void console.log(usageOf('import'));
  if ((kind !== 'feed' && kind !== 'history') || !file || p.length > 2) throw new UsageError(usageOf('import'));
  const { importFeed, importHistory } = await import('./import-command.js');
  if (kind === 'history') {
    const s = importHistory(file, v.out!);
    console.log(`${file}: ${s.events} events (${s.format}) of ${s.keys} users or sessions on ${s.items} items → ${join(v.out!, 'history.tsv')}${s.skipped ? `; ${s.skipped} GA4 rows without items Shelf learns from skipped` : ''}`);
    return;
  }
  const target = v.server ? adminTarget(v) : null;
  if (target && (!v.space || !v.bundle)) throw new UsageError('pushing new items needs --space ID and --bundle <dir> (the trained bundle whose content features make their vectors)');
  const s = importFeed(file, v.out!);
  console.log(`${file}: ${s.items} items (${s.format}) → ${join(v.out!, 'feed.jsonl')}`);
  if (target) {
    const { pushNewItems } = await import('./push-items.js');
    const r = await pushNewItems({ ...target, workspace: v.out!, space: v.space!, bundle: v.bundle! });
    console.log(r.added === 0 ? `no new items for space ${v.space}` : `space ${r.space}: ${r.added} new items added (${r.withoutFeatures} without a known feature got zero vectors)`);
  }
}

async function trainCommand(args: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args,
    options: {
      in: { type: 'string', default: 'shelf-shop' }, out: { type: 'string' }, name: { type: 'string', default: 'shelf-shop' }, version: { type: 'string', default: '1' },
      space: { type: 'string' }, seed: { type: 'string', default: '42' }, epochs: { type: 'string', default: '20' }, minutes: { type: 'string', default: '60' },
      dim: { type: 'string', default: '32' }, hidden: { type: 'string', default: '32' }, ffn: { type: 'string', default: '64' }, blocks: { type: 'string', default: '1' },
      'max-len': { type: 'string', default: '20' }, batch: { type: 'string', default: '128' }, negatives: { type: 'string', default: '512' }, lr: { type: 'string', default: '0.003' },
      dropout: { type: 'string', default: '0.3' }, 'valid-users': { type: 'string', default: '3000' }, 'no-smoothing': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'wasm' }, 'no-progress': { type: 'boolean', default: false }, fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return void console.log(usageOf('train'));
  if (v.backend !== 'wasm' && v.backend !== 'cpu') throw new UsageError('--backend must be wasm or cpu');
  quietTfjs();
  const { trainShop, shopConfig } = await import('./train-command.js');
  const { progressBar } = await import('./progress.js');
  const bar = v['no-progress'] ? null : progressBar();
  try {
    await trainShop({
      workspace: v.in!, out: v.out ?? join(v.in!, 'bundle'), name: v.name!, version: num(v.version, 'version'), space: v.space ?? null, seed: num(v.seed, 'seed'),
      epochs: num(v.epochs, 'epochs'), minutes: num(v.minutes, 'minutes'),
      config: shopConfig({ dim: num(v.dim, 'dim'), hidden: num(v.hidden, 'hidden'), ffn: num(v.ffn, 'ffn'), blocks: num(v.blocks, 'blocks'), maxLen: num(v['max-len'], 'max-len') }),
      batch: num(v.batch, 'batch'), negatives: num(v.negatives, 'negatives'), lr: num(v.lr, 'lr'), dropout: num(v.dropout, 'dropout'), validUsers: num(v['valid-users'], 'valid-users'),
      smoothing: !v['no-smoothing'], fresh: v.fresh!, backend: v.backend, command: `shelf train ${args.join(' ')}`,
      log: bar ? bar.log : (l) => console.log(l), onStep: bar?.update,
    });
  } finally {
    bar?.stop();
  }
}

async function evaluateCommand(args: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args,
    options: { in: { type: 'string', default: 'shelf-shop' }, bundle: { type: 'string' }, 'current-order': { type: 'string' }, json: { type: 'string' }, backend: { type: 'string', default: 'wasm' }, help: { type: 'boolean', short: 'h' } },
  });
  if (v.help) return void console.log(usageOf('evaluate'));
  if (v.backend !== 'wasm' && v.backend !== 'cpu') throw new UsageError('--backend must be wasm or cpu');
  quietTfjs();
  const { evaluateShop, readOrder } = await import('./evaluate-command.js');
  const r = await evaluateShop({ bundle: v.bundle ?? join(v.in!, 'bundle'), workspace: v.in!, order: v['current-order'] ? readOrder(v['current-order']) : null, backend: v.backend, log: (l) => console.log(l) });
  const line = (label: string, m: { ndcg10: number; hr10: number }) => `${label.padEnd(16)} NDCG@10 ${m.ndcg10.toFixed(4)}   HR@10 ${m.hr10.toFixed(4)}`;
  console.log(`leave-one-out on the last event of ${r.users} users or sessions, ranked among all ${r.items} items (history excluded):`);
  console.log(line('model', r.model));
  console.log(line('popularity', r.popularity));
  if (r.currentOrder) console.log(line('current order', r.currentOrder));
  if (v.json) {
    const prev = existsSync(v.json) ? (JSON.parse(readFileSync(v.json, 'utf8')) as Record<string, unknown>) : {};
    writeFileSync(v.json, JSON.stringify({ ...prev, ...r }, null, 2) + '\n');
  }
}

async function publishCommand(args: string[]): Promise<void> {
  const { values: v, positionals: p } = parseArgs({
    args, allowPositionals: true,
    options: { server: { type: 'string' }, token: { type: 'string' }, 'not-current': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (v.help) return void console.log(usageOf('publish'));
  if (p.length > 1) throw new UsageError(usageOf('publish'));
  const { publish } = await import('./admin-client.js');
  const r = await publish(adminTarget(v), p[0] ?? join('shelf-shop', 'bundle'), !v['not-current']);
  console.log(`published ${r.model} v${r.version} with space ${r.space}${r.current ? ' (now current)' : ''}`);
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { import: importCommand, train: trainCommand, evaluate: evaluateCommand, publish: publishCommand };

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`shelf: unknown command ${command}\n\n${USAGE}`);
    return 2;
  }
  try {
    await run(rest);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`shelf ${command}: ${(e as Error).message.split('\n')[0]}`);
    return usage ? 2 : 1;
  }
}
