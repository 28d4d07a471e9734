// The fuzzer's requests derived from the server's OpenAPI document (GET /v1/openapi.json, generated from the routes'
// zod schemas): every documented operation, its path and query parameters and its JSON body, each either valid by
// its schema or broken in one place (a mangled segment, a wrong-typed field, junk JSON, random bytes, another
// method). A route added to the server is fuzzed without touching this file. fast-check has no JSON Schema
// support, so `valueArb` turns the subset the zod transform emits (object, array, string with pattern or enum,
// integer, number, boolean, null, const, anyOf) into arbitraries.
// Must never send anything to a host other than the one it is given.
import fc from 'fast-check';
import { mulberry32 } from '../../src/shared/model/weights.js';

export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

interface Parameter {
  readonly in: string;
  readonly name: string;
  readonly required?: boolean;
  readonly schema?: JsonSchema;
}

interface Operation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content?: Readonly<Record<string, { readonly schema?: JsonSchema }>> };
}

export interface OpenApiDoc {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
}

/** A documented operation: method, path template (`/models/{name}/latest.json`), and what it takes. */
export interface DocOperation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: JsonSchema | null;
}

export type RawRequest = { readonly method: string; readonly path: string; readonly headers: Record<string, string>; readonly body: Uint8Array | null };

const HTTP_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'patch', 'options']);
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

/** Reads the document from a running server. */
export async function fetchOpenApi(base: string): Promise<OpenApiDoc> {
  const res = await fetch(new URL('/v1/openapi.json', base));
  if (!res.ok) throw new Error(`GET /v1/openapi.json answered ${res.status}`);
  const doc = (await res.json()) as OpenApiDoc;
  if (!doc.paths || Object.keys(doc.paths).length === 0) throw new Error('the OpenAPI document lists no paths');
  return doc;
}

/** Every operation in the document. */
export function operations(doc: OpenApiDoc): DocOperation[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([m]) => HTTP_METHODS.has(m))
      .map(([m, op]) => ({ method: m.toUpperCase(), path, parameters: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema ?? null })),
  );
}

const INT32 = 2 ** 31 - 1;
const clampInt = (v: number | undefined, fallback: number) => (v === undefined ? fallback : Math.max(-INT32 - 1, Math.min(INT32, Math.ceil(v))));

/** Values valid by `s` (as far as the subset above goes), at most a few items per array. */
export function valueArb(s: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => valueArb(a, depth + 1)));
  const type = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => valueArb({ ...s, type: t }, depth)));
  switch (type[0]) {
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      const required = new Set(s.required ?? []);
      if (depth > 6) return fc.constant({});
      return fc.record(Object.fromEntries(props.map(([k, v]) => [k, valueArb(v, depth + 1)])), { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
    }
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 4, minLength + 4));
      return fc.array(s.items ? valueArb(s.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), { minLength, maxLength });
    }
    case 'string': {
      if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? Infinity) && v.length >= (s.minLength ?? 0));
      return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, (s.minLength ?? 0) + 40) });
    }
    case 'integer':
      return fc.integer({ min: clampInt(s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : undefined), -1000), max: clampInt(s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : undefined), 1_000_000) });
    case 'number':
      return fc.double({ min: s.minimum ?? s.exclusiveMinimum ?? -1e6, max: s.maximum ?? s.exclusiveMaximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A value of the wrong kind for any field: what a broken client or an attacker sends instead. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, -1, 0, 1e309, '', 'x', [], {}, '__proto__', 2 ** 53 + 1, -(2 ** 31) - 1),
  fc.string({ maxLength: 30 }),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A valid value with one field (at any depth) replaced by a wrong one. */
function breakOne(value: unknown, rand: () => number): unknown {
  if (Array.isArray(value) && value.length > 0) {
    const i = Math.floor(rand() * value.length);
    return value.map((v, k) => (k === i ? breakOne(v, rand) : v));
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return fc.sample(wrongValue, { numRuns: 1, seed: Math.floor(rand() * 1e9) })[0];
    const k = keys[Math.floor(rand() * keys.length)]!;
    return { ...(value as Record<string, unknown>), [k]: rand() < 0.5 ? breakOne((value as Record<string, unknown>)[k], rand) : fc.sample(wrongValue, { numRuns: 1, seed: Math.floor(rand() * 1e9) })[0] };
  }
  return fc.sample(wrongValue, { numRuns: 1, seed: Math.floor(rand() * 1e9) })[0];
}

/** Path segments no schema allows: traversal, broken escapes, NUL, very long, binary. */
export const badSegment = fc.oneof(
  fc.constantFrom('..', '.', '%', '%zz', '%00', '%2F', '%ff%fe', '~', '', '0', '-1', '01', '999999999999', 'latest.json'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 200, maxLength: 3000 }),
);

