// Metrics for Prometheus, as postgres_exporter (port 9187) names them, so the monitoring lesson's alert
// `pg_replication_lag_seconds > 5` reads the same as on a real PostgreSQL:
//   pg_up, pg_replication_is_replica, pg_replication_lag_seconds (standby: how old the oldest received but not yet
//   replayed commit is, else 0; postgres_exporter computes about the same from pg_last_xact_replay_timestamp()),
//   pg_stat_replication_pg_wal_lsn_diff (primary: bytes each standby's replay is behind).
import http from 'node:http';
// Each class from its own file, not prom-client's index (which loads node:https for its Pushgateway): ../web/metrics.ts.
import Gauge from 'prom-client/lib/gauge';
import Registry from 'prom-client/lib/registry';
import { listen } from '../network/net';

export interface ExporterView {
  role(): 'primary' | 'standby';
  replicationLagSeconds(): number;
  standbys(): { application_name: string; client_addr: string; state: string; behind_bytes: number }[];
}

export async function serveMetrics(address: string, view: ExporterView): Promise<string> {
  const registry = new Registry();
  new Gauge({
    name: 'pg_up',
    help: 'Whether the last scrape of the database was able to connect to the server (1 for yes, 0 for no).',
    registers: [registry],
    collect() {
      this.set(1);
    },
  });
  new Gauge({
    name: 'pg_replication_is_replica',
    help: 'Indicates if the server is a replica',
    registers: [registry],
    collect() {
      this.set(view.role() === 'standby' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pg_replication_lag_seconds',
    help: 'Replication lag behind master in seconds',
    registers: [registry],
    collect() {
      this.set(view.replicationLagSeconds());
    },
  });
  new Gauge({
    name: 'pg_stat_replication_pg_wal_lsn_diff',
    help: 'Lag in bytes between master and slave',
    labelNames: ['application_name', 'client_addr', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of view.standbys())
        this.set({ application_name: s.application_name, client_addr: s.client_addr, state: s.state }, s.behind_bytes);
    },
  });
  const server = http.createServer(async (req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found: the metrics are at /metrics\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': registry.contentType }).end(await registry.metrics());
  });
  const bound = await listen(server, address);
  return `${bound.host}:${bound.port}`;
}
