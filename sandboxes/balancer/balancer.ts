// The running balancer: builds frontends, backends and health checks from a parsed configuration, listens, and
// reloads. A reload works as HAProxy's master-worker reload does for a client: the new configuration takes the
// new requests, requests in flight finish on the old one, listening sockets stay open (no refused connection),
// and a configuration that fails the check is refused with its errors while the old one keeps running.
import type http from 'node:http';
import type net from 'node:net';
import { listen } from '../network/net';
import { report } from '../shared/report';
import { readSessionFile, sessionFileExists, strerror } from '../shared/session-folder';
import { Backend, Counters } from './backend';
import { startChecks } from './checks';
import { parseConfigInSlices, type Config, type ProxyConfig } from './config';
import { createListener, process_, type Frontend } from './frontend';
import { say } from './messages';
import { metricsText } from './metrics';
import { StickTable } from './ratelimit';
import { headerRules, requestRules } from './rules';
import { createRuntimeServer, type RuntimeTarget } from './runtime-api';
import { statCsv, statHtml, type StatsProxy } from './stats';

interface Generation {
  config: Config;
  frontends: Map<string, Frontend>;
  backends: Map<string, Backend>;
  tables: Map<string, StickTable>;
  stopChecks: (() => void)[];
}

export class Balancer implements RuntimeTarget {
  readonly startedAt = Date.now();
  private current!: Generation;
  /** Listening sockets by bind address, each pointing at a frontend by name. */
  private readonly listeners = new Map<string, { server: http.Server | net.Server; frontend: string }>();

  constructor(private readonly file: string) {}

  get backends(): Map<string, Backend> {
    return this.current.backends;
  }
  get tables(): Map<string, StickTable> {
    return this.current.tables;
  }
  connections(): number {
    return process_.conns;
  }

  async start(config: Config): Promise<void> {
    this.current = this.build(config);
    await this.bindAll();
    for (const proxy of config.proxies) say('NOTICE', `Proxy ${proxy.name} started.`);
    this.announce();
  }

  /**
   * Re-reads the file; applies it if it passes the check, else keeps the running configuration. Reloads run one
   * after another, and the parse leaves the event loop free between slices, so traffic flows while it checks.
   */
  reload(): Promise<{ ok: boolean; messages: string[] }> {
    const reloaded = this.reloading.then(() => this.reloadNow());
    this.reloading = reloaded.catch(() => {});
    return reloaded;
  }

  private reloading: Promise<unknown> = Promise.resolve();

  private async reloadNow(): Promise<{ ok: boolean; messages: string[] }> {
    let text: string;
    try {
      text = readSessionFile(this.file);
    } catch (error) {
      const messages = [`config : Could not open configuration file ${this.file} : ${strerror(error)}`];
      messages.forEach((m) => say('ALERT', m));
      report({ type: 'balancer.reload', ok: false, messages });
      return { ok: false, messages };
    }
    const { config, errors, warnings } = await parseConfigInSlices(
      text,
      this.file.split('/').pop() ?? this.file,
      sessionFileExists,
    );
    if (!config) {
      const messages = [
        ...errors.map((a) => `config : ${a}`),
        `config : Error(s) found in configuration file : ${this.file}`,
        'config : Fatal errors found in configuration.',
        'Reload failed: the running configuration is kept.',
      ];
      messages.forEach((m) => say('ALERT', m));
      report({ type: 'balancer.reload', ok: false, messages });
      return { ok: false, messages };
    }
    warnings.forEach((w) => say('WARNING', `config : ${w}`));
    const old = this.current;
    old.stopChecks.forEach((stop) => stop());
    this.current = this.build(config);
    this.bindAll()
      .then(() => this.announce())
      .catch((error) => say('ALERT', `Reload: ${(error as Error).message}`));
    say('NOTICE', 'Reloading HAProxy: configuration re-read, new requests use it.');
    report({ type: 'balancer.reload', ok: true, messages: warnings.map((w) => `config : ${w}`) });
    return { ok: true, messages: warnings };
  }

