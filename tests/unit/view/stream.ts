// Builds event streams for the view tests the way the supervisor stamps them: seq from 1, time, node.
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';

export type Unstamped = SandboxEvent extends infer E
  ? E extends SandboxEvent
    ? Omit<E, 'seq' | 'time' | 'node'>
    : never
  : never;

export function stream(...entries: [time: number, node: string, event: Unstamped][]): SandboxEvent[] {
  return entries.map(([time, node, event], i) => ({ ...event, seq: i + 1, time, node }) as SandboxEvent);
}

export const twoServers: Extract<Unstamped, { type: 'scenario' }> = {
  type: 'scenario',
  name: 'two-servers',
  title: 'Two servers behind a balancer',
  summary: 'A balancer shares requests between two web servers.',
  nodes: [
    { name: 'lb-01', role: 'balancer', address: '10.0.0.2', ports: [80], program: 'balancer' },
    { name: 'web-01', role: 'web', address: '10.0.0.11', ports: [80], program: 'web' },
    { name: 'web-02', role: 'web', address: '10.0.0.12', ports: [80], program: 'web' },
  ],
  goals: [
    { id: 'see-both', title: 'See both servers answer', hints: ['curl twice'], solution: ['curl http://10.0.0.2/'] },
    { id: 'survive-kill', title: 'Keep serving with web-01 dead', hints: ['kill it'], solution: ['infra kill web-01'] },
  ],
  predictions: [],
  files: ['haproxy.cfg'],
};

/** A request through lb-01 as the balancer reports it (HAProxy's httplog fields). */
export const request = (
  status: number,
  duration_ms = 2,
  server: string | null = 'web-01',
): Extract<Unstamped, { type: 'balancer.request' }> => ({
  type: 'balancer.request',
  client: '203.0.113.10:40000',
  frontend: 'fe_web',
  backend: 'be_app',
  server,
  method: 'GET',
  path: '/',
  status,
  bytes: 138,
  timings: { TR: 0, Tw: 0, Tc: 1, Tr: duration_ms - 1, Ta: duration_ms },
  termination: status === 503 && !server ? 'SC--' : '----',
  retries: 0,
  redispatched: false,
});

export const webRequest = (
  status: number,
  client: string,
  path = '/',
): Extract<Unstamped, { type: 'web.request' }> => ({
  type: 'web.request',
  method: 'GET',
  path,
  status,
  duration_ms: 3,
  wait_ms: 0,
  client,
});

/** The supervisor's events for a node killed (SIGKILL, as `infra kill` does) and started again. */
export const killed = (name: string): Unstamped => ({
  type: 'node.exited',
  name,
  code: null,
  signal: 'SIGKILL',
  cause: 'killed',
  state: 'stopped',
});
export const started = (name: string): Unstamped => ({ type: 'node.started', name, pid: 1, address: '10.0.0.2' });
