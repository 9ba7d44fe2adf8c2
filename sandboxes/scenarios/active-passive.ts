// Active/passive: two balancers share the virtual IP 10.0.0.10 through keepalived (VRRP). A crash moves it after
// Master_Down_Interval = 3 × advert_int + (256 − priority)/256 s; a clean stop after the skew only. When lb-01 comes
// back it preempts by default, a second switch, unless it starts as BACKUP with `nopreempt` (keepalived.conf(5)).
import { exits, logsOf, seconds } from './build/observe';
import { defineScenario, type World } from '../contracts/scenario';
import { haproxyCfg, HEALTH_CHECK, webServer } from './build/topology';
import { keepalivedBalancer, keepalivedConf, vrrpStates } from './build/keepalived';

const [lb1, lb2] = [keepalivedBalancer(1), keepalivedBalancer(2)];
const [web1, web2] = [webServer(1), webServer(2)];
const VIP = '10.0.0.10';

/** lb-01 killed while MASTER, and lb-02's first MASTER state after it (its `(VI_1) Entering MASTER STATE`). */
function crashTakeover(events: World['events']) {
  const death = exits(events, lb1.name).find(
    (e) => e.cause === 'killed' && vrrpStates(events, lb1.name).some((s) => s.state === 'MASTER' && s.seq < e.seq),
  );
  const takeover = death && vrrpStates(events, lb2.name).find((s) => s.state === 'MASTER' && s.seq > death.seq);
  return { death, takeover };
}

/** Seconds from lb-01's death to lb-02 entering MASTER state, once it has. */
export function takeoverTime({ events }: Pick<World, 'events'>) {
  const { death, takeover } = crashTakeover(events);
  if (!death || !takeover) return undefined;
  return {
    value: Number(((takeover.time - death.time) / 1000).toFixed(2)),
    how: "from lb-01's exit to lb-02's `(VI_1) Entering MASTER STATE`",
  };
}

/** How long lb-01's keepalived must have run after its return without taking the address back: past its Master_Down_Interval. */
const STAYED_MS = 8000;

/**
 * Each return of lb-01 while lb-02 held the address (a start after lb-02 became MASTER), from its keepalived's first
 * state: whether lb-01 took the address back (preempted), how long it has run since, and whether it came back as
 * the stronger node.
 */
function returns({ events, now }: Pick<World, 'events' | 'now'>) {
  return events.flatMap((start) => {
    if (start.type !== 'node.started' || start.name !== lb1.name) return [];
    const holder = vrrpStates(events, lb2.name)
      .filter((s) => s.seq < start.seq)
      .at(-1);
    if (holder?.state !== 'MASTER') return [];
    const end = [...exits(events, lb1.name), ...exits(events, lb2.name)]
      .filter((e) => e.seq > start.seq)
      .sort((a, b) => a.seq - b.seq)[0];
    const states = vrrpStates(events, lb1.name).filter((s) => s.seq > start.seq && (!end || s.seq < end.seq));
    const up = states[0];
    if (!up) return [];
    return [
      {
        up,
        preempted: states.find((s) => s.state === 'MASTER'),
        ran: (end?.time ?? now) - up.time,
        stronger: states.some((s) => s.priority > holder.priority),
      },
    ];
  });
}

