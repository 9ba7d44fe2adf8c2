// Instructor mode: a presenter layout (the panel alone on the screen, above all of the page: large topology and
// terminal, big type) and keyboard shortcuts for driving a lesson from the keyboard or a presenter remote (whose
// buttons send Page Up/Down). Shortcuts are plain keys, so they are ignored while typing in the terminal or a form
// field. The panel goes into the browser's top layer as a popover, so no header, sidebar or table of contents of the
// page can be drawn over it however they stack, and the page behind it is made inert (out of reach of Tab and of
// screen readers) until presenter mode ends.

export interface InstructorHooks {
  chaos(): void;
  live(): void;
  step(by: number): void;
  /** Focus the i-th node of the topology. */
  node(index: number): void;
  /** Run a command on the node that has the focus. */
  act(cmd: 'kill' | 'freeze' | 'resume' | 'start', node: string): void;
  /** Tell the panel's status line. */
  say(text: string): void;
}

export const SHORTCUTS: [key: string, what: string][] = [
  ['1 … 9', 'focus a node (then Enter opens its menu; arrow keys move between nodes)'],
  ['k / f / r / s', 'kill / freeze / resume / start the focused node'],
  ['c', 'start the chaos sequence; again to stop it and repair what it broke'],
  [', and .  (Page Up / Page Down)', 'step the timeline back / forward'],
  ['l', 'back to live'],
  ['p', 'presenter mode on or off (Escape, outside the terminal, leaves it)'],
  ['+ and −  (=, -, 0)', 'terminal text larger / smaller (0: back to the usual size)'],
  ['Left / Right on a tab', 'switch between exercises, timeline, charts and event log'],
  ['?', 'show or hide this list'],
];

/** The terminal's font size in presenter mode, in CSS pixels, and the range + and − move it in. */
export const PRESENTER_FONT_PX = 20;
const FONT_STEP_PX = 2;
const FONT_RANGE_PX = [10, 40] as const;

const ACTS = { k: 'kill', f: 'freeze', r: 'resume', s: 'start' } as const;

export class Instructor {
  private button: HTMLButtonElement;
  private help: HTMLElement;
  private helpButton: HTMLButtonElement;
  /** The terminal's box: its data-font-size is the font xterm.js uses (src/sandbox/terminal.ts). */
  private terminal: HTMLElement;
  /** The terminal's font size before presenter mode, put back when it ends. */
  private fontBefore?: string;
  /** Elements of the page made inert while presenting (none was inert before). */
  private inert: HTMLElement[] = [];

  constructor(
    private root: HTMLElement,
    toolbar: HTMLElement,
    private hooks: InstructorHooks,
  ) {
    this.button = toolbar.querySelector<HTMLButtonElement>('button.presenter')!;
    this.helpButton = toolbar.querySelector<HTMLButtonElement>('button.shortcuts')!;
    this.help = toolbar.querySelector<HTMLElement>('.shortcut-help')!;
    this.terminal = root.querySelector<HTMLElement>('.sandbox-terminal')!;
    const list = document.createElement('dl');
    for (const [key, what] of SHORTCUTS) {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = what;
      list.append(dt, dd);
    }
    this.help.append(list);
    this.button.addEventListener('click', () => this.present(!this.presenting));
    this.helpButton.addEventListener('click', () => this.toggleHelp());
    root.addEventListener('keydown', (e) => this.onKey(e));
  }

  get presenting(): boolean {
    return this.root.classList.contains('presenter');
  }

  present(on: boolean): void {
    if (on === this.presenting) return;
    this.root.classList.toggle('presenter', on);
    this.button.setAttribute('aria-pressed', String(on));
    // A browser without popovers (before 2024) gets a fixed overlay above the page instead (panel.css).
    const popover = typeof this.root.showPopover === 'function';
    if (on) {
      if (popover) {
        this.root.popover = 'manual';
        this.root.showPopover();
      }
      this.hidePage();
      this.fontBefore = this.terminal.dataset.fontSize;
      this.terminal.dataset.fontSize = String(PRESENTER_FONT_PX);
    } else {
      if (popover) {
        this.root.hidePopover();
        this.root.removeAttribute('popover');
      }
      for (const element of this.inert.splice(0)) element.inert = false;
      if (this.fontBefore) this.terminal.dataset.fontSize = this.fontBefore;
      else delete this.terminal.dataset.fontSize;
    }
  }

  /** Every element of the page beside the panel's branch, from the panel up to the body, becomes inert. */
  private hidePage(): void {
    for (let at: HTMLElement = this.root; at.parentElement && at !== document.body; at = at.parentElement) {
      for (const sibling of at.parentElement.children) {
        if (sibling !== at && sibling instanceof HTMLElement && !sibling.inert) {
          sibling.inert = true;
          this.inert.push(sibling);
        }
      }
    }
  }

  /** Sets the terminal's font size; without the attribute the terminal takes its usual size (terminal.ts). */
  private font(change: number | 'usual'): void {
    if (change === 'usual' && !this.presenting) delete this.terminal.dataset.fontSize;
    else {
      const now = Number(this.terminal.dataset.fontSize) || PRESENTER_FONT_PX;
      const size =
        change === 'usual' ? PRESENTER_FONT_PX : Math.min(FONT_RANGE_PX[1], Math.max(FONT_RANGE_PX[0], now + change));
      this.terminal.dataset.fontSize = String(size);
    }
    this.hooks.say(
      `Terminal text: ${this.terminal.dataset.fontSize ?? 'usual size'}${this.terminal.dataset.fontSize ? ' px' : ''}`,
    );
  }

  private toggleHelp(): void {
    this.help.hidden = !this.help.hidden;
    this.helpButton.setAttribute('aria-expanded', String(!this.help.hidden));
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (target.closest('input, select, textarea, [contenteditable], .xterm, [role=menu]')) return;
    const node = target.closest<SVGElement>('[data-node]')?.dataset.node;
    const key = e.key;
    if (key === 'Escape' && this.presenting) {
      this.present(false);
      this.button.focus();
    } else if (key === 'p') this.present(!this.presenting);
    else if (key === '+' || key === '=') this.font(FONT_STEP_PX);
    else if (key === '-' || key === '−') this.font(-FONT_STEP_PX);
    else if (key === '0') this.font('usual');
    else if (key === '?') this.toggleHelp();
    else if (key === 'c') this.hooks.chaos();
    else if (key === 'l') this.hooks.live();
    else if (key === ',' || key === 'PageUp') this.hooks.step(-1);
    else if (key === '.' || key === 'PageDown') this.hooks.step(1);
    else if (/^[1-9]$/.test(key)) this.hooks.node(Number(key) - 1);
    else if (node && key in ACTS) this.hooks.act(ACTS[key as keyof typeof ACTS], node);
    else return;
    e.preventDefault();
  }
}
