// A small seeded uniform source (mulberry32) for deterministic tests and simulations of the secure-aggregation
// code. Never use it where the noise protects anyone: production draws come from the CSPRNG (webcrypto.ts).

/** A seeded uniform source (mulberry32) so statistical checks are deterministic. */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

