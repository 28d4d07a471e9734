// Builds server/demo/catalog.json from the facts of the MIT-licensed DummyJSON catalogue in ../shared/data.
// Keeps facts only (id, title, brand, category, price, rating); descriptions, reviews and image URLs are
// left out. Run: npm run catalog [-- path/to/dummyjson-products.json]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

const Source = z.array(
  z.object({
    id: z.number(),
    title: z.string(),
    brand: z.string().optional(),
    category: z.string(),
    price: z.number(),
    rating: z.number(),
  }),
);

const input = resolve(process.argv[2] ?? '../shared/data/catalog/dummyjson-products.json');
const output = resolve('server/demo/catalog.json');
const products = Source.parse(JSON.parse(readFileSync(input, 'utf8'))).map((p) => ({
  id: `p${p.id}`,
  title: p.title,
  brand: p.brand ?? null,
  category: p.category,
  price: p.price,
  rating: p.rating,
}));
mkdirSync(dirname(output), { recursive: true });
writeFileSync(
  output,
  JSON.stringify(
    {
      attribution:
        'Product facts (titles, brands, categories, prices, ratings) from DummyJSON (https://github.com/Ovi/DummyJSON), MIT licence. Descriptions, reviews and images are not included.',
      products,
    },
    null,
    1,
  ) + '\n',
);
console.log(`wrote ${products.length} products to ${output}`);
