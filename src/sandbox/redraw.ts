/**
 * How often the views redraw while events stream in. Under a load every request is an event or two: drawn frame by
 * frame, the page would lay itself out and paint about 40 times a second, most of a core on a busy laptop, for
 * changes no one can read that fast. Ten times a second keeps the picture live.
 */
export const REDRAW_EVERY_MS = 100;

/** The draws asked for since the last redraw: all of them run in one animation frame, so one layout and paint. */
const due = new Set<() => void>();
let last = -Infinity;
let pending = false;

function redraw(): void {
  pending = false;
  last = performance.now();
  const draws = [...due];
  due.clear();
  for (const draw of draws) {
    // One view's failure is reported (as an uncaught error) and the others still draw, as in frames of their own.
    try {
      draw();
    } catch (error) {
      reportError(error);
    }
  }
}

/**
 * Returns a `schedule()` that has `draw` run at the next redraw: in the next animation frame after a quiet spell,
 * and at most once per REDRAW_EVERY_MS while changes keep coming, together with every other view's.
 */
export function throttledRedraw(draw: () => void): () => void {
  return () => {
    due.add(draw);
    if (pending) return;
    pending = true;
    const wait = last + REDRAW_EVERY_MS - performance.now();
    if (wait <= 0) requestAnimationFrame(redraw);
    else setTimeout(() => requestAnimationFrame(redraw), wait);
  };
}
