// `shelf import feed … --server --space --bundle`: content vectors for feed items the space does not have yet (not
// in the bundle, not pushed before from this workspace), sent with the contract's add-items call. The ids pushed
// are recorded in the workspace so the next import sends only newer ones. Must never resend a vector in use.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFeed } from '../import/workspace.js';
import { readBundle } from '../shop/bundle.js';
import { contentVector } from '../shop/content-features.js';
import { addItems, type AdminTarget } from './admin-client.js';

export async function pushNewItems(o: AdminTarget & { workspace: string; space: string; bundle: string }): Promise<{ space: string; added: number; withoutFeatures: number }> {
  const b = readBundle(o.bundle);
  if (!b.contentFeatures) throw new Error(`${o.bundle}: no content-features.json (train the bundle with this version of shelf)`);
  const record = join(o.workspace, `pushed-${o.space}.json`);
  const pushed = new Set<string>(existsSync(record) ? (JSON.parse(readFileSync(record, 'utf8')) as string[]) : []);
  const known = new Set([...b.ids, ...pushed]);
  const fresh = readFeed(o.workspace).filter((i) => !known.has(i.id));
  if (fresh.length === 0) return { space: o.space, added: 0, withoutFeatures: 0 };
  const d = b.space.dim;
  const vectors = new Float32Array(fresh.length * d);
  let without = 0;
  fresh.forEach((item, k) => {
    const v = contentVector(b.contentFeatures!, item);
    if (v) vectors.set(v, k * d);
    else without++;
  });
  const r = await addItems(o, o.space, fresh.map((i) => i.id), vectors);
  writeFileSync(record, JSON.stringify([...pushed, ...fresh.map((i) => i.id)]) + '\n');
  return { space: r.space, added: r.added, withoutFeatures: without };
}
