// Builds the published SDK into dist/sdk/ (run by `npm run build` after the demo's `vite build`):
//   shelf-engine.worker.js   the engine worker's entry (ESM) and shelf-trainer.worker.js, the training worker's:
//                            one build, so both import the same hashed chunks (tfjs-core, each backend, the
//                            model code, the one tfjs wasm file); a backend's chunk is fetched only when tried
//   shelf-client.js         the client (ESM, `.d.ts` beside it) — for bundlers, and imported by the loader
//   shelf-loader.js         the tiny IIFE for the script tag; it carries the client's sha384
//   manifest.json           every file with its size and Subresource Integrity (sha384), plus versioned copies
//   snippet.html / snippet.js  the inline snippet, generated from src/sdk/methods.ts
//   example.html            a shop page that uses only the snippet and data attributes
// Entry names are pinned (no hashes) so a shop can pin them with SRI; versioned copies live in dist/sdk/<version>/.
// Every other file has a content hash in its name (served immutable) and every file is pre-compressed beside
// itself (.br, .gz) for @fastify/static's `preCompressed`.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { build, type InlineConfig } from 'vite';
import { SDK_FILES } from '../src/sdk/methods.js';
import { buildSnippet, buildSnippetTag } from '../src/sdk/snippet.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'dist', 'sdk');
// Built in a private folder and moved into dist/sdk/ at the end, so a concurrent demo build that empties dist/
// cannot leave a half-written SDK behind.
const out = path.join(root, 'build', `sdk-${process.pid}`);
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };

function sri(data: Buffer): string {
  return `sha384-${createHash('sha384').update(data).digest('base64')}`;
}

function config(input: string | Record<string, string>, fileName: string, format: 'es' | 'iife', extra: InlineConfig = {}): InlineConfig {
  return {
    configFile: false,
    root,
    base: './',
    logLevel: 'warn',
    publicDir: false,
    ...extra,
    build: {
      target: 'es2022',
      outDir: out,
      emptyOutDir: false,
      sourcemap: false,
      minify: true,
      copyPublicDir: false,
      reportCompressedSize: false,
      // Workers have no document: no <link rel=modulepreload> helper around dynamic imports.
      modulePreload: false,
      chunkSizeWarningLimit: 2500,
      rolldownOptions: {
        input: typeof input === 'string' ? path.join(root, input) : Object.fromEntries(Object.entries(input).map(([k, v]) => [k, path.join(root, v)])),
        preserveEntrySignatures: 'strict',
        output: {
          format,
          entryFileNames: fileName,
          // Hashed names: served immutable. All in one folder, so a chunk finds the training worker beside it.
          chunkFileNames: 'shelf-[name]-[hash].js',
          assetFileNames: 'shelf-[name]-[hash][extname]',
          codeSplitting: typeof input !== 'string',
          ...(format === 'iife' ? { name: 'shelfLoader' } : {}),
        },
      },
    },
  };
}

