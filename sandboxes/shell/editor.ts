// The model behind `edit`, a small nano: the lines of a file, the cursor and the scroll position, changed by keys.
// No terminal here (commands/edit.ts draws it), so it can be read, and tested, on its own.
import type { Key } from './keys';

const TAB_WIDTH = 8; // as nano and the terminal itself show a tab

export class EditorModel {
  lines: string[];
  row = 0;
  col = 0;
  /** First file line on screen, and first screen column shown (long lines scroll sideways). */
  top = 0;
  left = 0;
  modified = false;

  constructor(text: string) {
    this.lines = text.split('\n');
  }

  get text(): string {
    return this.lines.join('\n');
  }

  /** Lines as nano counts them in "[ Wrote N lines ]": a final newline does not start another line. */
  get lineCount(): number {
    return this.lines[this.lines.length - 1] === '' ? this.lines.length - 1 : this.lines.length;
  }

  /** Applies an editing or moving key; returns false for keys it does not know (Ctrl-S, Ctrl-X...). */
  apply(key: Key, pageHeight: number): boolean {
    const line = this.lines[this.row];
    switch (key.name) {
      case 'text':
        this.insert((key as { text: string }).text);
        break;
      case 'tab':
        this.insert('\t');
        break;
      case 'enter':
        this.lines.splice(this.row, 1, line.slice(0, this.col), line.slice(this.col));
        this.row++;
        this.col = 0;
        this.modified = true;
        break;
      case 'backspace':
        if (this.col > 0) {
          this.lines[this.row] = line.slice(0, this.col - 1) + line.slice(this.col);
          this.col--;
        } else if (this.row > 0) {
          this.col = this.lines[this.row - 1].length;
          this.lines.splice(this.row - 1, 2, this.lines[this.row - 1] + line);
          this.row--;
        } else return true;
        this.modified = true;
        break;
      case 'delete':
        if (this.col < line.length) this.lines[this.row] = line.slice(0, this.col) + line.slice(this.col + 1);
        else if (this.row < this.lines.length - 1) this.lines.splice(this.row, 2, line + this.lines[this.row + 1]);
        else return true;
        this.modified = true;
        break;
      case 'left':
        if (this.col > 0) this.col--;
        else if (this.row > 0) this.col = this.lines[--this.row].length;
        break;
      case 'right':
        if (this.col < line.length) this.col++;
        else if (this.row < this.lines.length - 1) [this.row, this.col] = [this.row + 1, 0];
        break;
      case 'up':
        this.moveTo(this.row - 1);
        break;
      case 'down':
        this.moveTo(this.row + 1);
        break;
      case 'pageup':
        this.moveTo(this.row - pageHeight);
        break;
      case 'pagedown':
        this.moveTo(this.row + pageHeight);
        break;
      case 'home':
      case 'ctrl-a':
        this.col = 0;
        break;
      case 'end':
      case 'ctrl-e':
        this.col = line.length;
        break;
      default:
        return false;
    }
    return true;
  }

  private insert(text: string): void {
    const line = this.lines[this.row];
    this.lines[this.row] = line.slice(0, this.col) + text + line.slice(this.col);
    this.col += text.length;
    this.modified = true;
  }

  /** Vertical moves keep the column where the line is long enough, as editors do. */
  private moveTo(row: number): void {
    this.row = Math.max(0, Math.min(this.lines.length - 1, row));
    this.col = Math.min(this.col, this.lines[this.row].length);
  }

  /** Scrolls so the cursor is on screen; returns the cursor's screen position (0-based, within the text area). */
  scroll(height: number, width: number): { y: number; x: number } {
    if (this.row < this.top) this.top = this.row;
    if (this.row >= this.top + height) this.top = this.row - height + 1;
    const x = screenColumn(this.lines[this.row], this.col);
    if (x < this.left) this.left = Math.max(0, x - Math.floor(width / 2));
    if (x >= this.left + width) this.left = x - width + Math.floor(width / 4) + 1;
    return { y: this.row - this.top, x: x - this.left };
  }

  /** A file line as the screen shows it: tabs expanded, cut to the visible window. */
  visible(row: number, width: number): string {
    return expandTabs(this.lines[row] ?? '').slice(this.left, this.left + width);
  }
}

function expandTabs(line: string): string {
  let out = '';
  for (const c of line) out += c === '\t' ? ' '.repeat(TAB_WIDTH - (out.length % TAB_WIDTH)) : c;
  return out;
}

function screenColumn(line: string, col: number): number {
  return expandTabs(line.slice(0, col)).length;
}
