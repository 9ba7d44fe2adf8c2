// Turns the raw bytes a terminal sends into keys. xterm.js (and a real terminal in raw mode) sends printable text
// as is, Enter as \r, Backspace as \x7f, Ctrl-<letter> as the control byte, and the other keys as escape sequences
// (ECMA-48 CSI "\x1b[A", or SS3 "\x1bOA" in application cursor mode). A sequence may be split across reads, so the
// decoder keeps an unfinished one until the rest arrives.

export type Key =
  { name: 'text'; text: string } | { name: 'resize'; rows: number; columns: number } | { name: NamedKey };

export type NamedKey =
  | 'enter'
  | 'backspace'
  | 'delete'
  | 'tab'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | `ctrl-${string}`;

const CSI_FINAL: Record<string, NamedKey> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };
// VT220-style "\x1b[<n>~" keys; both numbering schemes for Home/End exist in the wild (xterm vs rxvt/linux).
const TILDE: Record<string, NamedKey> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '3': 'delete',
  '5': 'pageup',
  '6': 'pagedown',
};

export class KeyDecoder {
  private pending = '';

  /** Decodes a chunk of input; an incomplete escape sequence at its end waits for the next chunk. */
  feed(chunk: string): Key[] {
    const input = this.pending + chunk;
    this.pending = '';
    const keys: Key[] = [];
    let text = '';
    const flushText = () => {
      if (text) keys.push({ name: 'text', text });
      text = '';
    };
    let i = 0;
    while (i < input.length) {
      const c = input[i];
      if (c === '\x1b') {
        const end = sequenceEnd(input, i);
        if (end === undefined) {
          this.pending = input.slice(i);
          break;
        }
        flushText();
        const key = escapeKey(input.slice(i, end));
        if (key) keys.push(key);
        i = end;
        continue;
      }
      const code = c.charCodeAt(0);
      if (code >= 0x20 && code !== 0x7f) {
        text += c;
      } else {
        flushText();
        if (c === '\r' || c === '\n') {
          keys.push({ name: 'enter' });
          if (c === '\r' && input[i + 1] === '\n') i++; // a pasted or piped CRLF is one Enter
        } else if (c === '\x7f' || c === '\b') keys.push({ name: 'backspace' });
        else if (c === '\t') keys.push({ name: 'tab' });
        else if (code >= 1 && code <= 26) keys.push({ name: `ctrl-${String.fromCharCode(code + 96)}` });
        // Other control bytes (NUL, Ctrl-\ ...) have no meaning here and are dropped.
      }
      i++;
    }
    flushText();
    return keys;
  }

  /** A lone Escape can only be told apart from the start of a sequence by the pause after it. */
  flush(): Key[] {
    if (!this.pending) return [];
    this.pending = '';
    return [{ name: 'escape' }];
  }

  get waiting(): boolean {
    return this.pending !== '';
  }
}

/** Where the escape sequence starting at `start` ends (exclusive), or undefined if it is not complete yet. */
function sequenceEnd(input: string, start: number): number | undefined {
  const kind = input[start + 1];
  if (kind === undefined) return undefined;
  if (kind === 'O') return input.length > start + 2 ? start + 3 : undefined;
  if (kind !== '[') return start + 1; // ESC followed by something else: an Escape (or Alt-) key, then that key
  let j = start + 2;
  while (j < input.length && /[\x20-\x3f]/.test(input[j])) j++; // parameter and intermediate bytes
  return j < input.length ? j + 1 : undefined;
}

function escapeKey(sequence: string): Key | undefined {
  if (sequence === '\x1b') return { name: 'escape' };
  const final = sequence[sequence.length - 1];
  if (sequence[1] === 'O') return CSI_FINAL[final] ? { name: CSI_FINAL[final] } : undefined;
  const params = sequence.slice(2, -1);
  if (final === 't') {
    // "\x1b[8;<rows>;<cols>t" is xterm's window-size report; the page sends it on resize.
    const [op, rows, columns] = params.split(';').map(Number);
    return op === 8 && rows > 0 && columns > 0 ? { name: 'resize', rows, columns } : undefined;
  }
  if (final === '~') {
    const name = TILDE[params.split(';')[0]];
    return name ? { name } : undefined; // includes the bracketed-paste markers 200~/201~, which are dropped
  }
  // "\x1b[1;5C" (Ctrl-Right) and friends: the modifier is ignored, the arrow still moves.
  return CSI_FINAL[final] ? { name: CSI_FINAL[final] } : undefined;
}
