// Active/passive one level down: between servers, HAProxy itself does both. Every server in rotation is
// active/active (round robin over web-01 and web-02, the seed's own design); a `server ... backup` line is
// active/passive: the backup gets requests only when every active server is DOWN, and loses them again as soon as one
// is back UP (HAProxy configuration manual, server option `backup`; sandboxes/balancer/picker.ts).
import type { SandboxEvent } from '../contracts/events/index';
import { appRequests, countBy, describeCounts, runsOf, transitions } from './build/observe';
import { defineScenario } from '../contracts/scenario';
import { balancer, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
const [web1, web2] = [webServer(1), webServer(2)];

/** Requests web-01 must have served alone before the spare's idleness counts. */
const ENOUGH = 10;
/** Requests that show who serves in each phase of an outage. */
const FEW = 3;

const servedBy = (events: readonly SandboxEvent[], node: string) =>
  appRequests(events, lb.address).filter((e) => e.node === node && e.status < 500);

/** Requests web-02 started just before web-01 came back UP end within a service time: after that, none are its. */
const SETTLE_MS = 1000;

/**
 * One configuration run of lb-01 seen as an outage of web-01: before lb-01 marked it DOWN, while it was DOWN, and
 * from a moment after it was UP again (each phase empty until it began).
 */
function phases(run: readonly SandboxEvent[]) {
  const down = transitions(run, web1.name, 'DOWN').at(0);
  const up = down && transitions(run, web1.name, 'UP').find((e) => e.seq > down.seq);
  return {
    before: down ? run.filter((e) => e.seq < down.seq) : run,
    during: down ? run.filter((e) => e.seq > down.seq && (!up || e.seq < up.seq)) : [],
    after: up ? run.filter((e) => e.time > up.time + SETTLE_MS) : [],
  };
}

/** web-01 served, web-02 ran and passed its checks, and served nothing: a spare. */
function idleSpare(events: readonly SandboxEvent[]): boolean {
  const stayedUp = !events.some(
    (e) =>
      (e.type === 'node.exited' && e.name === web2.name) ||
      (e.type === 'balancer.server' && e.server === web2.name && !e.usable),
  );
  return stayedUp && servedBy(events, web1.name).length >= ENOUGH && servedBy(events, web2.name).length === 0;
}

function observed(events: readonly SandboxEvent[]): string {
  const now = runsOf(events, lb.name).at(-1) ?? [];
  return `since lb-01 last (re)started or reloaded: ${describeCounts(countBy(appRequests(now, lb.address), (e) => e.node))}`;
}

export default defineScenario({
  name: 'backup-server',
  title: 'A backup server',
  summary:
    'One HAProxy, lb-01 (10.0.0.2), sends requests to web-01 and web-02 in turn. Both serve all the time: is that active/active or active/passive?',
  nodes: [web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
      ],
    }),
  },
  faults: [],
  goals: [
    {
      id: 'idle-spare',
      title: 'Make web-02 a spare: it keeps running and passing its checks, but web-01 serves every request.',
      hints: [
        'Round robin over two servers is active/active: both take requests. HAProxy has a server option for a spare that waits.',
        'A server line ending in `backup` is used only when every other server is DOWN. Change haproxy.cfg, then `reload` lb-01.',
        'Add `backup` at the end of the `server web-02 ...` line, `reload`, then `load -r 10 -d 2s`.',
      ],
      solution: [
        'edit haproxy.cfg',
        `#   add "backup" at the end of the line "server ${web2.name} ${web2.address}:80 check inter 1s fall 3 rise 2", save`,
        'reload',
        'load -r 10 -d 2s',
      ],
      check({ events }) {
        const met = runsOf(events, lb.name).some(idleSpare);
        return {
          met,
          expected: `${ENOUGH}+ requests through lb-01 served by web-01 while web-02 runs, is UP and serves none`,
          observed: observed(events),
        };
      },
    },
    {
      id: 'backup-takes-over',
      title: 'Take web-01 away and see the spare serve, then bring web-01 back and see the spare fall idle again.',
      hints: [
        'The spare from the first exercise is needed here too (after a reset, make it again).',
        'Keep traffic running while web-01 dies and comes back: `infra kill` and `infra start` take `--in 5s` to act later, while `load` runs.',
        'With web-02 a `backup`: `load -r 10 -d 2s`, then `infra kill web-01`, `infra start web-01 --in 6s` and `load -r 10 -d 16s`.',
      ],
      // The first load is web-01 serving alone; the kill and the delayed start are typed right before the second, so it
      // spans web-01's detection as DOWN (fall 3: 3 s), its start at 6 s and its return UP (rise 2: 2 s later), with
      // several seconds of web-01 serving again after that, even on a busy machine.
      solution: [
        'edit haproxy.cfg',
        `#   add "backup" at the end of the line "server ${web2.name} ${web2.address}:80 check inter 1s fall 3 rise 2", save`,
        'reload',
        'load -r 10 -d 2s',
        'infra kill web-01',
        'infra start web-01 --in 6s',
        'load -r 10 -d 16s',
      ],
      check({ events }) {
        const outages = runsOf(events, lb.name).map(phases);
        const met = outages.some(
          ({ before, during, after }) =>
            idleSpare(before) &&
            servedBy(during, web2.name).length >= FEW &&
            servedBy(after, web1.name).length >= FEW &&
            servedBy(after, web2.name).length === 0,
        );
        const last = outages.at(-1);
        const seen = !last
          ? 'no request through lb-01 yet'
          : `web-02 served ${servedBy(last.before, web2.name).length} before web-01 went DOWN, ${servedBy(last.during, web2.name).length} while it was DOWN, ${servedBy(last.after, web2.name).length} after it came back (web-01: ${servedBy(last.after, web1.name).length})`;
        return {
          met,
          expected: `web-02 idle while web-01 serves, serving while web-01 is DOWN (${FEW}+), idle again once web-01 is UP (web-01 ${FEW}+)`,
          observed: seen,
        };
      },
    },
  ],
});
