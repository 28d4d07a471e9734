// The feed and history readers on small inline files: every format reads the same items and events, and every
// bad row fails with file, line and field while the previous import stays as it was (all or nothing).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFeed } from './feed.js';
import { parseHistory } from './history.js';
import { importFeed, importHistory } from '../cli/import-command.js';
import { FEED_FILE, HISTORY_FILE, readFeed, readHistory } from './workspace.js';

const TSV = [
  'id\ttitle\tdescription\tlink\timage_link\tprice\tsale_price\tavailability\tbrand\tgoogle_product_category\tproduct_type\titem_group_id\tgtin',
  'A-1\tRed Shoe\tA shoe\thttps://shop.example/a1\thttps://shop.example/a1.jpg\t59.90 EUR\t49.90 EUR\tin stock\tAcme\tApparel & Accessories > Shoes\tShoes > Running\tG1\t4006381333931',
  'B/2, x\tBlue "Hat"\t\t\t\t12 USD\t\tout_of_stock\t\t\t\t\t',
].join('\n');

const RSS = `<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
<channel><title>Shop</title>
<item>
  <g:id>A-1</g:id><title>Red Shoe</title><link>https://shop.example/a1</link>
  <g:price>59.90 EUR</g:price><g:availability>in_stock</g:availability><g:brand>Acme</g:brand>
  <g:product_type>Shoes &gt; Running</g:product_type>
</item>
<item>
  <g:id>B/2, x</g:id><g:title>Blue "Hat"</g:title><g:price>12 USD</g:price>
</item>
</channel></rss>`;

const ATOM = `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<entry><g:id>A-1</g:id><title type="text">Red Shoe</title><link href="https://shop.example/a1"/><g:price>59.90 EUR</g:price></entry>
<entry><g:id>B/2, x</g:id><title>Blue "Hat"</title></entry>
</feed>`;

const JSONL = '{"id":"A-1","title":"Red Shoe","price":"59.90 EUR","brand":"Acme"}\n\n{"g:id":"B/2, x","title":"Blue \\"Hat\\""}\n';

describe('feed import', () => {
  it('reads Merchant Center TSV, RSS, Atom and JSON Lines to the same items', () => {
    for (const [text, file] of [[TSV, 'f.tsv'], [RSS, 'f.xml'], [ATOM, 'f.xml'], [JSONL, 'f.jsonl']] as const) {
      const feed = parseFeed(text, file);
      expect(feed.items.map((i) => [i.id, i.title])).toEqual([['A-1', 'Red Shoe'], ['B/2, x', 'Blue "Hat"']]);
    }
    const tsv = parseFeed(TSV, 'f.tsv').items[0]!;
    expect(tsv).toMatchObject({ price: { amount: 59.9, currency: 'EUR' }, sale_price: { amount: 49.9, currency: 'EUR' }, availability: 'in_stock', brand: 'Acme', gtin: '4006381333931', item_group_id: 'G1' });
    expect(parseFeed(ATOM, 'f.xml').items[0]!.link).toBe('https://shop.example/a1');
    expect(parseFeed(RSS, 'f.xml').items[0]!.product_type).toBe('Shoes > Running');
  });

  it('names file, line and field of a bad row', () => {
    const bad = (text: string, file: string) => () => parseFeed(text, file);
    expect(bad(TSV.replace('59.90 EUR', '59,90'), 'feed.tsv')).toThrow(/^feed\.tsv:2: price: expected "<amount> <currency>"/);
    expect(bad(TSV + '\nA-1\tAgain\t\t\t\t\t\t\t\t\t\t\t', 'feed.tsv')).toThrow(/^feed\.tsv:4: id: duplicate id "A-1" \(first on line 2\)/);
    expect(bad(TSV + '\nC\tc\t\t\t\t\t\t\t\t\t\t\t\textra', 'feed.tsv')).toThrow(/^feed\.tsv:4: 14 fields, but the header has 13$/);
    expect(bad(TSV.replace('\tRed Shoe', '\t'), 'feed.tsv')).toThrow(/^feed\.tsv:2: title: /);
    expect(bad(TSV.replace('4006381333931', '12ab'), 'feed.tsv')).toThrow(/^feed\.tsv:2: gtin: must be 8 to 14 digits/);
    expect(bad(TSV.replace('https://shop.example/a1\t', 'not a url\t'), 'feed.tsv')).toThrow(/^feed\.tsv:2: link: /);
    expect(bad(TSV.replace('\tin stock\t', '\tsometimes\t'), 'feed.tsv')).toThrow(/^feed\.tsv:2: availability: must be one of/);
    expect(bad(RSS.replace('<g:price>12 USD</g:price>', '<g:price>cheap</g:price>'), 'feed.xml')).toThrow(/^feed\.xml:9: price: /);
    expect(bad(RSS.replace('</channel>', ''), 'feed.xml')).toThrow(/^feed\.xml:\d+: not well-formed XML/);
    expect(bad(JSONL.replace('"A-1"', '""'), 'feed.jsonl')).toThrow(/^feed\.jsonl:1: id: required \(missing or empty\)/);
    expect(bad(JSONL + '{"id": "C"', 'feed.jsonl')).toThrow(/^feed\.jsonl:4: not valid JSON/);
    expect(bad('{"id":"A\\u0007","title":"x"}', 'feed.jsonl')).toThrow(/^feed\.jsonl:1: id: printable characters only/);
  });
});

