// The database lessons' predictions, measured from real runs driven through the learner's shell: what a commit does
// when no standby can confirm it, how long the failover takes, whether a write made just before it survives (and
// when it does not), how many primaries an unfenced comeback makes, and how late web-02 answers a read of your own
// write from a standby that replays 10 s late.
import { describe, expect, it } from 'vitest';
import { COMMIT_WAIT_CHOICES } from '../../../sandboxes/scenarios/replication';
import { SURVIVES_CHOICES } from '../../../sandboxes/scenarios/failover';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { scenarioWithShell, type SupervisorRun } from '../../support/supervisor';

type Measured = Extract<SandboxEvent, { type: 'prediction' }>;

const measured = (scenario: SupervisorRun, id: string) =>
  scenario.events.filter((e): e is Measured => e.type === 'prediction' && e.id === id).at(-1);

async function predicted(scenario: SupervisorRun, id: string, ms = 30_000): Promise<Measured> {
  await scenario.until(() => measured(scenario, id), ms);
  return measured(scenario, id)!;
}

/** A monitor fails over only a primary it has seen: wait for mon-01 to report it, as the lesson says. */
const monitorFound = (scenario: SupervisorRun) =>
  scenario.until(
    () => scenario.events.some((e) => e.type === 'log' && /primary is db-01 .*\(found\)/.test(e.text)),
    30_000,
  );

describe('what a synchronous commit does with no standby to confirm it, measured', () => {
  const lab = scenarioWithShell('replication');

  it('is the PostgreSQL answer: it waits, with no timeout, until a standby confirms it', async () => {
    await lab.shell.command('db mode sync');
    await lab.shell.command('infra kill db-02');
    await lab.shell.command('infra kill db-03');
    expect(measured(lab.scenario, 'sync-commit-wait')).toBeUndefined();
    await lab.shell.command('db set order:43 paid', 20_000);
    // The client gave up after 2 s; the commit waits on db-01 until a standby is back.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(measured(lab.scenario, 'sync-commit-wait')).toBeUndefined();
    await lab.shell.command('infra start db-02', 30_000);
    const { value, how } = await predicted(lab.scenario, 'sync-commit-wait');
    expect(value).toBe(COMMIT_WAIT_CHOICES[2]);
    const [waited] = /^order:43 waited (\d+\.\d) s before db-01 acknowledged it \(in sync mode\)$/
      .exec(how)!
      .slice(1)
      .map(Number);
    // At least the client's 2 s and the pause after it; at most that plus db-02's start, on a loaded machine.
    expect(waited).toBeGreaterThanOrEqual(3.5);
    expect(waited).toBeLessThanOrEqual(40);
    console.log(`sync-commit-wait: ${how}`);
  }, 120_000);
});

describe('the failover time and the fate of the last write, measured', () => {
  const lab = scenarioWithShell('failover');

  it('a write acknowledged just before a crash survives (the standbys had it), and the promotion comes after detection', async () => {
    await monitorFound(lab.scenario);
    await lab.shell.command('db set order:41 paid');
    await lab.shell.command('infra kill db-01');
    const survives = await predicted(lab.scenario, 'write-survives');
    expect(survives.value).toBe(SURVIVES_CHOICES[0]);
    expect(survives.how).toMatch(/^db-0[23] was promoted at 0\/[0-9A-F]+, with order:41 \(0\/[0-9A-F]+\) on it$/);
    const time = await predicted(lab.scenario, 'failover-time');
    const events = lab.scenario.events;
    const death = events.find((e) => e.type === 'node.exited' && e.name === 'db-01')!;
    const failover = events.find((e) => e.type === 'store.failover' && e.to !== null)!;
    expect(time.value).toBe(Number(((failover.time - death.time) / 1000).toFixed(1)));
    // Down after 3 missed heartbeats 1 s apart, the first of them due 0 to 1 s after the kill: 2 to 3 s, plus the
    // promotion, with margin for a loaded machine.
    expect(time.value).toBeGreaterThanOrEqual(1.9);
    expect(time.value).toBeLessThanOrEqual(7);
    console.log(`failover-time: ${time.value} s; write-survives: ${survives.how}`);
  }, 120_000);

  it('a write no standby received is lost, and the measure says so once the lab is reset and it happens', async () => {
    await lab.shell.command('infra reset', 60_000);
    await lab.scenario.until(
      () =>
        lab.scenario.events.filter((e) => e.type === 'log' && /primary is db-01 .*\(found\)/.test(e.text)).length >= 2,
      30_000,
    );
    for (const line of ['infra cut db-01 db-02', 'infra cut db-01 db-03', 'db set order:42 paid', 'infra kill db-01'])
      await lab.shell.command(line);
    await lab.scenario.until(() => measured(lab.scenario, 'write-survives')?.value === SURVIVES_CHOICES[1], 30_000);
    expect(measured(lab.scenario, 'write-survives')!.how).toMatch(
      /^db-01 acknowledged order:42 at 0\/[0-9A-F]+; db-0[23]'s timeline 2 begins at 0\/[0-9A-F]+, before it$/,
    );
  }, 120_000);
});

describe('the number of primaries after an unfenced comeback, measured', () => {
  const lab = scenarioWithShell('split-brain');

  it('is two: the old primary and the promoted standby', async () => {
    await monitorFound(lab.scenario);
    await lab.shell.command('infra kill db-01');
    await lab.shell.command('infra start db-01 --in 6s');
    const { value, how } = await predicted(lab.scenario, 'primaries-at-once', 40_000);
    expect(value).toBe(2);
    expect(how).toMatch(/^mon-01 saw db-0\d and db-0\d accept writes at the same time$/);
    expect(how).toContain('db-01');
  }, 120_000);
});

describe('how late web-02 answers a read of your own write from a standby 10 s behind, measured', () => {
  const lab = scenarioWithShell('read-your-writes');

  it("is the rest of db-02's replay delay: about 10 s after the write", async () => {
    await lab.shell.command('curl -d two-books http://10.0.0.12/kv?key=cart');
    expect(await lab.shell.command('curl http://10.0.0.12/kv?key=cart', 30_000)).toContain('two-books');
    const { value, how } = await predicted(lab.scenario, 'fresh-read-after');
    const events = lab.scenario.events;
    const write = events.find((e) => e.type === 'store.write' && e.key === 'cart')!;
    const read = events.find((e) => e.type === 'store.read' && e.node === 'web-02' && e.stale === false)!;
    expect(value).toBe(Number(((read.time - write.time) / 1000).toFixed(1)));
    // recovery_min_apply_delay is 10 s from the commit; the replay is polled, and a loaded machine adds a little.
    expect(value).toBeGreaterThanOrEqual(9.5);
    expect(value).toBeLessThanOrEqual(14);
    expect(how).toBe("from db-01's acknowledgement of cart to web-02's answer read on db-02");
    console.log(`fresh-read-after: ${value} s`);
  }, 120_000);
});
