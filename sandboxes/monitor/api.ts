// The monitor's HTTP API on :9090, the part of Prometheus's that the shell's `metrics` command reads:
// /api/v1/query (an instant PromQL query), /api/v1/alerts and /api/v1/targets, in Prometheus's JSON shapes.
import http from 'node:http';
import type { RuleState } from './alerts';
import type { Target } from './config';
import { compile, evaluate } from './promql';
import type { Tsdb } from './tsdb';

export interface TargetHealth {
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape?: number;
}

export function createApi(db: Tsdb, rules: RuleState[], health: Map<Target, TargetHealth>): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://monitor');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/query') {
      try {
        const now = Date.now();
        const result = evaluate(compile(url.searchParams.get('query') ?? ''), db, now);
        send(200, {
          status: 'success',
          data: {
            resultType: 'vector',
            result: result.map((s) => ({ metric: s.labels, value: [now / 1000, String(s.value)] })),
          },
        });
      } catch (error) {
        send(400, { status: 'error', errorType: 'bad_data', error: (error as Error).message });
      }
    } else if (url.pathname === '/api/v1/alerts') {
      const alerts = rules.flatMap((r) =>
        [...r.active.values()].map((a) => ({
          ...a,
          activeAt: new Date(a.activeAt).toISOString(),
          value: String(a.value),
        })),
      );
      send(200, { status: 'success', data: { alerts } });
    } else if (url.pathname === '/api/v1/targets') {
      const activeTargets = [...health].map(([t, h]) => ({
        labels: { job: t.job, instance: t.address, ...t.labels },
        scrapeUrl: `http://${t.address}${t.path}`,
        health: h.health,
        lastError: h.lastError,
        lastScrape: h.lastScrape ? new Date(h.lastScrape).toISOString() : null,
      }));
      send(200, { status: 'success', data: { activeTargets } });
    } else
      send(404, {
        status: 'error',
        errorType: 'not_found',
        error: `${url.pathname}: try /api/v1/query?query=up, /api/v1/alerts or /api/v1/targets`,
      });
  });
}
