// How a sandbox program tells the world what it did, without cluttering the code learners read.
//
// - log(text): a human log line in the real tool's format (HAProxy, keepalived, PostgreSQL). Printed on stdout when
//   the program runs by hand in a terminal; sent as a `log` event when it runs under the supervisor.
// - report(event): a structured event (a request and where it went, a health change, a replication position...).
//   Only under the supervisor (SANDBOX_EVENTS=1), as one JSON object per line on stdout, which the supervisor
//   stamps with a sequence number, a time and the node's name, and merges into the one ordered event stream.
import type { NodeEvent } from '../contracts/events/index';

const supervised = () => process.env.SANDBOX_EVENTS === '1';

export function report(event: NodeEvent): void {
  if (supervised()) process.stdout.write(JSON.stringify(event) + '\n');
}

export function log(text: string, level: 'info' | 'notice' | 'warning' | 'alert' | 'error' = 'info'): void {
  if (supervised()) report({ type: 'log', level, text });
  else process.stdout.write(text + '\n');
}
