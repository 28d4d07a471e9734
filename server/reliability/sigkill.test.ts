// Crash safety with a real server process: SIGKILL during a round, restart on the same data folder, and no
// update answered 2xx is lost, the versions published at the end are byte-identical to an uninterrupted run's,
// and no version is half-written. Two trials here; `npm run bench:reliability` runs 20.
import { describe, expect, it } from 'vitest';
import { referenceRun, sigkillTrial } from '../../bench/reliability/sigkill.js';

const OPTIONS = { updates: 10, minUpdates: 4 };

describe('SIGKILL during a round', () => {
  it('loses no accepted update and publishes what an uninterrupted run publishes', async () => {
    const ref = await referenceRun(OPTIONS);
    expect(ref.version).toBe(3);
    for (const share of [0.35, 0.75]) {
      const t = await sigkillTrial(OPTIONS, Math.max(5, Math.round(ref.ms * share)), ref);
      expect(t.acceptedLost).toBe(0);
      expect(t.storedAfterRestart - t.killedAfterAcks).toBe(t.inFlight === 'stored' ? 1 : 0);
      expect(t.sameVersion).toBe(true);
      expect(t.versionsIntact).toBe(true);
    }
  }, 240_000);
});
