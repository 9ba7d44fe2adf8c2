// The app's home page: says which server made it, so a learner can watch the balancer spread requests.
import { send, type Route } from './route';

export const page: Route = {
  method: 'GET',
  path: '/',
  app: true,
  handle(req, res, { name, address }) {
    const at = new Date().toISOString().slice(11, 23);
    // Behind a balancer the caller is the balancer; `option forwardfor` passes on who the visitor is.
    const forwarded = req.headers['x-forwarded-for'];
    const to = `${req.socket.remoteAddress}${forwarded ? ` (for ${escapeHtml(String(forwarded))})` : ''}`;
    const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name}</title></head>
<body><h1>Hello from ${name}</h1>
<p>Served by ${name} (${address}) to ${to} at ${at} UTC.</p></body></html>
`;
    send(res, 200, 'text/html; charset=utf-8', body);
  },
};

/** The header comes from the client: written into HTML, it must stay text. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
