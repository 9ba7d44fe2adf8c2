// The prompt's line editor, in the spirit of readline/linenoise: a pure model of the line (text, cursor, history
// position) that takes keys, and a renderer that turns the model into the few escape sequences that redraw it.
// A line longer than the terminal scrolls sideways instead of wrapping, so redrawing never depends on where the
// terminal wrapped (the same trick linenoise uses).
import type { Key } from './keys';

export class History {
  readonly entries: string[] = [];

  /** Like bash with HISTCONTROL=ignoredups: blank lines and immediate repeats are not kept. */
  add(line: string): void {
    if (line.trim() && this.entries[this.entries.length - 1] !== line) this.entries.push(line);
  }
}

export class LineEditor {
  chars: string[] = [];
  cursor = 0;
  /** Position while browsing history: entries.length means "the line being typed". */
  private browsing: number;
  private draft: string[] = [];

  constructor(private readonly history: History) {
    this.browsing = history.entries.length;
  }

  get text(): string {
    return this.chars.join('');
  }

  set text(value: string) {
    this.chars = [...value];
    this.cursor = this.chars.length;
  }

  /** Applies an editing key; returns false for keys the editor does not handle (Enter, Tab, Ctrl-C...). */
  apply(key: Key): boolean {
    switch (key.name) {
      case 'text':
        this.insert((key as { text: string }).text);
        return true;
      case 'backspace':
      case 'ctrl-h':
        if (this.cursor > 0) this.chars.splice(--this.cursor, 1);
        return true;
      case 'delete':
        this.chars.splice(this.cursor, 1);
        return true;
      case 'left':
      case 'ctrl-b':
        this.cursor = Math.max(0, this.cursor - 1);
        return true;
      case 'right':
      case 'ctrl-f':
        this.cursor = Math.min(this.chars.length, this.cursor + 1);
        return true;
      case 'home':
      case 'ctrl-a':
        this.cursor = 0;
        return true;
      case 'end':
      case 'ctrl-e':
        this.cursor = this.chars.length;
        return true;
      case 'ctrl-u': // readline's unix-line-discard: from the cursor back to the start
        this.chars.splice(0, this.cursor);
        this.cursor = 0;
        return true;
      case 'ctrl-k':
        this.chars.length = this.cursor;
        return true;
      case 'ctrl-w': {
        let start = this.cursor;
        while (start > 0 && this.chars[start - 1] === ' ') start--;
        while (start > 0 && this.chars[start - 1] !== ' ') start--;
        this.chars.splice(start, this.cursor - start);
        this.cursor = start;
        return true;
      }
      case 'up':
      case 'ctrl-p':
        this.browse(-1);
        return true;
      case 'down':
      case 'ctrl-n':
        this.browse(1);
        return true;
      default:
        return false;
    }
  }

  insert(text: string): void {
    const added = [...text];
    this.chars.splice(this.cursor, 0, ...added);
    this.cursor += added.length;
  }

  private browse(step: number): void {
    const entries = this.history.entries;
    const target = Math.min(entries.length, Math.max(0, this.browsing + step));
    if (target === this.browsing) return;
    if (this.browsing === entries.length) this.draft = this.chars;
    this.browsing = target;
    this.chars = target === entries.length ? this.draft : [...entries[target]];
    this.cursor = this.chars.length;
  }
}

/** Draws a prompt and a line, remembering what is on screen so plain typing at the end costs one character. */
export class LineRenderer {
  private shown: { text: string; cursor: number } | undefined;

  constructor(
    private readonly prompt: string,
    private readonly promptWidth: number,
  ) {}

  /** Forget what is on screen (after output or a clear): the next render draws the whole line. */
  reset(): void {
    this.shown = undefined;
  }

  /** The prompt and the whole line, left to the terminal to wrap: how a finished line stays in the scrollback. */
  whole(editor: LineEditor): string {
    this.shown = undefined;
    return `\r${this.prompt}${editor.text}\x1b[K`;
  }

  render(editor: LineEditor, columns: number): string {
    const text = editor.text;
    const room = Math.max(1, columns - this.promptWidth - 1);
    const shown = this.shown;
    this.shown = { text, cursor: editor.cursor };
    if (
      shown &&
      shown.cursor === [...shown.text].length &&
      editor.cursor === editor.chars.length &&
      text.startsWith(shown.text) &&
      editor.chars.length <= room
    ) {
      return text.slice(shown.text.length);
    }
    // Show the window of the line that holds the cursor.
    const start = Math.max(0, editor.cursor - room);
    const visible = editor.chars.slice(start, start + room).join('');
    const column = this.promptWidth + editor.cursor - start;
    return `\r${this.prompt}${visible}\x1b[K\r${column > 0 ? `\x1b[${column}C` : ''}`;
  }
}