export default defineScenario({
  name: 'active-passive',
  title: 'Two balancers, one virtual IP',
  summary: `lb-01 (priority 101) and lb-02 (priority 100) run keepalived; the MASTER holds ${VIP} and sends an advert every second. Clients use ${VIP} only.`,
  nodes: [web1, web2, lb1, lb2],
  files: {
    'haproxy.cfg': haproxyCfg({
      balance: 'roundrobin',
      options: ['retries 3', 'option redispatch'],
      servers: [
        { node: web1, params: HEALTH_CHECK },
        { node: web2, params: HEALTH_CHECK },
      ],
    }),
    'keepalived-lb-01.conf': keepalivedConf('lb-01', [
      { name: 'VI_1', vrid: 51, vip: VIP, state: 'MASTER', priority: 101 },
    ]),
    'keepalived-lb-02.conf': keepalivedConf('lb-02', [
      { name: 'VI_1', vrid: 51, vip: VIP, state: 'BACKUP', priority: 100 },
    ]),
  },
  faults: [],
  goals: [
    {
      id: 'crash-takeover',
      title: `Kill lb-01 while it is MASTER and watch lb-02 take ${VIP} over.`,
      hints: [
        `Wait until lb-01 is MASTER (about 3.6 s after the start: "(VI_1) Entering MASTER STATE"), then kill it abruptly.`,
        'lb-02 hears no advert for 3 × advert_int + (256 − 100)/256 = 3.61 s, logs "(VI_1) Receive advertisement timeout" and takes the address.',
        'Run `infra kill lb-01`, then `curl http://10.0.0.10/` a few seconds later.',
      ],
      solution: ['infra kill lb-01'],
      check({ events }) {
        const { death, takeover } = crashTakeover(events);
        return {
          met: !!takeover,
          expected: `lb-01 killed while MASTER, then lb-02 MASTER for ${VIP}`,
          observed: takeover
            ? `lb-02 became MASTER ${seconds(takeover.time - death!.time)} after lb-01 died (at most 3.61 s after lb-01's last advert)`
            : death
              ? 'lb-01 is dead; lb-02 is still waiting for its Master_Down timer'
              : 'lb-01 has not been killed while MASTER yet',
        };
      },
    },
    {
      id: 'clean-handover',
      title: 'Restart lb-01 cleanly and see lb-02 take over after only the skew time (about 0.6 s).',
      hints: [
        'A keepalived that stops cleanly (SIGTERM) sends one last advert with priority 0.',
        'The backup then waits only Skew_Time = (256 − 100)/256 = 0.61 s. lb-01 comes back with priority 101 and preempts.',
        'Run `infra restart lb-01` while lb-01 is MASTER.',
      ],
      solution: ['infra restart lb-01'],
      check({ events }) {
        const notice = logsOf(events, lb2.name, '(VI_1) Backup received priority 0 advertisement').at(-1);
        const takeover = notice && vrrpStates(events, lb2.name).find((s) => s.state === 'MASTER' && s.seq > notice.seq);
        return {
          met: !!takeover && takeover.time - notice!.time < 1500,
          expected: 'lb-02 receives a priority 0 advert and becomes MASTER within about 0.6 s',
          observed: takeover
            ? `lb-02 became MASTER ${seconds(takeover.time - notice!.time)} after the priority 0 advert`
            : notice
              ? 'lb-02 received the priority 0 advert; takeover pending'
              : 'no clean stop of a MASTER yet (a kill sends no priority 0 advert)',
        };
      },
    },
    {
      id: 'no-second-failover',
      title:
        'When lb-01 comes back after a crash, visitors live through a second failover: stop that, and keep lb-01 the preferred master.',
      challenge: true,
      hints: [
        "Crash lb-01, let lb-02 take over, start lb-01 again and read both balancers' log lines: who decides to take the address back, and why? The check waits 8 s after lb-01's return, with lb-01 still at the higher priority.",
        'By default a recovered keepalived with a higher priority preempts the master. keepalived.conf has an instance keyword that turns that off, and it only works for a node that does not start as MASTER (keepalived warns and clears it otherwise).',
        'In keepalived-lb-01.conf change `state MASTER` to `state BACKUP` and add the line `nopreempt` in vrrp_instance VI_1; then crash lb-01 and start it again once lb-02 is MASTER (`infra kill lb-01`, `infra start lb-01 --in 6s`).',
      ],
      solution: [
        'edit keepalived-lb-01.conf',
        '#   change "state MASTER" to "state BACKUP", save',
        'edit keepalived-lb-01.conf',
        '#   add the line "nopreempt" under "priority 101", save',
        'infra kill lb-01',
        'infra start lb-01 --in 6s',
      ],
      check(world) {
        const all = returns(world);
        const calm = all.find((r) => !r.preempted && r.stronger && r.ran >= STAYED_MS);
        const last = all.at(-1);
        return {
          met: !!calm,
          expected: `lb-01 back after lb-02 took over, still the stronger node, and BACKUP for ${STAYED_MS / 1000} s: no second switch`,
          observed: !last
            ? 'lb-01 has not come back yet while lb-02 held the address'
            : last.preempted
              ? `lb-01 took ${VIP} back ${seconds(last.preempted.time - last.up.time)} after its keepalived started: a second switch`
              : !last.stronger
                ? 'lb-01 came back weaker than lb-02: no second switch, but lb-01 is no longer the preferred master'
                : `lb-01 has been back for ${seconds(Math.min(last.ran, STAYED_MS))} without taking the address`,
        };
      },
    },
  ],
  predictions: [
    {
      id: 'takeover-time',
      question: 'lb-01, the MASTER, crashes. How long until lb-02 is MASTER and holds 10.0.0.10?',
      kind: { type: 'number', unit: 's' },
      goal: 'crash-takeover',
      measure: takeoverTime,
    },
    {
      id: 'lb-01-returns',
      question:
        "lb-02 holds 10.0.0.10 after the crash. lb-01 starts again, with priority 101 against lb-02's 100. What happens?",
      kind: {
        type: 'choice',
        choices: [
          'lb-02 keeps 10.0.0.10 until it fails itself',
          'lb-01 takes 10.0.0.10 back: a second switch',
          'both hold 10.0.0.10',
        ],
      },
      goal: 'clean-handover',
      measure(world) {
        const seen = returns(world).find((r) => r.preempted || r.ran >= STAYED_MS);
        if (!seen) return undefined;
        return seen.preempted
          ? {
              value: 'lb-01 takes 10.0.0.10 back: a second switch',
              how: `lb-01 was MASTER again ${seconds(seen.preempted.time - seen.up.time)} after its keepalived started`,
            }
          : {
              value: 'lb-02 keeps 10.0.0.10 until it fails itself',
              how: `lb-01 stayed BACKUP for ${STAYED_MS / 1000} s after its keepalived started`,
            };
      },
    },
  ],
});
