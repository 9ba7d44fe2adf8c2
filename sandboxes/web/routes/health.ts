// The health endpoint the balancer's `option httpchk GET /health` asks: 200 while the app can serve.
import { send, type Route } from './route';

export const health: Route = {
  path: '/health',
  app: false,
  handle(_req, res) {
    send(res, 200, 'text/plain', 'OK\n');
  },
};
