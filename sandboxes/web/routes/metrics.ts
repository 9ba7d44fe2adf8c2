// Prometheus scrapes this (the monitoring lessons); `curl http://10.0.0.11/metrics` shows the same text.
import { send, type Route } from './route';

export const metrics: Route = {
  method: 'GET',
  path: '/metrics',
  app: false,
  async handle(_req, res, { metrics }) {
    send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
  },
};
