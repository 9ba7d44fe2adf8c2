import { describe, expect, it } from 'vitest';
import {
  applyLine,
  DEFAULT_BEHAVIOUR,
  describe as describeBehaviour,
  describeChange,
  toLine,
} from '../../../sandboxes/web/behaviour';

const capacity = { workers: 5, backlog: 20, service_ms: 140 };

describe('a web server behaviour line', () => {
  it('sets one or several settings and keeps the others', () => {
    const slow = applyLine(DEFAULT_BEHAVIOUR, 'slow 300ms');
    expect(slow).toEqual({ slow_ms: 300, flaky: 0, frozen: false, ...capacity });
    expect(applyLine(slow, 'flaky 0.25 frozen on')).toEqual({ slow_ms: 300, flaky: 0.25, frozen: true, ...capacity });
    expect(applyLine(slow, 'slow 2s').slow_ms).toBe(2000);
    expect(applyLine({ slow_ms: 5, flaky: 1, frozen: true, ...capacity }, 'normal')).toEqual(DEFAULT_BEHAVIOUR);
  });

  it('sets the capacity, and normal ends the faults but keeps the capacity', () => {
    const bigger = applyLine(DEFAULT_BEHAVIOUR, 'workers 8 backlog 0 service 1s');
    expect(bigger).toEqual({ slow_ms: 0, flaky: 0, frozen: false, workers: 8, backlog: 0, service_ms: 1000 });
    expect(applyLine({ ...bigger, slow_ms: 300 }, 'normal')).toEqual(bigger);
  });

  it('round-trips through the line the supervisor sends', () => {
    const wanted = { slow_ms: 120, flaky: 0.5, frozen: true, workers: 3, backlog: 7, service_ms: 25 };
    expect(applyLine(DEFAULT_BEHAVIOUR, toLine(wanted))).toEqual(wanted);
  });

  it('rejects what it does not understand, saying what to write instead', () => {
    expect(() => applyLine(DEFAULT_BEHAVIOUR, 'slow fast')).toThrow(
      "invalid duration 'fast': expected milliseconds like 300, 300ms or 2s",
    );
    expect(() => applyLine(DEFAULT_BEHAVIOUR, 'flaky 1.5')).toThrow('expected a number from 0 to 1');
    expect(() => applyLine(DEFAULT_BEHAVIOUR, 'hang on')).toThrow(
      "unknown setting 'hang': use slow, flaky, frozen, workers, backlog, service or normal",
    );
    expect(() => applyLine(DEFAULT_BEHAVIOUR, 'frozen')).toThrow("'frozen' needs a value");
    expect(() => applyLine(DEFAULT_BEHAVIOUR, 'workers 0')).toThrow(
      "invalid workers '0': expected a whole number from 1 to 1000",
    );
    expect(() => applyLine(DEFAULT_BEHAVIOUR, 'backlog -1')).toThrow(
      "invalid backlog '-1': expected a whole number from 0 to 10000",
    );
  });

  it('describes itself in words, with the most requests per second its capacity allows', () => {
    expect(describeBehaviour(DEFAULT_BEHAVIOUR)).toBe('normal');
    expect(describeBehaviour({ slow_ms: 300, flaky: 0.2, frozen: false })).toBe('slow 300 ms, 20% errors');
    const changed = { ...DEFAULT_BEHAVIOUR, slow_ms: 300, service_ms: 0 };
    expect(describeChange(changed, { slow_ms: 300 })).toBe('slow 300 ms');
    expect(describeChange(changed, { service_ms: 0 })).toBe('5 workers × 0 ms, backlog 20 (no limit on the rate)');
    expect(describeChange(DEFAULT_BEHAVIOUR, { frozen: false, workers: 5 })).toBe(
      'normal; 5 workers × 140 ms, backlog 20 (35.7 req/s at most)',
    );
  });
});
