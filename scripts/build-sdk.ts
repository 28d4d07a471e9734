// Builds the published SDK into dist/sdk/ (run by `npm run build` after the demo's `vite build`):
//   shelf-engine.worker.js  the engine worker (ESM; tfjs, idb, the model code) + the tfjs wasm files
//   shelf-client.js         the client (ESM, `.d.ts` beside it) — for bundlers, and imported by the loader
//   shelf-loader.js         the tiny IIFE for the script tag; it carries the client's sha384
//   manifest.json           every file with its size and Subresource Integrity (sha384), plus versioned copies
//   snippet.html / snippet.js  the inline snippet, generated from src/sdk/methods.ts
//   example.html            a shop page that uses only the snippet and data attributes
// File names are pinned (no hashes) so a shop can pin them with SRI; versioned copies live in dist/sdk/<version>/.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

function config(input: string, fileName: string, format: 'es' | 'iife', extra: InlineConfig = {}): InlineConfig {
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
      chunkSizeWarningLimit: 2500,
      rolldownOptions: {
        input: path.join(root, input),
        preserveEntrySignatures: 'strict',
        output: { format, entryFileNames: fileName, assetFileNames: '[name][extname]', codeSplitting: false, ...(format === 'iife' ? { name: 'shelfLoader' } : {}) },
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

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

// 1. The worker (its wasm files land beside it under their own names).
await build(config('workers/engine.worker.ts', SDK_FILES.worker, 'es', { worker: { format: 'es' } }));
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
// Nested worker chunks and their assets (vite names them by hash) sit in assets/; they are listed too.
const shipped = [...(await readdir(out)), ...(await readdir(path.join(out, 'assets')).catch(() => [])).map((n) => `assets/${n}`)];
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
const loaderUrl = `${base.replace(/\/?$/, '/')}${SDK_FILES.loader}`;
const integrity = files[SDK_FILES.loader]!.integrity;
await writeFile(path.join(out, 'snippet.js'), `${buildSnippet({ loaderUrl, integrity, init: {} })}\n`);
await writeFile(path.join(out, 'snippet.html'), `${buildSnippetTag({ loaderUrl, integrity, init: {} })}\n`);
await writeFile(path.join(out, 'example.html'), exampleShop(buildSnippetTag({ loaderUrl, integrity, init: { debug: true } })));

await mkdir(path.dirname(target), { recursive: true });
await rm(target, { recursive: true, force: true });
await rename(out, target);
for (const [name, f] of Object.entries(files)) process.stdout.write(`dist/sdk/${name}  ${(f.bytes / 1024).toFixed(1)} KiB  ${f.integrity}\n`);
