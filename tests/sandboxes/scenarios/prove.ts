// Every goal proven both ways with real processes: the scenario as it starts does not meet it, and its own
// solution, played from that starting state (after a reset), does. Where the lesson teaches a mechanism, leaving
// it out is shown to fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarios } from '../../../sandboxes/scenarios/index';
import { SupervisorRun } from '../supervisor/harness';
import { play, type Edits } from './solve';

/** The edits the solutions' comment lines describe, by goal id. */
const edits: Record<string, Edits> = {
  'no-failed-request': { 'haproxy.cfg': (cfg) => cfg.replace('    retries 3\n', '    retries 3\n    option redispatch\n') },
  'three-to-one': { 'haproxy.cfg': (cfg) => cfg.replace('server web-02 10.0.0.12:80 check inter 1s', 'server web-02 10.0.0.12:80 check inter 1s weight 3') },
  drain: { 'haproxy.cfg': (cfg) => cfg.replace('server web-01 10.0.0.11:80 check inter 1s', 'server web-01 10.0.0.11:80 check inter 1s weight 0') },
  leastconn: { 'haproxy.cfg': (cfg) => cfg.replace('balance roundrobin', 'balance leastconn') },
};

/**
 * Brings the scenario to its starting state (a reset, unless the run is fresh) and checks that the starting state
 * meets none of the goals.
 */
async function fromTheStart(run: SupervisorRun, fresh: boolean): Promise<void> {
  const from = fresh ? 0 : run.lastSeq();
  if (!fresh) {
    const reply = await run.command({ cmd: 'reset' });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
  }
  const goals = scenarios[(await run.status()).scenario].goals;
  for (const goal of goals) {
    expect(await run.waitFor((e) => e.type === 'goal' && e.id === goal.id, 5000, from)).toMatchObject({ met: false });
  }
}

/** Proves every goal of a scenario with its own run of the supervisor. */
export function proveGoals(name: string): void {
  describe(`the ${name} scenario`, () => {
    let run: SupervisorRun;
    let fresh = true;
    beforeAll(async () => {
      run = await SupervisorRun.start(name);
    });
    afterAll(() => run?.stop());

    it.each(scenarios[name].goals.map((g) => [g.id, g] as const))(
      'goal %s is met by its solution and not before',
      async (id, goal) => {
        await fromTheStart(run, fresh);
        fresh = false;
        const from = run.lastSeq();
        await play(run, goal.solution, edits[id]);
        const met = await run.waitFor((e) => e.type === 'goal' && e.id === id && e.met, 20_000, from);
        expect(met).toMatchObject({ met: true });
      },
      60_000,
    );
  });
}
