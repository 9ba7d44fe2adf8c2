// The web server's routes, one module each. To add some (e.g. the store's reads and writes), write a module that
// exports Route objects (./route.ts) and add them to the list below; app.ts applies the behaviours, metrics and
// events to every route.
import { health } from './health';
import { metrics } from './metrics';
import { page } from './page';
import type { Route } from './route';
import { kv } from '../database';

export const routes: readonly Route[] = [page, health, metrics, kv];

/** The route for a request, by method and path (without the query string). */
export function findRoute(method: string, url: string): Route | undefined {
  const path = url.split('?')[0];
  return routes.find((r) => r.path === path && (!r.method || r.method === method));
}
