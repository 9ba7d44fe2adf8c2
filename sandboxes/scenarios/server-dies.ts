// The load balancer: what a balancer does when a server dies, and the two settings that decide whether
// visitors notice (health checks take the server out; `option redispatch` saves the requests caught in between).
import { balancerRequests, caughtDying, exits, failures, plural, transitions } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import { balancer, haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';

const lb = balancer();
// 20 ms of work per request, not the default 140 (sandboxes/web/README.md): this lesson is about a death, not about
// capacity, so the survivor carries the whole load with room to spare and few requests are in flight at the kill.
const QUICK = ['--service-time', '20ms'];
const [web1, web2] = [webServer(1, QUICK), webServer(2, QUICK)];

/**
 * After a kill, how long the check looks at what clients got: until detection (fall × inter = 3 s) every request
 * sent to the dead server waits for its 3 retries (about 3 s more) before its 503, so 8 s covers them all.
 */
const AFTERMATH_MS = 8000;

/**
 * The requests lb-01 took in while web-01 was dead and not yet DOWN and then failed: they went to web-01 and, without
 * `option redispatch`, failed there. Measured at the first death of web-01 during which lb-01 was taking requests,
 * once its aftermath is over (the last of them has had its retries and its answer); a request counts from when
 * lb-01 accepted it (its log line's time minus Ta).
 */
export function failuresBeforeDown({ events, now }: Pick<World, 'events' | 'now'>) {
  for (const death of exits(events, web1.name)) {
    const down = transitions(events, web1.name, 'DOWN').find((e) => e.seq > death.seq);
    if (!down || now < death.time + AFTERMATH_MS) return undefined;
    const accepted = balancerRequests(events, lb.name).filter((r) => {
      const at = r.time - Math.max(0, r.timings.Ta);
      return at >= death.time && at <= down.time;
    });
    if (!accepted.length) continue;
    const failed = accepted.filter((r) => r.status >= 500).length;
    const redispatched = accepted.filter((r) => r.redispatched).length;
    const window = ((down.time - death.time) / 1000).toFixed(1);
    const how = `of the ${plural(accepted.length, 'request')} lb-01 took in during the ${window} s from web-01's death to DOWN, ${failed} failed`;
    return {
      value: failed,
      how: redispatched
        ? `${how}; ${redispatched} ${redispatched === 1 ? 'was' : 'were'} redispatched to web-02 (option redispatch was on)`
        : how,
    };
  }
  return undefined;
}

/** How long lb-01 took to mark web-01 DOWN after its first death, in seconds: fall × inter after the last good check. */
export function detectionTime({ events }: Pick<World, 'events'>) {
  const death = exits(events, web1.name).at(0);
  const down = death && transitions(events, web1.name, 'DOWN').find((e) => e.seq > death.seq);
  if (!down) return undefined;
  return {
    value: Number(((down.time - death.time) / 1000).toFixed(1)),
    how: "from web-01's death to lb-01's `Server be_app/web-01 is DOWN`",
  };
}

export default defineScenario({
  name: 'server-dies',
  title: 'A server dies under load',
  summary:
    'lb-01 checks web-01 and web-02 every second (fall 3, rise 2) and retries a failed connection 3 times, but on the same server: without `option redispatch`, requests caught between the death and its detection fail.',
  nodes: [web1, web2, lb],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
      ],
    }),
  },
  faults: [],
  goals: [
    {
      id: 'marked-down',
      title: 'Kill web-01 and watch lb-01 mark it DOWN after three failed checks.',
      hints: [
        'The balancer checks each server with `GET /health` every second (`check inter 1s`).',
        'After `fall 3` failed checks in a row it logs `Server be_app/web-01 is DOWN` and stops sending it requests.',
        'Run `infra kill web-01` and wait about three seconds.',
      ],
      solution: ['infra kill web-01'],
      check({ events }) {
        const down = transitions(events, web1.name, 'DOWN');
        const death = exits(events, web1.name).at(0);
        return {
          met: down.length > 0,
          expected: 'lb-01 marks web-01 DOWN',
          observed: down.length
            ? `lb-01 marked web-01 DOWN${death ? ` ${((down[0].time - death.time) / 1000).toFixed(1)} s after it died` : ''}`
            : death
              ? 'web-01 is down, lb-01 has not noticed yet'
              : 'web-01 is still up',
        };
      },
    },
    {
      id: 'back-in-rotation',
      title: 'Start web-01 again and watch lb-01 mark it UP after two good checks.',
      hints: [
        'First let lb-01 mark web-01 DOWN (previous goal); `infra start web-01` then brings the server back.',
        'After `rise 2` good checks lb-01 logs `Server be_app/web-01 is UP`.',
        '`infra start web-01 --in 6s` starts it six seconds from now, once lb-01 has marked it DOWN.',
      ],
      solution: ['infra kill web-01', 'infra start web-01 --in 6s'],
      check({ events }) {
        const down = transitions(events, web1.name, 'DOWN').at(0);
        const up = down && transitions(events, web1.name, 'UP').find((e) => e.seq > down.seq);
        return {
          met: !!up,
          expected: 'web-01 marked DOWN, then UP again',
          observed: up ? 'web-01 is back in rotation' : down ? 'web-01 is DOWN' : 'web-01 has not been marked DOWN yet',
        };
      },
    },
    {
      id: 'no-failed-request',
      title:
        'Make a server death invisible: kill a server while traffic flows, and no request fails but those it was answering as it died.',
      hints: [
        'First try it as is: run some load, kill web-01 during it, and look at the failed requests (503 after 3 s).',
        'lb-01 retries a failed connection 3 times on the same dead server. HAProxy can send the retry to another server instead.',
        'Add `option redispatch` to the backend in haproxy.cfg, `reload`, then kill web-01 during a load.',
      ],
      solution: [
        'edit haproxy.cfg',
        '#   add the line "option redispatch" under "retries 3" in backend be_app, save',
        'reload',
        'infra kill web-01 --in 1s',
        'load -r 20 -d 6s',
      ],
      check({ events, now }) {
        // Look at every kill whose aftermath is over: the requests lb-01 answered from the death until then.
        const kills = [web1, web2].flatMap((web) => exits(events, web.name).map((death) => ({ web, death })));
        const verdicts = kills.map(({ web, death }) => {
          const after = balancerRequests(events, lb.name).filter(
            (r) => r.time >= death.time && r.time <= death.time + AFTERMATH_MS,
          );
          const failed = after.filter((r) => r.status >= 500);
          return { web, after, failed, over: now >= death.time + AFTERMATH_MS };
        });
        const clean = verdicts.find((v) => v.over && v.after.length >= 10 && v.failed.every(caughtDying(v.web.name)));
        const last = verdicts.at(-1);
        return {
          met: !!clean,
          expected: `a server killed while lb-01 answers 10 or more requests in the ${AFTERMATH_MS / 1000} s after, none failed but those the server was answering as it died`,
          observed: !last
            ? 'no server has died yet'
            : !last.over
              ? `${last.web.name} died; watching what clients get for ${AFTERMATH_MS / 1000} s`
              : last.after.length < 10
                ? `after ${last.web.name} died, lb-01 answered only ${plural(last.after.length, 'request')}: keep traffic flowing (load) while you kill it`
                : `after ${last.web.name} died, lb-01 answered ${plural(last.after.length, 'request')}: ${failures(last.web.name, last.failed)}`,
        };
      },
    },
  ],
  predictions: [
    {
      id: 'detection-time',
      question:
        'lb-01 checks web-01 every second (`inter 1s`) and marks it DOWN after 3 failed checks in a row (`fall 3`). How many seconds after web-01 is killed will lb-01 mark it DOWN?',
      kind: { type: 'number', unit: 'seconds' },
      goal: 'marked-down',
      measure: detectionTime,
    },
    {
      id: 'failures-before-down',
      question:
        'web-01 dies while visitors send 20 requests a second, without `option redispatch`. How many requests fail before lb-01 marks web-01 DOWN?',
      kind: { type: 'number', unit: 'requests' },
      goal: 'no-failed-request',
      measure: failuresBeforeDown,
    },
  ],
});
