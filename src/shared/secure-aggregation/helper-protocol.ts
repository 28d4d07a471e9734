// The leader ↔ helper seam of secure aggregation, declared once as zod schemas used by both sides: the helper's
// public key (GET /v1/key, which the leader relays to devices in every ticket) and the aggregation of one batch
// (POST /v1/aggregate, bearer token shared by the two operators). Must never carry anything but report ids,
// sealed seeds and the helper's summed share.
import { z } from 'zod';

export const HelperKeySchema = z.object({
  /** First 4 bytes of SHA-256 of the raw public key, as a u32. */
  keyId: z.int().min(0).max(0xffffffff),
  /** Raw uncompressed P-256 public key, base64 (65 bytes). */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{86}[A-Za-z0-9+/=]{2}$/, 'a base64 P-256 public key (65 bytes)'),
  /**
   * SHA-256 of the raw public key, lowercase hex: the fingerprint a shop pins (the SDK's `helperKeySha256`). For the
   * helper's operator to publish; a device never trusts it from the leader and computes it from `publicKey` itself.
   * Absent from helpers older than the pin.
   */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type HelperKey = z.infer<typeof HelperKeySchema>;

export const AggregateRequestSchema = z.object({
  model: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  round: z.int().min(1),
  /** Values per share (the model's parameter count). */
  params: z.int().min(1).max(4_000_000),
  reports: z
    .array(z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a report id is a ticket nonce (base64url)'), sealed: z.string().min(1).max(400) }))
    .min(1)
    .max(100_000),
});
export type AggregateRequest = z.infer<typeof AggregateRequestSchema>;

export const AggregateResponseSchema = z.object({
  batch: z.string(),
  /** Ids of the reports whose seeds opened and are in `share`, in request order. */
  included: z.array(z.string()),
  /** Ids whose sealed seed did not open (another key, another context, tampered): not in the sum. */
  rejected: z.array(z.string()),
  /** The helper's share of the batch's sum: u32 little-endian × params, base64. */
  share: z.string(),
});
export type AggregateResponse = z.infer<typeof AggregateResponseSchema>;
