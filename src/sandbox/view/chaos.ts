// The "chaos" button: a fixed fault sequence derived from the topology alone, so it replays the same way every
// time (an instructor can rehearse it). Each step is a supervisor command with the sentence the panel narrates.
import type { Command } from '../../../sandboxes/contracts/commands';

export interface ChaosStep {
  at_ms: number;
  command: Command;
  says: string;
}

interface Named {
  name: string;
  role: string;
}

export function chaosScript(nodes: readonly Named[]): ChaosStep[] {
  const web = nodes.filter((n) => n.role === 'web').map((n) => n.name);
  const balancer = nodes.find((n) => n.role === 'balancer')?.name;
  const stores = nodes.filter((n) => n.role === 'store').map((n) => n.name);
  const steps: ChaosStep[] = [];
  let at = 0;
  const step = (after_ms: number, command: Command, says: string) => {
    at += after_ms;
    steps.push({ at_ms: at, command, says });
  };
  if (web[0]) {
    step(0, { cmd: 'freeze', node: web[0] }, `Freeze ${web[0]}: the process hangs, its checks start timing out.`);
    step(10_000, { cmd: 'resume', node: web[0] }, `Resume ${web[0]}: its checks pass again after rise successes.`);
  }
  const victim = web[1] ?? web[0];
  if (victim) {
    step(6_000, { cmd: 'kill', node: victim }, `Kill ${victim} with SIGKILL: connections to it are refused.`);
    step(10_000, { cmd: 'start', node: victim }, `Start ${victim} again.`);
  }
  if (balancer && web[0]) {
    step(
      6_000,
      { cmd: 'cut', a: balancer, b: web[0] },
      `Cut the link ${balancer} ↔ ${web[0]}: a partition, nothing answers.`,
    );
    step(10_000, { cmd: 'heal', a: balancer, b: web[0] }, `Heal the link ${balancer} ↔ ${web[0]}.`);
  }
  if (stores[0]) {
    step(6_000, { cmd: 'kill', node: stores[0] }, `Kill ${stores[0]}: the primary is gone.`);
    step(15_000, { cmd: 'start', node: stores[0] }, `Start ${stores[0]} again: does it come back as primary?`);
  }
  return steps;
}

/** What undoes each kind of fault; every fault in the script is undone later by its repair. */
const REPAIR = { freeze: 'resume', kill: 'start', cut: 'heal' } as const;

const target = (command: Command) =>
  'node' in command ? command.node : 'a' in command ? `${command.a}|${command.b}` : '';

const repairs = (repair: Command, fault: Command) =>
  fault.cmd in REPAIR && repair.cmd === REPAIR[fault.cmd as keyof typeof REPAIR] && target(repair) === target(fault);

/**
 * The repairs still due when the sequence is stopped after its first `ran` steps: each fault already done whose
 * repair had not come yet, in the order the faults came. Stopping Chaos runs them, so nothing is left broken that
 * the learner did not break.
 */
export function repairsLeft(script: readonly ChaosStep[], ran: number): ChaosStep[] {
  const done = script.slice(0, ran);
  const due = script.slice(ran);
  return done.flatMap((fault, i) =>
    done.slice(i + 1).some((s) => repairs(s.command, fault.command))
      ? []
      : due.filter((s) => repairs(s.command, fault.command)).slice(0, 1),
  );
}
