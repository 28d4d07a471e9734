// Product pictures drawn locally from a product's category and title (an SVG data URL): no network, no
// borrowed images. Deterministic: the same product always gets the same picture. Must never put unescaped
// text into the SVG (titles come from the catalogue, not from us).

export interface ImageFacts {
  readonly id: string;
  readonly title: string;
  readonly category: string;
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A stable hue (0–359) for a category, shared by its pictures, badges and charts. */
export function categoryHue(category: string): number {
  return hash(category) % 360;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Simple silhouettes for the catalogue's kinds of product; anything else gets a hashed geometric shape. */
const GLYPHS: readonly [RegExp, string][] = [
  [/phone|tablet/, '<rect x="78" y="30" width="44" height="84" rx="7" fill="#fff" opacity=".9"/><rect x="83" y="38" width="34" height="62" rx="2" fill="currentColor" opacity=".35"/>'],
  [/laptop/, '<rect x="58" y="40" width="84" height="54" rx="4" fill="#fff" opacity=".9"/><path d="M46 100h108l-8 10H54z" fill="#fff" opacity=".8"/>'],
  [/fragrance/, '<rect x="86" y="34" width="28" height="14" rx="3" fill="#fff" opacity=".8"/><rect x="70" y="48" width="60" height="64" rx="14" fill="#fff" opacity=".9"/>'],
  [/beauty|skin-care/, '<rect x="84" y="36" width="32" height="28" rx="4" fill="#fff" opacity=".8"/><rect x="76" y="62" width="48" height="50" rx="8" fill="#fff" opacity=".9"/>'],
  [/shoe/, '<path d="M50 100c0-22 10-40 22-40 8 0 10 14 30 18 22 4 48 6 48 22z" fill="#fff" opacity=".9"/>'],
  [/shirt|top|dress/, '<path d="M70 40l18-8h24l18 8 16 22-16 8-6-8v56H76V62l-6 8-16-8z" fill="#fff" opacity=".9"/>'],
  [/watch/, '<rect x="88" y="26" width="24" height="92" rx="6" fill="#fff" opacity=".6"/><circle cx="100" cy="72" r="24" fill="#fff" opacity=".95"/>'],
  [/bag/, '<path d="M80 58a20 20 0 0 1 40 0" stroke="#fff" stroke-width="6" fill="none"/><rect x="62" y="58" width="76" height="54" rx="8" fill="#fff" opacity=".9"/>'],
  [/jewel|sunglass/, '<circle cx="78" cy="74" r="18" fill="none" stroke="#fff" stroke-width="8"/><circle cx="122" cy="74" r="18" fill="none" stroke="#fff" stroke-width="8"/>'],
  [/groceries/, '<circle cx="100" cy="76" r="34" fill="#fff" opacity=".9"/><rect x="96" y="30" width="8" height="16" rx="3" fill="#fff"/>'],
  [/kitchen/, '<rect x="60" y="58" width="80" height="48" rx="8" fill="#fff" opacity=".9"/><rect x="52" y="50" width="96" height="10" rx="4" fill="#fff"/><rect x="140" y="66" width="22" height="6" rx="3" fill="#fff" opacity=".8"/>'],
  [/furniture|home-decoration/, '<rect x="58" y="62" width="84" height="30" rx="6" fill="#fff" opacity=".9"/><rect x="62" y="40" width="76" height="26" rx="6" fill="#fff" opacity=".7"/><rect x="64" y="92" width="8" height="18" fill="#fff"/><rect x="128" y="92" width="8" height="18" fill="#fff"/>'],
  [/motorcycle|vehicle/, '<circle cx="66" cy="96" r="16" fill="none" stroke="#fff" stroke-width="7"/><circle cx="134" cy="96" r="16" fill="none" stroke="#fff" stroke-width="7"/><path d="M66 96l24-30h30l14 30" stroke="#fff" stroke-width="7" fill="none"/>'],
  [/sports/, '<circle cx="100" cy="74" r="36" fill="#fff" opacity=".9"/><path d="M64 74h72M100 38v72" stroke="currentColor" stroke-width="3" opacity=".4"/>'],
];

function glyph(category: string, seed: number): string {
  for (const [re, svg] of GLYPHS) if (re.test(category)) return svg;
  const r = 26 + (seed % 14);
  return seed % 2 === 0
    ? `<circle cx="100" cy="74" r="${r}" fill="#fff" opacity=".9"/>`
    : `<rect x="${100 - r}" y="${74 - r}" width="${2 * r}" height="${2 * r}" rx="10" fill="#fff" opacity=".9" transform="rotate(${seed % 30} 100 74)"/>`;
}

/** A per-product backdrop (stripes, dots or rings, placed by the product's hash), so no two products look alike. */
function backdrop(seed: number): string {
  const kind = seed % 3;
  const a = (seed >> 3) % 180;
  if (kind === 0) {
    return `<g opacity=".13" transform="rotate(${a} 100 75)">${[0, 1, 2, 3, 4].map((k) => `<rect x="-60" y="${-40 + k * 50}" width="320" height="${8 + ((seed >> k) % 14)}" fill="#fff"/>`).join('')}</g>`;
  }
  if (kind === 1) {
    return `<g opacity=".16" fill="#fff">${[0, 1, 2, 3, 4, 5].map((k) => `<circle cx="${(seed >> (k * 3)) % 200}" cy="${(seed >> (k * 2 + 5)) % 150}" r="${4 + ((seed >> k) % 9)}"/>`).join('')}</g>`;
  }
  return `<g opacity=".14" fill="none" stroke="#fff" stroke-width="6">${[0, 1, 2].map((k) => `<circle cx="${(seed >> (k * 4)) % 200}" cy="${(seed >> (k * 3 + 7)) % 150}" r="${18 + k * 16}"/>`).join('')}</g>`;
}

/** The product's picture as SVG markup (200 × 150). */
export function productSvg(p: ImageFacts): string {
  const h = categoryHue(p.category);
  const seed = hash(p.id + p.title);
  const shift = (seed % 70) - 35;
  // The category's silhouette, turned, scaled and placed per product.
  const pose = `translate(${((seed >> 5) % 31) - 15} ${((seed >> 9) % 13) - 6}) rotate(${((seed >> 13) % 25) - 12} 100 74) translate(100 74) scale(${0.82 + ((seed >> 17) % 28) / 100}) translate(-100 -74)`;
  const initials = p.title
    .split(/\s+/)
    .filter((w) => /^[A-Za-z0-9]/.test(w))
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 150" width="200" height="150" color="hsl(${h} 50% 30%)">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${h} 60% 62%)"/>` +
    `<stop offset="1" stop-color="hsl(${(h + shift + 360) % 360} 55% 42%)"/></linearGradient></defs>` +
    `<rect width="200" height="150" fill="url(#g)"/>` +
    backdrop(seed) +
    `<g transform="${pose}">${glyph(p.category, seed)}</g>` +
    `<text x="10" y="140" font-family="system-ui,sans-serif" font-size="13" font-weight="700" fill="#fff" opacity=".85">${escapeXml(initials)}</text>` +
    `</svg>`
  );
}

/** The picture as a data URL for an `<img src>` (an image document cannot run scripts). */
export function productImageUrl(p: ImageFacts): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(productSvg(p))}`;
}
