// Holding the personal-lift sample out of training: exactly the sampled test users' sequences leave the data.
import { describe, expect, it } from 'vitest';
import type { Dataset } from './data.js';
import { evalUsers, liftSampleIndices, withoutLiftUsers } from './protocols.js';

const ds: Dataset = {
  name: 'toy',
  // Users 0..39; every third has too short a history to be a test user.
  sequences: Array.from({ length: 40 }, (_, u) => Int32Array.from({ length: u % 3 === 0 ? 2 : 5 }, (_, i) => 1 + ((u + i) % 9))),
  itemCount: 9,
  fingerprint: { dataset: 'toy', file: 'toy.txt', sha256: 'x', maxUsers: null, users: 40, items: 9 },
};

describe('withoutLiftUsers', () => {
  it('drops exactly the lift sample of the test users, and nobody else', () => {
    const test = evalUsers(ds, 'test');
    const picked = liftSampleIndices(test.length, 7, 2026).map((i) => test[i]!.all);
    const kept = withoutLiftUsers(ds, 7, 2026);
    expect(kept.sequences.length).toBe(33);
    expect(kept.fingerprint.users).toBe(33);
    for (const s of picked) expect(kept.sequences.includes(s)).toBe(false);
    expect(kept.sequences.filter((s) => s.length === 2).length).toBe(14);
    // Another seed picks other users.
    expect(liftSampleIndices(test.length, 7, 1)).not.toEqual(liftSampleIndices(test.length, 7, 2026));
  });
});
