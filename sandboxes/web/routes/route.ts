// What a route is. Routes are listed in ./index.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../metrics';

/** What a route may use besides the request. */
export interface WebContext {
  /** This server's name, e.g. web-01. */
  name: string;
  /** Its virtual address, e.g. 10.0.0.11. */
  address: string;
  metrics: Metrics;
}

export interface Route {
  /** Any method when left out. */
  method?: string;
  path: string;
  /** Part of the application: flaky errors apply (the health and metrics endpoints are not). */
  app: boolean;
  handle(req: IncomingMessage, res: ServerResponse, context: WebContext): void | Promise<void>;
}

/** Answers with a complete body and its Content-Length, as most app servers do for small pages. */
export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
