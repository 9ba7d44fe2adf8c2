// The views' redraw cadence (src/sandbox/redraw.ts): a change after a quiet spell is drawn in the next frame, a stream
// of changes at most once per REDRAW_EVERY_MS, and every view's draw in the same frame (one layout, one paint).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REDRAW_EVERY_MS, type throttledRedraw as Throttled } from '../../../src/sandbox/redraw';

const FRAME_MS = 16;

describe('throttledRedraw', () => {
  let throttledRedraw: typeof Throttled;
  /** Animation frames asked for. */
  let frames: number;
  beforeEach(async () => {
    // A fresh module each time: the redraw clock is the page's, shared by every view.
    vi.resetModules();
    ({ throttledRedraw } = await import('../../../src/sandbox/redraw'));
    vi.useFakeTimers();
    frames = 0;
    vi.stubGlobal('requestAnimationFrame', (callback: () => void) => (frames++, setTimeout(callback, FRAME_MS)));
    vi.advanceTimersByTime(1000); // a quiet spell
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('draws the first change in the next frame, then at most once per interval however many come', () => {
    const drawn: number[] = [];
    const schedule = throttledRedraw(() => drawn.push(performance.now()));
    const start = performance.now();
    schedule();
    vi.advanceTimersByTime(FRAME_MS);
    expect(drawn).toEqual([start + FRAME_MS]);
    // 40 events a second for one second, as a load of 20 requests/s gives.
    for (let i = 0; i < 40; i++) {
      schedule();
      vi.advanceTimersByTime(25);
    }
    vi.advanceTimersByTime(REDRAW_EVERY_MS + FRAME_MS);
    expect(drawn.length).toBeGreaterThanOrEqual(10);
    expect(drawn.length).toBeLessThanOrEqual(12);
    const gaps = drawn.slice(1).map((at, i) => at - drawn[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(REDRAW_EVERY_MS);
    // The last change is drawn: nothing scheduled is lost.
    const count = drawn.length;
    schedule();
    vi.advanceTimersByTime(REDRAW_EVERY_MS + FRAME_MS);
    expect(drawn).toHaveLength(count + 1);
  });

  it("runs every view's draw in one frame", () => {
    const drawn: string[] = [];
    const topology = throttledRedraw(() => drawn.push('topology'));
    const log = throttledRedraw(() => drawn.push('log'));
    topology();
    log();
    topology();
    vi.advanceTimersByTime(REDRAW_EVERY_MS + FRAME_MS);
    expect(drawn).toEqual(['topology', 'log']);
    expect(frames).toBe(1);
  });

  it("reports a view's failure and still runs the other views' draws", () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (error: unknown) => reported.push(error));
    const drawn: string[] = [];
    const broken = throttledRedraw(() => {
      throw new Error('a view failed');
    });
    const log = throttledRedraw(() => drawn.push('log'));
    broken();
    log();
    vi.advanceTimersByTime(REDRAW_EVERY_MS + FRAME_MS);
    expect(drawn).toEqual(['log']);
    expect(reported).toEqual([new Error('a view failed')]);
  });
});
