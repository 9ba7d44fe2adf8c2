// The app's home page: says which server made it, so a learner can watch the balancer spread requests.
import { send, type Route } from './route';

export const page: Route = {
  method: 'GET',
  path: '/',
  app: true,
  handle(req, res, { name, address }) {
    const at = new Date().toISOString().slice(11, 23);
    const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name}</title></head>
<body><h1>Hello from ${name}</h1>
<p>Served by ${name} (${address}) to ${req.socket.remoteAddress} at ${at} UTC.</p></body></html>
`;
    send(res, 200, 'text/html; charset=utf-8', body);
  },
};
