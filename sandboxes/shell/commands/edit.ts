// `edit FILE`: a small full-screen editor in the terminal, laid out like nano (title bar, text, status line, key
// help) and using nano's keys for the essentials: ^S save, ^X exit, asking first when there are unsaved changes.
import { writeSessionFile } from '../../shared/session-folder';
import type { Command, CommandIO } from '../command';
import { EditorModel } from '../editor';
import { sessionFile, sessionFiles } from '../files';
import type { Key } from '../keys';

const INVERSE = '\x1b[7m';
const PLAIN = '\x1b[0m';

class EditorScreen {
  private message = '';
  private confirming = false;

  constructor(
    private readonly model: EditorModel,
    private readonly name: string,
    private readonly io: CommandIO,
    private readonly save: () => void,
    private readonly close: (saved: boolean) => void,
  ) {}

  private get height(): number {
    return Math.max(1, this.io.rows - 3); // title, status line and key help take three rows
  }

  onKey(key: Key): void {
    this.message = '';
    if (this.confirming) return this.answer(key);
    if (key.name === 'ctrl-s' || key.name === 'ctrl-o') {
      this.write();
    } else if (key.name === 'ctrl-x') {
      if (!this.model.modified) return this.close(false);
      this.confirming = true;
    } else if (!this.model.apply(key, this.height) && key.name !== 'resize') {
      this.message = key.name.startsWith('ctrl-')
        ? `^${key.name.slice(5).toUpperCase()} does nothing here: ^S saves, ^X exits`
        : '';
    }
    this.draw();
  }

  /** nano's "Save modified buffer?" question after ^X. */
  private answer(key: Key): void {
    const reply = key.name === 'text' ? (key as { text: string }).text.toLowerCase() : key.name;
    if (reply === 'y') {
      this.write();
      return this.close(true);
    }
    if (reply === 'n') return this.close(false);
    this.confirming = !(reply === 'escape' || reply === 'ctrl-x');
    this.draw();
  }

  private write(): void {
    try {
      this.save();
      this.model.modified = false;
      this.message = `[ Wrote ${this.model.lineCount} line${this.model.lineCount === 1 ? '' : 's'} ]`;
    } catch (error) {
      this.message = `[ Error writing ${this.name}: ${(error as Error).message} ]`;
    }
  }

  draw(): void {
    const { columns } = this.io;
    const cursor = this.model.scroll(this.height, columns);
    const title = `  edit  ${this.name}${this.model.modified ? '  (modified)' : ''}`;
    const status = this.confirming ? 'Save modified buffer?  Y Yes  N No  Esc Cancel' : this.message;
    const help = '^S Save   ^X Exit   arrows/PgUp/PgDn move   Home/End';
    let screen = `\x1b[H${INVERSE}${title.padEnd(columns).slice(0, columns)}${PLAIN}`;
    for (let y = 0; y < this.height; y++)
      screen += `\x1b[${y + 2};1H\x1b[K${this.model.visible(this.model.top + y, columns)}`;
    const statusText = status ? `${INVERSE}${status.slice(0, columns)}${PLAIN}` : '';
    screen += `\x1b[${this.height + 2};1H\x1b[K${statusText}\x1b[${this.height + 3};1H\x1b[K${help.slice(0, columns)}`;
    screen += `\x1b[${cursor.y + 2};${cursor.x + 1}H`;
    this.io.out(screen);
  }
}

export const edit: Command = {
  name: 'edit',
  summary: 'edit a scenario file',
  usage: `edit FILE   open one of the scenario's files (e.g. haproxy.cfg) full screen
Keys: arrows, Home/End, PgUp/PgDn move; type to insert; Backspace/Delete erase; Enter splits a line;
Ctrl-S saves; Ctrl-X exits (asking first if there are unsaved changes).
After saving a balancer's config, run 'reload' to apply it.`,
  async run(args, io) {
    if (args.length !== 1) {
      io.err(`edit: name one file: ${sessionFiles(io.session.folder).join(', ') || 'there are no files yet'}\n`);
      return 2;
    }
    const file = sessionFile(io.session.folder, args[0]);
    if ('error' in file) {
      io.err(`edit: ${file.error}\n`);
      return 1;
    }
    if (!io.interactive) {
      io.err('edit: needs the terminal (it cannot run inside a pipe or in the background)\n');
      return 1;
    }
    const model = new EditorModel(file.text);
    let savedOnce = false;
    const saved = await new Promise<boolean>((resolve) => {
      let release = () => {};
      const finish = (value: boolean) => {
        release();
        io.signal.removeEventListener('abort', onAbort);
        io.out('\x1b[?1049l'); // back to the normal screen, with the shell's scrollback as it was
        resolve(value);
      };
      const onAbort = () => finish(false);
      const screen = new EditorScreen(
        model,
        args[0],
        io,
        () => {
          // Replaced whole, never written through a link swapped in meanwhile.
          writeSessionFile(file.path, model.text, io.session.folder);
          savedOnce = true;
        },
        finish,
      );
      io.out('\x1b[?1049h'); // the alternate screen, as full-screen programs use
      release = io.takeKeys((key) => screen.onKey(key));
      io.signal.addEventListener('abort', onAbort);
      screen.draw();
    });
    if (saved || savedOnce)
      io.out(`Saved ${args[0]}.${/\.cfg$|\.conf$/.test(args[0]) ? " Run 'reload' to apply it." : ''}\n`);
    else if (model.modified) io.out(`${args[0]} not changed (the edits were discarded).\n`);
    return 0;
  },
  complete: (_args, io) => sessionFiles(io.session.folder),
};
