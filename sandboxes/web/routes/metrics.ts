// Prometheus scrapes this (the monitoring lessons); `curl http://10.0.0.11/metrics` shows the same text.
import { send, type Route } from './route';

export const metrics: Route = {
  method: 'GET',
  path: '/metrics',
  app: false,
  handle(_req, res, { metrics }) {
    send(res, 200, metrics.contentType, metrics.text());
  },
};