  /** HAProxy's soft stop: stop listening and checking, then let open connections finish (for at most `graceMs`). */
  async stop(graceMs = 1000): Promise<void> {
    this.current.stopChecks.forEach((stop) => stop());
    for (const { server } of this.listeners.values()) {
      server.close();
      (server as http.Server).closeIdleConnections?.();
    }
    const deadline = Date.now() + graceMs;
    while (process_.conns > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  statsProxies(): StatsProxy[] {
    const { config, frontends, backends } = this.current;
    return config.proxies
      .filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i)
      .map((p) => ({ name: p.name, frontend: frontends.get(p.name), backend: backends.get(p.name) }));
  }

  private build(config: Config): Generation {
    const backends = new Map<string, Backend>();
    const frontends = new Map<string, Frontend>();
    // Stick tables start empty on reload, as in HAProxy without `peers` to hand them over.
    const tables = new Map(
      config.proxies.filter((p) => p.stickTable).map((p) => [p.name, new StickTable(p.name, p.stickTable!)]),
    );
    for (const proxy of config.proxies) if (proxy.kind !== 'frontend') backends.set(proxy.name, new Backend(proxy));
    for (const proxy of config.proxies) {
      if (proxy.kind === 'backend') continue;
      const backend = proxy.defaultBackend
        ? backends.get(proxy.defaultBackend.name)
        : proxy.servers.length
          ? backends.get(proxy.name)
          : undefined;
      // The backend's header rules run first, then the frontend's, as in HAProxy.
      const responseRules =
        backend && backend.config !== proxy ? [...backend.config.headerRules, ...proxy.headerRules] : proxy.headerRules;
      frontends.set(proxy.name, {
        config: proxy,
        backend,
        counters: new Counters(),
        conns: 0,
        denied: 0,
        requestRules: requestRules(proxy.rules, tables),
        headerRules: headerRules(responseRules),
        local: this.localPages(proxy),
      });
    }
    return { config, frontends, backends, tables, stopChecks: [...backends.values()].map(startChecks) };
  }

  /** The stats page and the exporter, when the proxy enables them. */
  private localPages(proxy: ProxyConfig): Frontend['local'] {
    if (!proxy.stats && !proxy.metricsPath) return undefined;
    return (req, res) => {
      const url = req.url ?? '/';
      res.removeHeader('connection');
      res.removeHeader('date');
      if (proxy.metricsPath && url.split('?')[0] === proxy.metricsPath) {
        const { frontends, backends } = this.current;
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'cache-control': 'no-cache' });
        res.end(metricsText([...frontends.values()], [...backends.values()], this.startedAt, process_.conns));
        return '<PROMEX>';
      }
      if (proxy.stats && url.startsWith(proxy.stats.uri)) {
        const csv = url.includes(';csv');
        res.writeHead(200, { 'content-type': csv ? 'text/plain' : 'text/html', 'cache-control': 'no-cache' });
        res.end(csv ? statCsv(this.statsProxies()) : statHtml(this.statsProxies(), proxy.stats.refresh));
        return '<STATS>';
      }
      return undefined;
    };
  }

  /** Listens on every bind address and stats socket of the current configuration; closes the ones it dropped. */
  private async bindAll(): Promise<void> {
    const { config, frontends } = this.current;
    const wanted = new Map<string, string>();
    const crts = new Map<string, string>();
    for (const fe of frontends.values()) {
      for (const bind of fe.config.binds) {
        wanted.set(bind.address, fe.config.name);
        if (bind.crt) crts.set(bind.address, bind.crt);
      }
    }
    for (const socket of config.statsSockets) wanted.set(`runtime@${socket.address}`, '');

    for (const [address, entry] of this.listeners) {
      if (wanted.has(address)) continue;
      entry.server.close();
      (entry.server as http.Server).closeIdleConnections?.();
      this.listeners.delete(address);
    }
    for (const [address, frontend] of wanted) {
      const existing = this.listeners.get(address);
      if (existing) {
        existing.frontend = frontend;
        continue;
      }
      const entry = { frontend, server: undefined as unknown as http.Server | net.Server };
      const runtime = address.startsWith('runtime@');
      entry.server = runtime
        ? createRuntimeServer(() => this)
        : createListener(() => this.current.frontends.get(entry.frontend));
      try {
        // TLS termination: a front runs the TLS model's handshake and hands the decrypted stream to the same listener.
        // Loaded only by a balancer that terminates TLS: its ciphers and curves precompute their tables as they load,
        // a fifth of the start of every other balancer (bench/process-start.mjs).
        const crt = crts.get(address);
        const socket = crt
          ? await (await import('../network/tls/terminate')).tlsFront(entry.server as http.Server, crt)
          : entry.server;
        if (crt) entry.server.once('close', () => socket.close());
        await listen(socket, runtime ? ownLoopback(address.slice('runtime@'.length)) : address);
      } catch (error) {
        const what = runtime ? `stats socket ${address.slice('runtime@'.length)}` : `frontend ${frontend}`;
        throw new Error(
          `Starting ${what}: cannot bind socket (${(error as Error).message}) [${address.replace('runtime@', '')}]`,
        );
      }
      this.listeners.set(address, entry);
    }
  }

  private announce(): void {
    const { config, frontends } = this.current;
    report({
      type: 'balancer.listening',
      frontends: [...frontends.values()].flatMap((fe) =>
        fe.config.binds.map((b) => ({ name: fe.config.name, address: b.address })),
      ),
      statsSockets: config.statsSockets.map((s) => s.address),
    });
  }
}

/**
 * `stats socket ipv4@127.0.0.1:9999` is the usual way to keep the runtime API local. Inside the sandbox every node
 * shares one loopback, so "this node's own loopback" becomes this node's address (where the shell reaches it).
 */
function ownLoopback(address: string): string {
  return process.env.SANDBOX_NET ? address.replace(/^(127\.0\.0\.1|localhost):/, ':') : address;
}
