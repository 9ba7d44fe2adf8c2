// The event log: one sentence per event, filterable by kind, and the text alternative to the animation. A polite
// live region reads out what matters (nodes dying, checks changing, goals met), a few sentences at a time, never the
// flood of individual requests.
import { CATEGORIES, type Category, type LogLine } from './sentences';
import { setInlineText } from './inline-text';
import { throttledRedraw } from '../redraw';

const SHOWN = 300;
const ANNOUNCE_EVERY_MS = 1500;
const levelMark = { info: '', warning: '⚠ ', error: '✖ ' } as const;

export class EventLog {
  private list: HTMLOListElement;
  private live: HTMLDivElement;
  /** Off at first: one check per server a second would bury the requests, whose order the lessons point at. */
  private hidden = new Set<Category>(['check']);
  private lines: LogLine[] = [];
  private until = Infinity;
  private queue: string[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  /** Lines waiting for the next redraw: appended together, with one layout read for the whole batch. */
  private pending: LogLine[] = [];
  private schedule = throttledRedraw(() => this.flush());

  constructor(host: HTMLElement) {
    const section = document.createElement('section');
    section.className = 'event-log';
    section.setAttribute('aria-label', 'Event log'); // named by its tab too; no heading with an id, which Starlight's table of contents would take for its own
    section.innerHTML = `<fieldset class="filters"><legend>Show</legend></fieldset><ol class="lines" tabindex="0" aria-label="Events, newest last"></ol><div class="sr-only" aria-live="polite" aria-atomic="false"></div>`;
    const filters = section.querySelector('fieldset')!;
    for (const { id, label } of CATEGORIES) {
      const box = document.createElement('label');
      box.innerHTML = `<input type="checkbox" value="${id}" ${this.hidden.has(id) ? '' : 'checked'}> ${label}`;
      box.querySelector('input')!.addEventListener('change', (e) => {
        const input = e.target as HTMLInputElement;
        if (input.checked) this.hidden.delete(id);
        else this.hidden.add(id);
        this.redraw();
      });
      filters.appendChild(box);
    }
    this.list = section.querySelector('ol')!;
    this.live = section.querySelector('[aria-live]')!;
    host.appendChild(section);
  }

  add(line: LogLine, announce: boolean): void {
    this.lines.push(line);
    if (this.lines.length > SHOWN * 10) this.lines.splice(0, this.lines.length - SHOWN * 10);
    if (line.seq <= this.until && !this.hidden.has(line.category)) {
      this.pending.push(line);
      this.schedule();
    }
    if (announce && !['request', 'check', 'tool'].includes(line.category)) this.announce(line.text);
  }

  /** Shows only the lines up to a stream position (the timeline), or all of them (Infinity). */
  showUntil(seq: number): void {
    if (seq === this.until) return;
    this.until = seq;
    this.redraw();
  }

  private redraw(): void {
    this.list.replaceChildren();
    this.pending = this.lines.filter((l) => l.seq <= this.until && !this.hidden.has(l.category)).slice(-SHOWN);
    this.flush();
  }

  private flush(): void {
    if (!this.pending.length) return;
    const atBottom = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 8;
    this.list.append(
      ...this.pending
        .splice(0)
        .slice(-SHOWN)
        .map((line) => this.item(line)),
    );
    while (this.list.childElementCount > SHOWN) this.list.firstElementChild!.remove();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  private item(line: LogLine): HTMLLIElement {
    const item = document.createElement('li');
    item.className = `level-${line.level} category-${line.category}`;
    item.dataset.seq = String(line.seq);
    const time = document.createElement('time');
    time.textContent = `${(line.time / 1000).toFixed(1)} s`;
    const node = document.createElement('span');
    node.className = 'node';
    node.textContent = line.node;
    const text = document.createElement('span');
    setInlineText(text, levelMark[line.level] + line.text);
    item.append(time, ' ', node, ' ', text);
    return item;
  }

  private announce(text: string): void {
    this.queue.push(text);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const batch = this.queue.splice(0);
      const said = batch.length > 3 ? [...batch.slice(0, 2), `and ${batch.length - 2} more events.`] : batch;
      const p = document.createElement('p');
      p.textContent = said.join(' ');
      this.live.appendChild(p);
      while (this.live.childElementCount > 3) this.live.firstElementChild!.remove();
    }, ANNOUNCE_EVERY_MS);
  }
}
