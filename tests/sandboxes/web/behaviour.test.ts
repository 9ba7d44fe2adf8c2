import { describe, expect, it } from 'vitest';
import { applyLine, describe as describeBehaviour, NORMAL, toLine } from '../../../sandboxes/web/behaviour';

describe('a web server behaviour line', () => {
  it('sets one or several settings and keeps the others', () => {
    const slow = applyLine(NORMAL, 'slow 300ms');
    expect(slow).toEqual({ slow_ms: 300, flaky: 0, frozen: false });
    expect(applyLine(slow, 'flaky 0.25 frozen on')).toEqual({ slow_ms: 300, flaky: 0.25, frozen: true });
    expect(applyLine(slow, 'slow 2s').slow_ms).toBe(2000);
    expect(applyLine({ slow_ms: 5, flaky: 1, frozen: true }, 'normal')).toEqual(NORMAL);
  });

  it('round-trips through the line the supervisor sends', () => {
    const wanted = { slow_ms: 120, flaky: 0.5, frozen: true };
    expect(applyLine(NORMAL, toLine(wanted))).toEqual(wanted);
  });

  it('rejects what it does not understand, saying what to write instead', () => {
    expect(() => applyLine(NORMAL, 'slow fast')).toThrow("invalid duration 'fast': expected milliseconds like 300, 300ms or 2s");
    expect(() => applyLine(NORMAL, 'flaky 1.5')).toThrow('expected a number from 0 to 1');
    expect(() => applyLine(NORMAL, 'hang on')).toThrow("unknown setting 'hang': use slow, flaky, frozen or normal");
    expect(() => applyLine(NORMAL, 'frozen')).toThrow("'frozen' needs a value");
  });

  it('describes itself in words', () => {
    expect(describeBehaviour(NORMAL)).toBe('normal');
    expect(describeBehaviour({ slow_ms: 300, flaky: 0.2, frozen: false })).toBe('slow 300 ms, 20% errors');
  });
});
