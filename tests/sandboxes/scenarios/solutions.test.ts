// Every goal of every scenario proven both ways with real processes: the scenario as it starts meets none of its
// goals, and each goal's own solution, typed into the real shell as a learner would (edits made with the editor's
// keys, see tests/support/solution.ts), meets it. One supervisor run per scenario; the goals are solved in order,
// with a reset (the panel's "reset lab") only after a solution that changed the sandbox.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarios } from '../../../sandboxes/scenarios/index';
import type { Goal, Scenario } from '../../../sandboxes/contracts/scenario';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { awaited, steps, terminalBytes, type Step } from '../../support/solution';
import { keys, ShellSession } from '../../support/terminal';
import { SupervisorRun } from '../../support/supervisor';

/** The seconds a solution takes by its own words: its loads' `-d`, and the latest `--in` it schedules. */
const declaredSeconds = (goal: Goal) =>
  goal.solution.reduce((sum, line) => sum + Number(/ -d (\d+)s\b/.exec(line)?.[1] ?? 0), 0) +
  Math.max(0, ...goal.solution.map((line) => Number(/--in (\d+)s/.exec(line)?.[1] ?? 0)));
/** About what a goal costs besides: typing, a reset, the checks' own bounds (the median of a CI run's goals). */
const GOAL_OVERHEAD_S = 6;
// The capstone has its own test (capstone.test.ts next to this one), which proves its goals under traffic.
// The longest scenarios first: with a few side by side, a long one started last would run alone at the end.
const proven = Object.values(scenarios)
  .filter((s) => s.name !== 'capstone')
  .map((s) => ({ s, seconds: s.goals.reduce((sum, g) => sum + declaredSeconds(g) + GOAL_OVERHEAD_S, 0) }))
  .sort((a, b) => b.seconds - a.seconds)
  .map(({ s }) => s);

/** Commands that only look or send traffic: after a solution made of these, the next goal starts where it is. */
const observes = /^(curl|load|metrics|scan|cat|infra status|db (status|get|set)\b|db lag$)/;

// Generous, on a loaded two-core machine: a command's own duration (load -d 40s) plus 30 s.
const commandMs = (line: string) => (Number(/ -d (\d+)s\b/.exec(line)?.[1] ?? 0) + 30) * 1000;
// After the last command: the latest `--in` it scheduled, plus 45 s for the slowest aftermath a check waits for
// (an alert's `for` and its evaluation, a failover's detection, a kill's 8 s aftermath), with slack.
const metWithinMs = (goal: Goal) =>
  (Math.max(0, ...goal.solution.map((l) => Number(/--in (\d+)s/.exec(l)?.[1] ?? 0))) + 45) * 1000;

/**
 * As a learner watching the topology: wait for it to be up; where keepalived runs, for a balancer to become MASTER
 * (as the lessons say); where a failover monitor runs, until it has found the primary (it cannot fail over a
 * primary it never saw).
 */
async function startingState(run: SupervisorRun, scenario: Scenario, from: number): Promise<void> {
  for (const goal of scenario.goals) {
    expect(await run.waitFor((e) => e.type === 'goal' && e.id === goal.id, 10_000, from), goal.id).toMatchObject({
      met: false,
    });
  }
  if (Object.keys(scenario.files).some((f) => f.startsWith('keepalived'))) {
    await run.waitFor((e) => e.type === 'vrrp.state' && e.state === 'MASTER', 20_000, from);
  }
  if (scenario.nodes.some((n) => n.role === 'monitor' && n.program === 'store')) {
    await run.waitFor((e) => e.type === 'log' && /^LOG: {2}primary is \S+ .*\(found\)$/.test(e.text), 20_000, from);
  }
}

/**
 * A process start, as the harness allows the supervisor's (45 s): on the shared two-core machine, with other
 * scenarios side by side, a shell took over 10 s to print its first prompt (load average 35 to 50).
 */
const SHELL_START_MS = 45_000;

