// The health-check state machine, exactly as HAProxy keeps it (src/check.c, src/server.c): one counter, `health`,
// from 0 to rise + fall - 1.
//
//   - The server is UP while health >= rise.
//   - A failed check takes one off. Falling below `rise` means DOWN, and the counter drops to 0, so the server must
//     now pass `rise` checks in a row to come back.
//   - A passed check adds one. Reaching `rise` means UP, and the counter jumps to the top, so the server must now
//     fail `fall` checks in a row to go DOWN. A failure while going up (DOWN 1/2) starts the climb again from 0.
//   - At startup health = rise: UP, but one failed check away from DOWN (a server that is not running when the
//     balancer starts goes DOWN on the very first check).
//
// Pure functions: the check loop (checks.ts) does the I/O and the timing, and calls these.

export interface Health {
  health: number;
  rise: number;
  fall: number;
}

export const initialHealth = (rise: number, fall: number): Health => ({ health: rise, rise, fall });

export const isUp = (h: Health): boolean => h.health >= h.rise;

/** The counter after one check, and whether the server changed between UP and DOWN. */
export function afterCheck(h: Health, passed: boolean): { next: Health; change?: 'UP' | 'DOWN' } {
  const top = h.rise + h.fall - 1;
  if (passed) {
    if (h.health >= top) return { next: h };
    // Any success once the counter reaches `rise` restores the full margin (check.c: "OK now").
    if (h.health + 1 >= h.rise) return { next: { ...h, health: top }, change: isUp(h) ? undefined : 'UP' };
    return { next: { ...h, health: h.health + 1 } };
  }
  if (h.health > h.rise) return { next: { ...h, health: h.health - 1 } };
  // At `rise` or below, one failure is enough: a server going up starts again from 0.
  return { next: { ...h, health: 0 }, change: isUp(h) ? 'DOWN' : undefined };
}

/** True while the server is on its way to the other state ("UP 2/3", "DOWN 1/2"): checks then run every `fastinter`. */
export const isTransitional = (h: Health): boolean => h.health !== 0 && h.health !== h.rise + h.fall - 1;

/**
 * The status word of the stats page and `show stat` (src/stats-proxy.c): `UP`, `UP 2/3` while going down,
 * `DOWN`, `DOWN 1/2` while going up. The admin states (MAINT, DRAIN) take precedence over the check result.
 */
export function statusText(h: Health | undefined, admin: 'ready' | 'drain' | 'maint'): string {
  if (admin === 'maint') return 'MAINT';
  const word = admin === 'drain' ? 'DRAIN' : undefined;
  if (!h) return word ?? 'no check';
  const top = h.rise + h.fall - 1;
  if (isUp(h)) {
    const base = word ?? 'UP';
    return h.health === top ? base : `${base} ${h.health - h.rise + 1}/${h.fall}`;
  }
  return h.health === 0 ? 'DOWN' : `DOWN ${h.health}/${h.rise}`;
}

/** The "status: 2/3 UP" part of a `option log-health-checks` line (note: count first, unlike the stats page). */
export function logStatus(h: Health): string {
  return isUp(h) ? `${h.health - h.rise + 1}/${h.fall} UP` : `${h.health}/${h.rise} DOWN`;
}
