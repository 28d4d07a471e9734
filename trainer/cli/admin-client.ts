// The client side of the admin API in the shop contract: publish a bundle (POST /v1/admin/models/:name/versions)
// and add content vectors for new feed items (POST /v1/admin/spaces/:space/items), with the bearer token.
// Must never send a bundle whose hashes it has not checked, and never print the token.
import { readBundle, bytesOf, SpaceIdSchema } from '../shop/bundle.js';
import { sha256Hex } from '../import/workspace.js';

/** An answer of the server other than the expected 2xx, as one line: `HTTP 409 space_exists: …`. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  constructor(readonly status: number, readonly code: string, detail: string) {
    super(`HTTP ${status} ${code}: ${detail}`);
  }
}

export interface AdminTarget {
  server: string;
  token: string;
  fetch?: typeof fetch;
}

async function post(t: AdminTarget, path: string, body: unknown): Promise<Record<string, unknown>> {
  const url = new URL(path, t.server.endsWith('/') ? t.server : `${t.server}/`);
  let res: Response;
  try {
    res = await (t.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token}` },
      body: JSON.stringify(body),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) throw new AdminApiError(res.status, String(json['error'] ?? 'error'), String(json['message'] ?? text.slice(0, 200)));
  return json;
}

const b64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** The contract's publish body for a bundle (checked by readBundle first). */
export function publishBody(dir: string, makeCurrent: boolean) {
  const b = readBundle(dir);
  return {
    name: b.manifest.name,
    body: {
      config: b.manifest.config,
      weights: b64(b.weights),
      weightsSha256: b.manifest.files[0]!.sha256,
      space: { id: b.space.id, dim: b.space.dim, ids: b.ids, vectors: b64(b.vectors), sha256: b.space.sha256 },
      training: b.training,
      makeCurrent,
    },
  };
}

export async function publish(t: AdminTarget, dir: string, makeCurrent = true): Promise<{ model: string; version: number; space: string; current: boolean }> {
  const { name, body } = publishBody(dir, makeCurrent);
  const r = await post(t, `v1/admin/models/${encodeURIComponent(name)}/versions`, body);
  return r as { model: string; version: number; space: string; current: boolean };
}

/** Adds vectors of items new to a space; `vectors` is ids.length × dim float32. */
export async function addItems(t: AdminTarget, space: string, ids: readonly string[], vectors: Float32Array): Promise<{ space: string; added: number }> {
  SpaceIdSchema.parse(space);
  const bytes = bytesOf(vectors);
  const r = await post(t, `v1/admin/spaces/${encodeURIComponent(space)}/items`, { ids, vectors: b64(bytes), sha256: sha256Hex(bytes) });
  return r as { space: string; added: number };
}
