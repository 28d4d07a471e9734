// Prints the sizes of the built SDK (dist/sdk/: each shipped .js and .wasm file, raw, gzip -9 and brotli -11, as
// the server sends them pre-compressed) and, with --write, puts the table into docs/SDK.md between the
// `<!-- sdk-sizes -->` markers. Run after `npm run build`: `npm run sdk:sizes -- --write`. Reads only dist/sdk/.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { SDK_FILES } from '../src/sdk/methods.js';

const dir = 'dist/sdk';
const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const entries = new Set<string>(Object.values(SDK_FILES));
const what = (name: string): string => {
  if (name === SDK_FILES.loader) return 'the script-tag loader (IIFE)';
  if (name === SDK_FILES.client) return 'the client: API, consent, events, queue replay';
  if (name === SDK_FILES.worker) return "the engine worker's entry: engine, idb, comlink, zod";
  if (name === SDK_FILES.trainer) return "the training worker's entry";
  if (name.endsWith('.wasm')) return /simd-[^-]+\.wasm$/.test(name) && !name.includes('threaded') ? 'tfjs wasm (SIMD): the one a current browser fetches' : 'tfjs wasm, other builds (fetched only without SIMD)';
  return 'shared chunk (hashed, immutable)';
};

const rows = readdirSync(dir)
  .filter((f) => /\.(js|wasm)$/.test(f))
  .map((name) => {
    const data = readFileSync(`${dir}/${name}`);
    return {
      name,
      raw: data.length,
      gzip: gzipSync(data, { level: 9 }).length,
      br: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  })
  .sort((a, b) => Number(entries.has(b.name)) - Number(entries.has(a.name)) || b.br - a.br);

const table = [
  '| file (`dist/sdk/`) | what | raw | gzip | brotli |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| \`${r.name}\` | ${what(r.name)} | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.br)} |`),
].join('\n');
process.stdout.write(`${table}\n`);

if (process.argv.includes('--write')) {
  const path = 'docs/SDK.md';
  const doc = readFileSync(path, 'utf8');
  const re = /<!-- sdk-sizes -->[\s\S]*?<!-- \/sdk-sizes -->/;
  if (!re.test(doc)) throw new Error(`${path} has no <!-- sdk-sizes --> … <!-- /sdk-sizes --> markers`);
  writeFileSync(path, doc.replace(re, `<!-- sdk-sizes -->\n${table}\n<!-- /sdk-sizes -->`));
  process.stdout.write(`written to ${path}\n`);
}
