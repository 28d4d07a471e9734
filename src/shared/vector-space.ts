// The wire format of vector spaces, shared by the server and the engine: what a space id and a shop's item id
// may be, the answer of GET /v1/vectors, and how its ids travel in the URL. No DOM, Worker or Node APIs.
import { z } from 'zod';

/** A vector space's id (the `vectorSpace` a model version's manifest names). */
export const SpaceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a space id: 1..64 of a-z 0-9 . _ -, starting with a letter or digit');

/** Most ids one GET /v1/vectors may ask for. */
export const MAX_VECTOR_IDS = 200;
/** Longest item id (characters). */
export const MAX_ITEM_ID = 256;

/** True for a shop item id: 1..256 characters, none of them a control character. */
export function isItemId(id: unknown): id is string {
  // eslint-disable-next-line no-control-regex
  return typeof id === 'string' && id.length >= 1 && id.length <= MAX_ITEM_ID && !/[\u0000-\u001f\u007f]/.test(id);
}

export const ItemIdSchema = z.string().refine(isItemId, 'an item id: 1..256 characters, no control characters');

/** The answer of GET /v1/vectors: each vector is the base64 of `dim` float32 values, little-endian. */
export const VectorsResponseSchema = z.object({
  space: z.string(),
  dim: z.int().min(1),
  vectors: z.record(z.string(), z.string()),
  missing: z.array(z.string()),
});
export type VectorsResponse = z.infer<typeof VectorsResponseSchema>;

/**
 * The query of GET /v1/vectors: ids percent-encoded one by one (a comma inside an id becomes %2C) and joined by
 * literal commas; the space when given.
 * @example vectorsQuery(['a,b', 'c'], 'shop-1') === 'space=shop-1&ids=a%2Cb,c'
 */
export function vectorsQuery(ids: readonly string[], space: string | null): string {
  return `${space ? `space=${encodeURIComponent(space)}&` : ''}ids=${ids.map(encodeURIComponent).join(',')}`;
}