const enc = new TextEncoder();
const json = (v: unknown) => enc.encode(JSON.stringify(v) ?? 'null');

/** Requests for one documented operation: valid, or broken in one place. */
function operationArb(op: DocOperation): fc.Arbitrary<RawRequest> {
  const params = op.parameters.filter((p) => p.in === 'path');
  const query = op.parameters.filter((p) => p.in === 'query');
  const pathValue = (p: Parameter) => fc.oneof({ weight: 4, arbitrary: valueArb(p.schema ?? { type: 'string' }).map((v) => encodeURIComponent(String(v))) }, { weight: 1, arbitrary: badSegment });
  const queryValue = (p: Parameter) =>
    fc.oneof(
      { weight: 3, arbitrary: valueArb(p.schema ?? { type: 'string' }).map((v) => `${p.name}=${encodeURIComponent(String(v))}`) },
      { weight: 1, arbitrary: badSegment.map((v) => `${p.name}=${v}`) },
      { weight: 1, arbitrary: fc.constant('') },
    );
  const body: fc.Arbitrary<Uint8Array | null> = op.body
    ? fc.oneof(
        { weight: 5, arbitrary: valueArb(op.body).map(json) },
        { weight: 3, arbitrary: fc.tuple(valueArb(op.body), fc.integer()).map(([v, seed]) => json(breakOne(v, mulberry32(seed)))) },
        { weight: 1, arbitrary: fc.constantFrom('{', '[', 'nul', '"\\ud800"', '{"__proto__": {"x": 1}}', '1'.repeat(400)).map((t) => enc.encode(t)) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => new Uint8Array(n).fill(0x7b)) },
      )
    : fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }) });
  return fc
    .record({
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      segments: fc.tuple(...params.map(pathValue)),
      query: fc.tuple(...query.map(queryValue)),
      body,
      json: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    })
    .map(({ method, segments, query: q, body: b, json: asJson }): RawRequest => {
      let path = op.path;
      params.forEach((p, i) => (path = path.replace(`{${p.name}}`, segments[i]!)));
      const qs = q.filter((x) => x !== '').join('&');
      const send = method === 'GET' || method === 'HEAD' ? null : b;
      const headers: Record<string, string> = send && asJson ? { 'content-type': 'application/json' } : {};
      return { method, path: qs ? `${path}?${qs}` : path, headers, body: send };
    });
}

/** Requests over every operation of `doc`, each operation equally likely, plus paths no operation has. */
export function documentArb(doc: OpenApiDoc): fc.Arbitrary<RawRequest> {
  const ops = operations(doc);
  const undocumented = fc
    .record({ method: fc.constantFrom(...METHODS), a: badSegment, b: badSegment })
    .map(({ method, a, b }): RawRequest => ({ method, path: `/${a}/${b}`, headers: {}, body: null }));
  return fc.oneof({ weight: 9, arbitrary: fc.oneof(...ops.map(operationArb)) }, { weight: 1, arbitrary: undocumented });
}
