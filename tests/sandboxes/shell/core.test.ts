// The shell's pure parts, without a process: key decoding, word splitting, suggestions, the editor model, the
// load statistics.
import { describe, expect, it } from 'vitest';
import { EditorModel } from '../../../sandboxes/shell/editor';
import { KeyDecoder } from '../../../sandboxes/shell/keys';
import { LoadStats } from '../../../sandboxes/shell/load-stats';
import { closest } from '../../../sandboxes/shared/suggest';
import { parseLine, quoteWord } from '../../../sandboxes/shell/words';

describe('the key decoder', () => {
  it('puts an escape sequence back together when it arrives in pieces', () => {
    const decoder = new KeyDecoder();
    expect(decoder.feed('ab\x1b')).toEqual([{ name: 'text', text: 'ab' }]);
    expect(decoder.feed('[')).toEqual([]);
    expect(decoder.feed('3~c')).toEqual([{ name: 'delete' }, { name: 'text', text: 'c' }]);
    expect(decoder.feed('\x1b[8;')).toEqual([]);
    expect(decoder.feed('24;132t')).toEqual([{ name: 'resize', rows: 24, columns: 132 }]);
  });

  it('reads a lone Escape only when nothing follows it', () => {
    const decoder = new KeyDecoder();
    expect(decoder.feed('\x1b')).toEqual([]);
    expect(decoder.flush()).toEqual([{ name: 'escape' }]);
  });

  it('treats CRLF as one Enter, and drops the bracketed-paste markers', () => {
    expect(new KeyDecoder().feed('a\r\nb\x1b[200~c\x1b[201~\x7f\x03')).toEqual([
      { name: 'text', text: 'a' },
      { name: 'enter' },
      { name: 'text', text: 'b' },
      { name: 'text', text: 'c' },
      { name: 'backspace' },
      { name: 'ctrl-c' },
    ]);
  });
});

describe('splitting a command line', () => {
  it('splits words and pipes as a POSIX shell does', () => {
    expect(parseLine(`echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999`).pipeline).toEqual([
      ['echo', 'show stat'],
      ['socat', 'stdio', 'tcp4-connect:10.0.0.2:9999'],
    ]);
    expect(parseLine(`curl -H 'X-A: "1"' a\\ b ""`).pipeline).toEqual([['curl', '-H', 'X-A: "1"', 'a b', '']]);
  });

  it('quotes a word so it splits back to itself', () => {
    for (const word of ['plain.cfg', 'two words', "it's", ''])
      expect(parseLine(`x ${quoteWord(word)}`).pipeline[0][1]).toBe(word);
  });
});

describe('did you mean', () => {
  it('finds the command behind a typo, a swap or a prefix, and nothing for noise', () => {
    expect(closest('crul', ['curl', 'cat', 'clear'])).toEqual(['curl']);
    expect(closest('ifnra', ['infra', 'load'])).toEqual(['infra']);
    expect(closest('relo', ['reload', 'help'])).toEqual(['reload']);
    expect(closest('zzz', ['curl', 'infra'])).toEqual([]);
  });
});

describe('the editor model', () => {
  it('splits and joins lines with Enter and Backspace and keeps the final newline', () => {
    const model = new EditorModel('ab\ncd\n');
    model.apply({ name: 'right' }, 10);
    model.apply({ name: 'enter' }, 10);
    expect(model.text).toBe('a\nb\ncd\n');
    model.apply({ name: 'backspace' }, 10);
    expect(model.text).toBe('ab\ncd\n');
    expect(model.lineCount).toBe(2);
    expect(model.modified).toBe(true);
  });

  it('scrolls to keep the cursor on screen', () => {
    const model = new EditorModel(Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n'));
    model.apply({ name: 'pagedown' }, 10);
    model.apply({ name: 'pagedown' }, 10);
    expect(model.scroll(10, 80)).toEqual({ y: 9, x: 0 });
    expect(model.visible(model.top + 9, 80)).toBe('line 20');
  });
});

describe('load statistics', () => {
  it('counts answers per server, errors by kind and nearest-rank percentiles', () => {
    const stats = new LoadStats();
    for (let ms = 1; ms <= 100; ms++)
      stats.record({ answered: true, status: 200, servedBy: ms % 2 ? 'web-01' : 'web-02', ms });
    stats.record({ answered: true, status: 503, servedBy: undefined, ms: 0.5 });
    stats.record({ answered: false, kind: 'connection refused' });
    expect(Object.fromEntries(stats.servers)).toEqual({ 'web-01': 50, 'web-02': 50 });
    expect(Object.fromEntries(stats.errors)).toEqual({ '503': 1, 'connection refused': 1 });
    expect([stats.percentile(50), stats.percentile(99), stats.percentile(100)]).toEqual([50, 99, 100]);
  });
});
