// The leader's calls to the helper aggregator: its public key (relayed to devices in every ticket) and the sum of
// one batch's helper shares. Typed by helper-aggregator/protocol.ts, the one contract of that seam. Never sends a
// leader share or anything a device sent besides report ids and sealed seeds.
import { AggregateResponseSchema, HelperKeySchema, type AggregateRequest, type AggregateResponse, type HelperKey } from '../../src/shared/secure-aggregation/helper-protocol.js';

/** The helper answered with a refusal (4xx): retrying the same batch cannot help. */
export class HelperRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HelperRefused';
  }
}

export interface HelperClient {
  key(): Promise<HelperKey>;
  aggregate(request: AggregateRequest): Promise<AggregateResponse>;
}

async function refusal(res: Response): Promise<HelperRefused> {
  const body = (await res.json().catch(() => null)) as { error?: string; message?: string } | null;
  return new HelperRefused(res.status, body?.error ?? 'helper_error', body?.message ?? `HTTP ${res.status}`);
}

/** A client of the helper at `baseUrl` (ending in '/'). Network errors and 5xx reject with a plain Error (retry later). */
export function helperClient(baseUrl: string, token: string, timeoutMs = 120_000): HelperClient {
  return {
    async key() {
      const res = await fetch(new URL('v1/key', baseUrl), { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw res.status < 500 ? await refusal(res) : new Error(`helper key: HTTP ${res.status}`);
      return HelperKeySchema.parse(await res.json());
    },
    async aggregate(request) {
      const res = await fetch(new URL('v1/aggregate', baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.status >= 400 && res.status < 500) throw await refusal(res);
      if (!res.ok) throw new Error(`helper aggregate: HTTP ${res.status}`);
      return AggregateResponseSchema.parse(await res.json());
    },
  };
}
