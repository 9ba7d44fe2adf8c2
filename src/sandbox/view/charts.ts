// Live charts with uPlot (small and fast): requests/s per server, error rate, p95 latency and, where there are
// replicas, replication lag. Series differ by dash pattern as well as colour, and each chart has a one-line text
// summary of its latest values, so no reading depends on colour.
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { series } from './traffic';
import { caption, plotted } from './chart-text';
import type { ViewState } from './state';

const SECONDS_SHOWN = 60;
const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
const dashes: number[][] = [[], [10, 5], [3, 4], [12, 4, 3, 4], [6, 6], [2, 2]];

interface Chart {
  key: string;
  plot?: uPlot;
  box: HTMLElement;
  summary: HTMLParagraphElement;
}

export class Charts {
  private charts = new Map<string, Chart>();
  private UPlot?: typeof uPlot;
  private loading?: Promise<void>;
  private root: HTMLElement;
  private observer: ResizeObserver;
  private last?: ViewState;

  constructor(host: HTMLElement) {
    this.root = document.createElement('section');
    this.root.className = 'charts';
    this.root.setAttribute('aria-label', 'Charts');
    host.appendChild(this.root);
    this.observer = new ResizeObserver(() => {
      for (const c of this.charts.values()) c.plot?.setSize(this.size(c.box));
    });
    this.observer.observe(this.root);
  }

  /**
   * Redraws the text summaries, and the plots when they are shown: a plot drawn in a hidden tab every second would
   * cost the main thread (uPlot's canvases, their layout) for nothing. `shown` draws them when the tab opens.
   */
  update(state: ViewState): void {
    this.last = state;
    const servers = state.nodes.filter((n) => n.role === 'web').map((n) => n.name);
    const replicas = state.nodes.filter((n) => n.role === 'store').map((n) => n.name);
    const to = Math.floor(state.time / 1000);
    const s = series(state.traffic, servers, replicas, Math.max(0, to - SECONDS_SHOWN), to);
    const text = (name: string, values: (number | null)[], unit: string) => caption(name, values, s.seconds, unit);
    this.draw(
      'rps',
      'Requests/s per server',
      servers,
      [s.seconds, ...servers.map((n) => s.perServer[n])],
      servers.map((n) => text(n, s.perServer[n], '/s')).join(', '),
    );
    this.draw(
      'errors',
      'Errors (% of requests)',
      ['errors'],
      [s.seconds, s.errorRate],
      text('errors', s.errorRate, ' %'),
    );
    this.draw('p95', 'Latency p95 (ms)', ['p95'], [s.seconds, s.p95], text('p95', s.p95, ' ms'));
    const lagged = replicas.filter((r) => state.nodes.find((n) => n.name === r)?.replication?.role === 'replica');
    if (lagged.length)
      this.draw(
        'lag',
        'Replication lag (ms)',
        lagged,
        [s.seconds, ...lagged.map((r) => s.lag_ms[r])],
        lagged.map((r) => text(r, s.lag_ms[r], ' ms')).join(', '),
      );
  }

  /** The charts' tab opened: draw the plots from the latest state. */
  shown(): void {
    if (this.last) this.update(this.last);
  }

  private size(box: HTMLElement) {
    return { width: Math.max(200, box.clientWidth), height: 150 };
  }

  private draw(id: string, title: string, names: string[], data: (number | null)[][], summary: string): void {
    let chart = this.charts.get(id);
    if (!chart) {
      const figure = document.createElement('figure');
      figure.className = `chart chart-${id}`;
      figure.innerHTML = `<figcaption>${title}</figcaption><div class="plot" aria-hidden="true"></div><p class="summary"></p>`;
      this.root.appendChild(figure);
      chart = { key: '', box: figure.querySelector('.plot')!, summary: figure.querySelector('.summary')! };
      this.charts.set(id, chart);
    }
    chart.summary.textContent = summary;
    if (this.root.getClientRects().length === 0) return; // not rendered: a hidden tab
    if (!this.UPlot) {
      // uPlot's code loads when a plot is first drawn (the Charts tab opened), not with the views: its evaluation
      // would take main-thread time while the sandbox starts, for a tab that starts hidden. Should the load fail (a
      // static host gone offline), the summaries still tell all.
      this.loading ??= import('uplot').then(
        (module) => {
          this.UPlot = module.default;
          this.shown();
        },
        () => {},
      );
      return;
    }
    const columns = plotted(data) as uPlot.AlignedData;
    const key = names.join(',');
    if (!chart.plot || chart.key !== key) {
      chart.plot?.destroy();
      chart.key = key;
      chart.plot = new this.UPlot(
        {
          ...this.size(chart.box),
          scales: { x: { time: false } },
          legend: { show: names.length > 1 },
          axes: [{ label: 's' }, {}],
          series: [
            { label: 'time (s)' },
            ...names.map((label, i) => ({
              label,
              stroke: palette[i % palette.length],
              dash: dashes[i % dashes.length],
              width: 2,
              spanGaps: false,
            })),
          ],
        },
        columns,
        chart.box,
      );
    } else chart.plot!.setData(columns);
  }
}
