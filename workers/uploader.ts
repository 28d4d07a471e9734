// Sends a model update (weight deltas against the base version) to Shelf's backend. Carries no item ids,
// no event times and no raw events: only the deltas, the base version and an example count.
import {
  ErrorBodySchema,
  HOST_IS_LITTLE_ENDIAN,
  paths,
  PROTOCOL_VERSION,
  UpdateAcceptedSchema,
  type UpdateUpload,
} from '../src/shared/protocol.js';

export interface UploadOutcome {
  /** HTTP status, or null when the request did not reach the server. */
  status: number | null;
  accepted: boolean;
  published: number | null;
  message: string | null;
}

/** Base64 of the delta's float32 little-endian bytes. */
export function encodeDelta(delta: Float32Array): string {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('big-endian hosts are not supported');
  const bytes = new Uint8Array(delta.buffer, delta.byteOffset, delta.byteLength);
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export async function uploadUpdate(
  serverUrl: string,
  model: string,
  baseVersion: number,
  exampleCount: number,
  delta: Float32Array,
): Promise<UploadOutcome> {
  const body: UpdateUpload = { protocol: PROTOCOL_VERSION, model, baseVersion, exampleCount, delta: encodeDelta(delta) };
  let res: Response;
  try {
    res = await fetch(new URL(paths.updates(), serverUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      keepalive: false,
    });
  } catch (err) {
    return { status: null, accepted: false, published: null, message: err instanceof Error ? err.message : String(err) };
  }
  const json: unknown = await res.json().catch(() => null);
  if (res.ok) {
    const ok = UpdateAcceptedSchema.safeParse(json);
    if (ok.success) return { status: res.status, accepted: true, published: ok.data.published, message: null };
    return { status: res.status, accepted: true, published: null, message: 'unexpected response body' };
  }
  const err = ErrorBodySchema.safeParse(json);
  return { status: res.status, accepted: false, published: null, message: err.success ? err.data.message : `HTTP ${res.status}` };
}
