// Metrics for Prometheus, as postgres_exporter (port 9187) names them, so the monitoring lesson's alert
// `pg_replication_lag_seconds > 5` reads the same as on a real PostgreSQL:
//   pg_up, pg_replication_is_replica, pg_replication_lag_seconds (standby: how old the oldest received but not yet
//   replayed commit is, else 0; postgres_exporter computes about the same from pg_last_xact_replay_timestamp()),
//   pg_stat_replication_pg_wal_lsn_diff (primary: bytes each standby's replay is behind).
import http from 'node:http';
import { CONTENT_TYPE, exposition, type Family } from '../shared/prometheus';
import { listen } from '../shared/net';

export interface ExporterView {
  role(): 'primary' | 'standby';
  replicationLagSeconds(): number;
  standbys(): { application_name: string; client_addr: string; state: string; behind_bytes: number }[];
}

/** The gauges as they are at scrape time. */
function gauges(view: ExporterView): Family[] {
  const gauge = (name: string, help: string, value: number): Family => ({ name, help, type: 'gauge', samples: [{ labels: {}, value }] });
  return [
    gauge('pg_up', 'Whether the last scrape of the database was able to connect to the server (1 for yes, 0 for no).', 1),
    gauge('pg_replication_is_replica', 'Indicates if the server is a replica', view.role() === 'standby' ? 1 : 0),
    gauge('pg_replication_lag_seconds', 'Replication lag behind master in seconds', view.replicationLagSeconds()),
    {
      name: 'pg_stat_replication_pg_wal_lsn_diff',
      help: 'Lag in bytes between master and slave',
      type: 'gauge',
      samples: view.standbys().map((s) => ({ labels: { application_name: s.application_name, client_addr: s.client_addr, state: s.state }, value: s.behind_bytes })),
    },
  ];
}

export async function serveMetrics(address: string, view: ExporterView): Promise<string> {
  const server = http.createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found: the metrics are at /metrics\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE }).end(exposition(gauges(view)));
  });
  const bound = await listen(server, address);
  return `${bound.host}:${bound.port}`;
}
