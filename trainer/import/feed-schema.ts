// One catalogue item as Shelf keeps it, validated with zod from a Google Merchant Center feed row (TSV, RSS/Atom
// XML with the g: namespace) or a JSON Lines object. Must never accept an id the vector space cannot hold.
import { z } from 'zod';

/** The shop's own item id: 1..256 characters, no control characters, no surrounding spaces. */
export const ItemIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'at most 256 characters')
  .regex(/^[^\p{Cc}\p{Cf}\p{Cs}]+$/u, 'printable characters only')
  .refine((s) => s.trim() === s, 'no leading or trailing spaces');

/** Merchant Center's price: `12.99 USD` (also `USD 12.99`). */
const PriceSchema = z
  .string()
  .transform((s, ctx) => {
    const m = /^(\d+(?:\.\d+)?)\s*([A-Z]{3})$/.exec(s) ?? /^([A-Z]{3})\s*(\d+(?:\.\d+)?)$/.exec(s);
    if (!m) {
      ctx.addIssue({ code: 'custom', message: `expected "<amount> <currency>" like "12.99 USD", got ${JSON.stringify(s.slice(0, 40))}` });
      return z.NEVER;
    }
    const [amount, currency] = /^\d/.test(m[1]!) ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
    return { amount: Number(amount), currency };
  });

const AVAILABILITY = ['in_stock', 'out_of_stock', 'preorder', 'backorder'] as const;

/** Raw feed fields (strings; empty means absent), as every reader hands them over. */
export const FeedRowSchema = z.object({
  id: ItemIdSchema,
  title: z.string().min(1, 'must not be empty').max(1000),
  description: z.string().max(20000).optional(),
  link: z.url().optional(),
  image_link: z.url().optional(),
  price: PriceSchema.optional(),
  sale_price: PriceSchema.optional(),
  availability: z
    .string()
    .transform((s) => s.toLowerCase().replace(/ /g, '_'))
    .pipe(z.enum(AVAILABILITY, { error: `must be one of ${AVAILABILITY.join(', ')}` }))
    .optional(),
  brand: z.string().max(200).optional(),
  google_product_category: z.string().max(1000).optional(),
  product_type: z.string().max(1000).optional(),
  item_group_id: z.string().max(256).optional(),
  gtin: z.string().regex(/^\d{8,14}$/, 'must be 8 to 14 digits').optional(),
});
export type FeedItem = z.output<typeof FeedRowSchema>;

/** The feed fields Shelf reads; other columns are ignored. */
export const FEED_FIELDS = Object.keys(FeedRowSchema.shape) as (keyof typeof FeedRowSchema.shape)[];

/** Header names as shops write them (`g:image_link`, `Image Link`) → the field name. */
export function feedFieldName(header: string): string {
  return header.trim().toLowerCase().replace(/^g:/, '').replace(/[\s-]+/g, '_');
}

/** Drops empty values so optional fields read as absent, and turns numbers into strings. */
export function cleanRow(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || v === null) continue;
    const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : v;
    if (s === '') continue;
    out[k] = s;
  }
  return out;
}