const CSV = 'user_id,item_id,event_type,timestamp\nu1,A-1,view_item,2024-05-01T10:00:00Z\nu1,"B/2, x",purchase,1714557700\nu2,A-1,order,1714557700123\n';

describe('history import', () => {
  it('reads CSV (any delimiter, aliases, Unix or ISO times), JSON Lines and GA4 rows', () => {
    const h = parseHistory(CSV, 'h.csv');
    expect(h.items).toEqual(['A-1', 'B/2, x', 'A-1']);
    expect(Array.from(h.types)).toEqual([0, 3, 3]);
    expect(Array.from(h.ms)).toEqual([Date.parse('2024-05-01T10:00:00Z'), 1714557700000, 1714557700123]);
    expect(parseHistory('session_id;item_id;event;time\n7;9;view;2016-05-09\n', 'h.csv').keys).toEqual(['7']);
    // Column names by priority, not position: item_id wins over a row id column before it.
    expect(parseHistory('id,session_id,user_id,item_id,event,time\n1,s,u,i,view,5\n', 'h.csv')).toMatchObject({ keys: ['u'], items: ['i'] });
    const jl = parseHistory('{"session_id":"s","item_id":"A-1","event_type":"add_to_cart","timestamp":"2024-01-01T00:00:00Z"}\n', 'h.jsonl');
    expect([jl.keys[0], jl.types[0]]).toEqual(['s', 2]);
    const ga4 = [
      { event_name: 'page_view', user_pseudo_id: 'p1', event_timestamp: '1714557700000000' },
      { event_name: 'purchase', user_pseudo_id: 'p1', event_timestamp: '1714557700000001', items: [{ item_id: 'A-1', price: 3 }, { item_id: null, item_name: 'x' }, { item_id: 'B' }] },
    ].map((r) => JSON.stringify(r)).join('\n');
    const g = parseHistory(ga4, 'export.json');
    expect(g.format).toBe('ga4');
    expect(g.items).toEqual(['A-1', 'B']);
    expect(g.ms[0]).toBeCloseTo(1714557700000, 2);
    expect(g.skipped).toBe(2);
  });

  it('names file, line and field of a bad row', () => {
    const bad = (text: string, file: string) => () => parseHistory(text, file);
    expect(bad(CSV.replace('view_item', 'looked'), 'h.csv')).toThrow(/^h\.csv:2: event_type: unknown event type "looked"/);
    expect(bad(CSV.replace(',1714557700\n', ',yesterday\n'), 'h.csv')).toThrow(/^h\.csv:3: timestamp: expected an ISO 8601 date/);
    expect(bad('user_id,item_id,event_type,timestamp\n\n\nu1,,view_item,1\n', 'h.csv')).toThrow(/^h\.csv:4: item_id: must not be empty/);
    expect(bad('user_id,item_id,event_type,timestamp,note\nu1,a,view_item,1,"two\nlines"\nu2,b,view_item,x,\n', 'h.csv')).toThrow(/^h\.csv:4: timestamp: /);
    expect(bad('user_id,item_id,event_type\nu,i,view_item\n', 'h.csv')).toThrow(/^h\.csv:1: timestamp: missing column/);
    expect(bad(CSV + 'u3,x\n', 'h.csv')).toThrow(/^h\.csv:5: 2 fields, but the header has 4$/);
    expect(bad('{"event_name":"purchase","user_pseudo_id":"p","event_timestamp":"1","items":{"item_id":"A"}}\n', 'e.json')).toThrow(/^e\.json:1: items: /);
    expect(parseHistory('{"event_name":"purchase","user_pseudo_id":null,"event_timestamp":"1","items":[{"item_id":"A"}]}\n{"event_name":"purchase","user_pseudo_id":"p","event_timestamp":"1","items":[{"item_id":"A"}]}\n', 'e.json').skipped).toBe(1);
    expect(bad('{"event_name":"purchase","user_pseudo_id":"p","event_timestamp":"x","items":[{"item_id":"A"}]}\n', 'e.json')).toThrow(/^e\.json:1: event_timestamp: /);
  });
});

describe('import command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shelf-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the workspace copy whole, and leaves it untouched when a row is bad', () => {
    const feed = join(dir, 'feed.tsv');
    writeFileSync(feed, TSV);
    expect(importFeed(feed, join(dir, 'ws')).items).toBe(2);
    const hist = join(dir, 'h.csv');
    writeFileSync(hist, CSV);
    expect(importHistory(hist, join(dir, 'ws'))).toMatchObject({ events: 3, keys: 2, items: 2 });
    const before = [readFileSync(join(dir, 'ws', FEED_FILE), 'utf8'), readFileSync(join(dir, 'ws', HISTORY_FILE), 'utf8')];
    writeFileSync(feed, TSV + '\nC\t\t\t\t\t\t\t\t\t\t\t\t');
    expect(() => importFeed(feed, join(dir, 'ws'))).toThrow(/feed\.tsv:4: title/);
    writeFileSync(hist, CSV + 'u9,C,view_item,never\n');
    expect(() => importHistory(hist, join(dir, 'ws'))).toThrow(/h\.csv:5: timestamp/);
    expect([readFileSync(join(dir, 'ws', FEED_FILE), 'utf8'), readFileSync(join(dir, 'ws', HISTORY_FILE), 'utf8')]).toEqual(before);
    expect(readFeed(join(dir, 'ws')).map((i) => i.id)).toEqual(['A-1', 'B/2, x']);
    expect(readHistory(join(dir, 'ws')).items).toEqual(['A-1', 'B/2, x', 'A-1']);
  });
});