/** A shop page that uses only the snippet, data attributes and rerankElements (served at /sdk/example.html). */
function exampleShop(snippetTag: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shelf SDK example</title>
${snippetTag}
<style>body{font:15px system-ui;margin:2rem}ol{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.5rem;padding:0;list-style:none}li{border:1px solid #ccc;border-radius:6px;padding:.5rem;cursor:pointer}</style>
</head><body>
<h1>Shelf SDK example</h1>
<p>The snippet, <code>data-shelf-*</code> attributes and <code>shelf.rerankElements</code>: click products (each click is a
<code>select_item</code>), then reload to see the list follow you. The console shows Shelf's debug log.</p>
<ol id="products" data-shelf-list-id="example"></ol>
<script>
fetch('/v1/candidates?list=all&limit=24').then((r) => r.json()).then(({ items }) => {
  const list = document.getElementById('products');
  for (const p of items) {
    const li = document.createElement('li');
    li.dataset.shelfItemId = p.id;
    li.dataset.shelfVector = JSON.stringify(p.vector);
    li.textContent = p.title + ' (' + p.category + ')';
    list.append(li);
  }
  return shelf.rerankElements(list);
});
</script>
</body></html>
`;
}

/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip -9) beside every shipped text or wasm file in
 * `dir` (recursively), when smaller: @fastify/static (`preCompressed`) then serves the one the browser accepts.
 */
async function precompress(dir: string, recursive = true): Promise<void> {
  const br = promisify(brotliCompress);
  const gz = promisify(gzip);
  for (const entry of await readdir(dir, { recursive, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile() || !/\.(js|mjs|wasm|json|html|css|svg|map)$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const data = await readFile(file);
    const [b, g] = await Promise.all([
      br(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length } }),
      gz(data, { level: 9 }),
    ]);
    if (b.length < data.length) await writeFile(`${file}.br`, b);
    if (g.length < data.length) await writeFile(`${file}.gz`, g);
  }
}

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

// 1. The engine and training workers, one build: shared chunks, so tfjs and the wasm file exist once.
await build(
  config({ [SDK_FILES.worker.replace(/\.js$/, '')]: 'workers/engine.worker.ts', [SDK_FILES.trainer.replace(/\.js$/, '')]: 'workers/trainer.worker.ts' }, '[name].js', 'es', {
    resolve: { alias: [{ find: /^\.\/trainer-url\.js$/, replacement: path.join(root, 'workers/sdk-trainer-url.ts') }] },
  }),
);
// 2. The client, with the worker URL pointing beside it instead of at vite's bundled worker chunk.
await build(
  config('src/sdk/index.ts', SDK_FILES.client, 'es', {
    resolve: { alias: [{ find: /^\.\/worker-url\.js$/, replacement: path.join(root, 'src/sdk/worker-url.ts') }] },
  }),
);
const clientSri = sri(await readFile(path.join(out, SDK_FILES.client)));
// 3. The loader, which carries the client's integrity.
await build(config('src/sdk/loader.ts', SDK_FILES.loader, 'iife', { define: { __SHELF_CLIENT_SRI__: JSON.stringify(clientSri) } }));

// Declarations for bundlers: tsc emits the page sources' .d.ts; shelf-client.d.ts re-exports the SDK entry.
execFileSync(
  process.execPath,
  [
    path.join(root, 'node_modules/typescript/bin/tsc'),
    '--ignoreConfig', 'src/sdk/index.ts', 'src/assets.d.ts',
    '--declaration', '--emitDeclarationOnly', '--outDir', path.join(out, 'types'), '--rootDir', 'src',
    '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--lib', 'es2022,dom,dom.iterable',
    '--strict', '--skipLibCheck', '--types', '', '--verbatimModuleSyntax', '--resolveJsonModule',
  ],
  { cwd: root, stdio: 'inherit' },
);
await writeFile(path.join(out, 'shelf-client.d.ts'), "export * from './types/sdk/index.js';\n");

// Manifest with SRI for every shipped file, and versioned copies (immutable URLs for long caching).
const files: Record<string, { bytes: number; integrity: string; versioned: string }> = {};
const versionDir = path.join(out, pkg.version);
await mkdir(versionDir, { recursive: true });
// The workers' shared chunks and the wasm file (hashed names) sit beside the entries; they are listed too.
const shipped = await readdir(out);
for (const name of shipped.sort()) {
  if (!/\.(js|wasm)$/.test(name)) continue;
  const data = await readFile(path.join(out, name));
  files[name] = { bytes: data.length, integrity: sri(data), versioned: `${pkg.version}/${name}` };
  await mkdir(path.dirname(path.join(versionDir, name)), { recursive: true });
  await copyFile(path.join(out, name), path.join(versionDir, name));
}
const manifest = { name: 'shelf', version: pkg.version, builtAt: new Date().toISOString(), files };
await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

// The snippet, for the loader on this server (`SHELF_SDK_URL` overrides, e.g. a CDN base).
const base = process.env['SHELF_SDK_URL'] ?? '/sdk/';
if (!/^https?:\/\//.test(base)) {
  process.stdout.write(
    `snippet.html loads the loader from '${base}' (relative): it works only on pages Shelf's own server serves. For a shop, build with SHELF_SDK_URL=https://<shelf origin>/sdk/\n`,
  );
}
const loaderUrl = `${base.replace(/\/?$/, '/')}${SDK_FILES.loader}`;
const integrity = files[SDK_FILES.loader]!.integrity;
await writeFile(path.join(out, 'snippet.js'), `${buildSnippet({ loaderUrl, integrity, init: {} })}\n`);
await writeFile(path.join(out, 'snippet.html'), `${buildSnippetTag({ loaderUrl, integrity, init: {} })}\n`);
await writeFile(path.join(out, 'example.html'), exampleShop(buildSnippetTag({ loaderUrl, integrity, init: { debug: true } })));

await precompress(out);

await mkdir(path.dirname(target), { recursive: true });
await rm(target, { recursive: true, force: true });
await rename(out, target);
// The demo site vite built just before (its pages and hashed assets) is served the same way.
await precompress(path.join(root, 'dist'), false);
await precompress(path.join(root, 'dist', 'assets'));
for (const [name, f] of Object.entries(files)) process.stdout.write(`dist/sdk/${name}  ${(f.bytes / 1024).toFixed(1)} KiB  ${f.integrity}\n`);
