import { describe, expect, it, vi } from 'vitest';
import { watchHidden } from './shelf.js';

function fakeDocument() {
  const target = new EventTarget() as EventTarget & { visibilityState: string };
  target.visibilityState = 'visible';
  return target;
}

describe('watchHidden', () => {
  it('calls back each time the document becomes hidden, not when it becomes visible, and stops when told', () => {
    const doc = fakeDocument();
    const onHidden = vi.fn();
    const stop = watchHidden(onHidden, doc as unknown as Document);
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onHidden).not.toHaveBeenCalled();
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onHidden).toHaveBeenCalledTimes(2);
    stop();
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(onHidden).toHaveBeenCalledTimes(2);
  });

  it('does nothing without a document (in a worker)', () => {
    const stop = watchHidden(() => {
      throw new Error('never');
    }, undefined);
    expect(stop).not.toThrow();
  });
});
