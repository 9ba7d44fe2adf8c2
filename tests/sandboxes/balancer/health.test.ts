import { describe, expect, it } from 'vitest';
import { afterCheck, initialHealth, logStatus, statusText, type Health } from '../../../sandboxes/balancer/health';

function run(h: Health, results: boolean[]): { statuses: string[]; changes: (string | undefined)[]; last: Health } {
  const statuses: string[] = [];
  const changes: (string | undefined)[] = [];
  for (const passed of results) {
    const { next, change } = afterCheck(h, passed);
    h = next;
    statuses.push(statusText(h, 'ready'));
    changes.push(change);
  }
  return { statuses, changes, last: h };
}

describe('the health-check state machine (rise 2, fall 3)', () => {
  it('starts UP but one failed check away from DOWN, as HAProxy does at startup', () => {
    const start = initialHealth(2, 3);
    expect(statusText(start, 'ready')).toBe('UP 1/3');
    expect(afterCheck(start, false).change).toBe('DOWN');
    expect(statusText(afterCheck(start, true).next, 'ready')).toBe('UP');
  });

  it('takes fall (3) failed checks in a row to mark a fully UP server DOWN: UP, UP 2/3, UP 1/3, DOWN', () => {
    const up = { health: 4, rise: 2, fall: 3 };
    const { statuses, changes } = run(up, [false, false, false]);
    expect(statuses).toEqual(['UP 2/3', 'UP 1/3', 'DOWN']);
    expect(changes).toEqual([undefined, undefined, 'DOWN']);
  });

  it('takes rise (2) passed checks in a row to bring a DOWN server back: DOWN 1/2, UP', () => {
    const { statuses, changes } = run({ health: 0, rise: 2, fall: 3 }, [true, true]);
    expect(statuses).toEqual(['DOWN 1/2', 'UP']);
    expect(changes).toEqual([undefined, 'UP']);
  });

  it('restores the full margin on one success while going down, and restarts the climb on a failure while going up', () => {
    expect(run({ health: 4, rise: 2, fall: 3 }, [false, false, true]).statuses).toEqual(['UP 2/3', 'UP 1/3', 'UP']);
    expect(run({ health: 0, rise: 3, fall: 3 }, [true, true, false, true]).statuses).toEqual([
      'DOWN 1/3',
      'DOWN 2/3',
      'DOWN',
      'DOWN 1/3',
    ]);
  });

  it('writes the log form with the count first (2/3 UP) and lets MAINT and DRAIN win over the check', () => {
    expect(logStatus({ health: 3, rise: 2, fall: 3 })).toBe('2/3 UP');
    expect(logStatus({ health: 0, rise: 2, fall: 3 })).toBe('0/2 DOWN');
    expect(logStatus({ health: 4, rise: 2, fall: 3 })).toBe('3/3 UP');
    expect(statusText({ health: 4, rise: 2, fall: 3 }, 'maint')).toBe('MAINT');
    expect(statusText({ health: 4, rise: 2, fall: 3 }, 'drain')).toBe('DRAIN');
    expect(statusText(undefined, 'ready')).toBe('no check');
  });
});
