// Instructor mode: a presenter layout (the panel fills the screen: large topology and terminal, big type) and
// keyboard shortcuts for driving a lesson from the keyboard or a presenter remote (whose buttons send arrow keys,
// Page Up/Down). Shortcuts are plain letters, so they are ignored while typing in the terminal or a form field.

export interface InstructorHooks {
  chaos(): void;
  live(): void;
  step(by: number): void;
  /** Focus the i-th node of the topology. */
  node(index: number): void;
  /** Run a command on the node that has the focus. */
  act(cmd: 'kill' | 'freeze' | 'resume' | 'start', node: string): void;
}

export const SHORTCUTS: [key: string, what: string][] = [
  ['1 … 9', 'focus a node (then Enter opens its menu)'],
  ['k / f / r / s', 'kill / freeze / resume / start the focused node'],
  ['c', 'start or stop the chaos sequence'],
  [', and .  (Page Up / Page Down)', 'step the timeline back / forward'],
  ['l', 'back to live'],
  ['p', 'presenter mode on or off (Escape leaves it)'],
  ['?', 'show or hide this list'],
];

const ACTS = { k: 'kill', f: 'freeze', r: 'resume', s: 'start' } as const;

export class Instructor {
  private button: HTMLButtonElement;
  private help: HTMLElement;
  private helpButton: HTMLButtonElement;

  constructor(
    private root: HTMLElement,
    toolbar: HTMLElement,
    private hooks: InstructorHooks,
  ) {
    this.button = toolbar.querySelector<HTMLButtonElement>('button.presenter')!;
    this.helpButton = toolbar.querySelector<HTMLButtonElement>('button.shortcuts')!;
    this.help = toolbar.querySelector<HTMLElement>('.shortcut-help')!;
    const list = document.createElement('dl');
    for (const [key, what] of SHORTCUTS) {
      const dt = document.createElement('dt');
      dt.textContent = key;
      const dd = document.createElement('dd');
      dd.textContent = what;
      list.append(dt, dd);
    }
    this.help.append(list);
    this.button.addEventListener('click', () => this.present(!root.classList.contains('presenter')));
    this.helpButton.addEventListener('click', () => this.toggleHelp());
    root.addEventListener('keydown', (e) => this.onKey(e));
  }

  present(on: boolean): void {
    this.root.classList.toggle('presenter', on);
    this.button.setAttribute('aria-pressed', String(on));
    // The terminal refits to its new size (xterm's fit addon listens for window resizes).
    dispatchEvent(new Event('resize'));
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
    if (key === 'Escape' && this.root.classList.contains('presenter')) this.present(false);
    else if (key === 'p') this.present(!this.root.classList.contains('presenter'));
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
