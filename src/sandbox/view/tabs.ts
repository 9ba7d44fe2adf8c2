// The strip of views beside or under the terminal (exercises, timeline, charts, event log) as tabs: the WAI-ARIA
// tabs pattern with automatic activation. One tab is in the Tab order; Left/Right move between tabs and show their
// panel, Home/End go to the first/last. Panels that are not shown are hidden, so they cost no layout.
import { uniqueId } from './ids';

export class Tabs {
  readonly element: HTMLElement;
  private list: HTMLElement;
  private tabs: HTMLButtonElement[] = [];
  private panels: HTMLElement[] = [];
  private shown: ((() => void) | undefined)[] = [];

  constructor(label: string) {
    this.element = document.createElement('div');
    this.element.className = 'lab-tabs';
    this.list = document.createElement('div');
    this.list.setAttribute('role', 'tablist');
    this.list.setAttribute('aria-label', label);
    this.list.addEventListener('keydown', (e) => this.onKey(e));
    this.element.append(this.list);
  }

  /** Adds a tab and returns its (empty) panel, for a view to draw into; `shown` is called each time it opens. */
  add(name: string, key: string, shown?: () => void): HTMLElement {
    const [tabId, panelId] = [uniqueId(`tab-${key}`), uniqueId(`tabpanel-${key}`)];
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.id = tabId;
    tab.textContent = name;
    tab.dataset.tab = key;
    tab.setAttribute('role', 'tab');
    tab.setAttribute('aria-controls', panelId);
    tab.addEventListener('click', () => this.select(this.tabs.indexOf(tab)));
    const panel = document.createElement('div');
    panel.id = panelId;
    panel.className = `lab-tabpanel tabpanel-${key}`;
    panel.setAttribute('role', 'tabpanel');
    panel.setAttribute('aria-labelledby', tabId);
    // A panel whose content may hold nothing focusable (charts) is itself in the Tab order, as the pattern asks.
    panel.tabIndex = 0;
    this.tabs.push(tab);
    this.panels.push(panel);
    this.shown.push(shown);
    this.list.append(tab);
    this.element.append(panel);
    this.select(0);
    return panel;
  }

  select(index: number, focus = false): void {
    this.tabs.forEach((tab, i) => {
      const on = i === index;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      const opening = on && this.panels[i].hidden;
      this.panels[i].hidden = !on;
      if (opening) this.shown[i]?.();
    });
    if (focus) this.tabs[index].focus();
  }

  private onKey(e: KeyboardEvent): void {
    const at = this.tabs.indexOf(e.target as HTMLButtonElement);
    if (at < 0) return;
    const last = this.tabs.length - 1;
    const to = { ArrowRight: at === last ? 0 : at + 1, ArrowLeft: at === 0 ? last : at - 1, Home: 0, End: last }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    e.stopPropagation();
    this.select(to, true);
  }
}
