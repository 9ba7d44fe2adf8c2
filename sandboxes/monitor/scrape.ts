// Scraping one target, as Prometheus's scrape manager does: GET its metrics page (failing with the scraper's own error
// texts), and the labels each scraped sample is stored under.
import http from 'node:http';
import { connect } from '../network/net';
import type { Target } from './config';
import type { Labels } from './tsdb';

/** GETs a target's metrics page, failing like Prometheus's scraper does (its error texts). */
export function fetchMetrics(target: Target, timeoutMs: number): Promise<string> {
  const url = `http://${target.address}${target.path}`;
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        path: target.path,
        headers: { host: target.address, accept: 'text/plain;version=0.0.4' },
        createConnection: () => connect(target.address),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(body)
            : reject(new Error(`server returned HTTP status ${res.statusCode} ${res.statusMessage}`)),
        );
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('context deadline exceeded'), { code: 'TIMEOUT' })),
      timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const dial = `Get "${url}": dial tcp ${target.address}: connect: `;
      if (error.code === 'ECONNREFUSED') reject(new Error(dial + 'connection refused'));
      else if (error.code === 'TIMEOUT') reject(new Error(`Get "${url}": context deadline exceeded`));
      else reject(new Error(`Get "${url}": ${error.message}`));
    });
  });
}

/** The series labels of a scraped sample: its own, then the target's (a clash keeps the target's, as honor_labels: false). */
export function seriesLabels(name: string, own: Labels, target: Target): Labels {
  const labels: Labels = { __name__: name };
  for (const [k, v] of Object.entries(own)) labels[k === 'job' || k === 'instance' ? `exported_${k}` : k] = v;
  return { ...labels, ...target.labels, job: target.job, instance: target.address };
}