/** What the shell prints for a command line it does not take. */
const refused = /unknown sub-command|command not found|^usage:/im;

async function follow(step: Step, shell: ShellSession, run: SupervisorRun, from: number): Promise<void> {
  if (step.kind === 'command') {
    const output = await shell.command(step.line, commandMs(step.line));
    expect(output, step.line).not.toMatch(refused);
  } else if (step.kind === 'edit') {
    const exited = shell.command(`edit ${step.file}`, 30_000); // the next prompt comes once the editor exits
    await shell.waitFor(`edit  ${step.file}`); // its title bar: the editor has the keys
    shell.type(step.keys.map((key) => ('press' in key ? terminalBytes[key.press] : key.text)).join(''));
    expect(await exited).toContain(`Saved ${step.file}.`);
    expect(readFileSync(join(run.folder, step.file), 'utf8')).toBe(step.text);
  } else {
    await run.waitFor(awaited(step), 30_000, from);
  }
}

// Scenarios run side by side (each in its own session folder and network; vitest's maxConcurrency bounds how many):
// most of a solution's time is spent waiting for timers, not the CPU. A scenario's goals run one after another.
describe.each(proven.map((s) => [s.name, s] as const))(
  'the %s scenario, solved through the shell',
  { concurrent: true },
  (name, scenario) => {
    let run: SupervisorRun;
    let changed = false;
    beforeAll(async () => {
      run = await SupervisorRun.start(name);
      await startingState(run, scenario, 0);
    }, 90_000);
    afterAll(() => run?.stop());

    it.each(scenario.goals.map((g) => [g.id, g] as const))(
      'goal %s is met by its own solution, and not before',
      { timeout: 240_000, concurrent: false },
      async (id, goal) => {
        if (changed) {
          const before = run.lastSeq();
          expect(await run.command({ cmd: 'reset' })).toMatchObject({ ok: true });
          // The new run starts with the scenario event; goal events before it (a text catching up) judge the previous run.
          await startingState(run, scenario, (await run.waitFor((e) => e.type === 'scenario', 10_000, before)).seq - 1);
        }
        changed = true; // until this solution has worked, and shown what it leaves behind
        const latest = run.events.filter((e) => e.type === 'goal' && e.id === id).at(-1);
        expect(latest, `${id} before its solution`).toMatchObject({ met: false });

        const from = run.lastSeq();
        const shell = new ShellSession(run.folder, { columns: 160 });
        try {
          await shell.waitForPrompt(1, SHELL_START_MS);
          const solution = steps(scenario, goal);
          for (const step of solution.slice(0, -1)) await follow(step, shell, run, from);
          const last = solution.at(-1)!;
          const isMet = (e: SandboxEvent) => e.type === 'goal' && e.id === id && e.met;
          if (last.kind === 'command' && / -d \d+s\b/.test(last.line)) {
            // A load the goal may be met during: once it is, the learner may stop it with Ctrl-C, as `help load` says;
            // the rest of that load would prove nothing more.
            const finished = follow(last, shell, run, from).then(() => 'finished' as const);
            const met = run.waitFor(isMet, commandMs(last.line) + metWithinMs(goal), from).then(() => 'met' as const);
            met.catch(() => {}); // when the load ends first, the goal's own bound below applies
            if ((await Promise.race([finished, met])) === 'met') shell.type(keys.ctrlC);
            await finished;
          } else {
            await follow(last, shell, run, from);
          }
          await run.waitFor(isMet, metWithinMs(goal), from);
          changed = goal.solution.some((line) => !line.trim().startsWith('#') && !observes.test(line.trim()));
        } catch (error) {
          // What the goal's check saw, and what the learner saw, to tell a wrong solution from a slow machine.
          const verdict = (await run.status()).goals.find((g) => g.id === id);
          throw new Error(
            `${(error as Error).message.split('\n')[0]}\n--- ${id}: ${verdict?.observed}\n--- terminal ---\n${await shell.text()}`,
          );
        } finally {
          await shell.close();
        }
      },
    );
  },
);
