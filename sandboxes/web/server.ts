// The web server's process: the HTTP server on its address (the app, app.ts), its worker pool (capacity.ts) watched
// once a second, its behaviour changed by a line on stdin (behaviour.ts), and a polite stop.
import http from 'node:http';
import { listen, myAddress } from '../network/net';
import { log, report } from '../shared/report';
import { createApp } from './app';
import { applyLine, describe, describeChange, type Behaviour } from './behaviour';
import { describeCapacity, WorkerPool } from './capacity';
import { createMetrics } from './metrics';

export class WebServer {
  private readonly pool: WorkerPool;
  private readonly server: http.Server;
  /** Requests being answered, which a graceful stop waits for. */
  private answering = 0;

  constructor(
    private readonly name: string,
    private behaviour: Behaviour,
  ) {
    this.pool = new WorkerPool(behaviour);
    const metrics = createMetrics(name, () => this.pool.now());
    this.server = http.createServer(
      createApp({ name, address: myAddress(), metrics }, () => this.behaviour, this.pool),
    );
    this.server.on('request', (_req, res) => {
      this.answering++;
      res.once('close', () => this.answering--);
    });
  }

  /** Listens on `address` (`:80`) and says so; `database` describes the store it uses, if any. */
  async listen(address: string, database?: string): Promise<void> {
    const bound = await listen(this.server, address);
    log(
      `${this.name} listening on ${bound.host}:${bound.port} (${describe(this.behaviour)}; ${describeCapacity(this.behaviour)})`,
    );
    if (database) log(`${this.name}: ${database}`);
    report({ type: 'web.listening', address: bound.host, port: bound.port });
    this.announce();
    this.watchPool();
  }

  /** A behaviour line (`slow 300ms`, `frozen on`: a hung app in a live process); throws for one it cannot read. */
  change(line: string): void {
    const before = this.behaviour;
    this.behaviour = applyLine(this.behaviour, line);
    this.pool.resize(this.behaviour);
    const changed = Object.fromEntries(
      Object.entries(this.behaviour).filter(([k, v]) => before[k as keyof Behaviour] !== v),
    );
    log(`${this.name} is now ${describeChange(this.behaviour, changed)}`, 'notice');
    this.announce();
  }

  /** A polite stop (systemctl stop): stop accepting, finish what is in flight; a request that never finishes (frozen on) gets one second. */
  async stop(): Promise<void> {
    this.server.close();
    const deadline = Date.now() + 1000;
    while (this.answering > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private announce(): void {
    report({ type: 'web.behaviour', ...this.behaviour });
  }

  // Once a second while the server has work, and once more when it falls idle: the pool's figures for the panel, and
  // a warning in the log when it is saturated, as PHP-FPM warns "server reached pm.max_children setting".
  private watchPool(): void {
    let wasBusy = false;
    let wasQueueing = false;
    setInterval(() => {
      const sample = this.pool.sample();
      const busy = sample.busy + sample.queued + sample.started + sample.refused > 0;
      if (busy || wasBusy) report({ type: 'web.pool', ...sample });
      const queueing = sample.max_queued > 0;
      if (sample.refused > 0) {
        log(
          `${this.name}: answered ${sample.refused} request${sample.refused === 1 ? '' : 's'} with 503 in the last second: all ${sample.workers} workers busy and the backlog of ${sample.backlog} full`,
          'warning',
        );
      } else if (queueing && !wasQueueing) {
        log(
          `${this.name}: server reached its ${sample.workers} workers, requests wait in the backlog (PHP-FPM: "server reached pm.max_children setting (${sample.workers}), consider raising it")`,
          'warning',
        );
      }
      [wasBusy, wasQueueing] = [busy, queueing];
    }, 1000).unref();
  }
}
