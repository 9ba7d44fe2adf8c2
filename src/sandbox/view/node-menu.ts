// The menu a node opens (click, Enter or Space): the WAI-ARIA menu pattern, so it works the same by mouse and by
// keyboard. Arrow keys move, Enter runs the item, Escape closes and gives the focus back to the node.
import type { Command, Reply } from '../../../sandboxes/contracts/commands';
import type { NodeAction } from './node-actions';

export class NodeMenu {
  private menu: HTMLDivElement;
  private anchor?: Element;

  constructor(
    private host: HTMLElement,
    private run: (command: Command) => Promise<Reply>,
    private say: (text: string) => void,
  ) {
    this.menu = document.createElement('div');
    this.menu.className = 'node-menu';
    this.menu.setAttribute('role', 'menu');
    this.menu.hidden = true;
    host.appendChild(this.menu);
    this.menu.addEventListener('keydown', (e) => this.onKey(e));
    this.menu.addEventListener('focusout', (e) => {
      if (!this.menu.contains(e.relatedTarget as Node)) this.close(false);
    });
  }

  get isOpen(): boolean {
    return !this.menu.hidden;
  }

  open(node: string, anchor: Element, actions: NodeAction[]): void {
    this.anchor = anchor;
    this.menu.setAttribute('aria-label', `Actions for ${node}`);
    this.menu.replaceChildren(
      ...actions.map(({ label, command }) => {
        const item = document.createElement('button');
        item.type = 'button';
        item.setAttribute('role', 'menuitem');
        item.tabIndex = -1;
        item.textContent = label;
        item.addEventListener('click', () => this.perform({ label, command }));
        return item;
      }),
    );
    this.menu.hidden = false;
    this.place(anchor.getBoundingClientRect());
    anchor.setAttribute('aria-expanded', 'true');
    this.items()[0]?.focus();
  }

  /**
   * Under the node, or above it when there is no room below, and moved left or right as needed to stay on screen
   * (on a phone a node near the right edge would otherwise open its menu off the screen).
   */
  private place(node: DOMRect): void {
    const margin = 8;
    const origin = this.host.getBoundingClientRect();
    const { width, height } = this.menu.getBoundingClientRect();
    const screen = document.documentElement.clientWidth;
    const left = Math.min(Math.max(margin, node.left), screen - width - margin);
    const below = node.bottom + 4;
    const top =
      below + height <= innerHeight - margin || node.top - height - 4 < margin ? below : node.top - height - 4;
    // The menu is placed in the panel's padding box, which scrolls in presenter mode.
    this.menu.style.left = `${left - origin.left - this.host.clientLeft + this.host.scrollLeft}px`;
    this.menu.style.top = `${top - origin.top - this.host.clientTop + this.host.scrollTop}px`;
  }

  close(refocus = true): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.anchor?.setAttribute('aria-expanded', 'false');
    if (refocus) (this.anchor as HTMLElement | undefined)?.focus();
  }

  private items(): HTMLButtonElement[] {
    return [...this.menu.querySelectorAll<HTMLButtonElement>('[role=menuitem]')];
  }

  /** Runs a menu item (also reached by the instructor's keys), saying what it does and then the reply. */
  async perform({ label, command }: NodeAction): Promise<void> {
    this.close();
    this.say(`${label}…`);
    const reply = await this.run(command);
    this.say(reply.ok ? reply.message : `Could not do that: ${reply.error}`);
  }

  private onKey(e: KeyboardEvent): void {
    const items = this.items();
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const move = (i: number) => items[(i + items.length) % items.length]?.focus();
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(items.length - 1);
    else if (e.key === 'Escape') this.close();
    else if (e.key === 'Tab') return this.close(false);
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
}
