// The scenario format: one typed module per lesson sandbox (sandboxes/scenarios/<name>.ts), read by the supervisor,
// which starts the topology and checks the goals, and by the page, which shows the goals, hints and solutions.
//
// A scenario is data plus one function per goal. The data part is validated with zod when a scenario is defined
// (defineScenario), so a mistake in a scenario file fails the build's tests with a message naming the field.
import * as z from './schema';
import type { Command, GoalVerdict, NodeStatus } from './commands';
import { commandSchema } from './commands';
import type { SandboxEvent } from './events/index';
import { ROLES, type Role } from './role';

/** What a goal's check sees: the supervisor's state and the event history since the scenario (re)started. */
export interface World {
  /** Every event since the scenario started or was last reset, oldest first. */
  events: readonly SandboxEvent[];
  /** The time now, on the events' clock (ms since the supervisor started): for checks that wait for an aftermath. */
  now: number;
  nodes: readonly NodeStatus[];
  cuts: readonly [string, string][];
  /** The current text of one of the session's editable files (the learner may have edited it). */
  file(name: string): string | undefined;
}

export interface Goal {
  /** Stable id, used for progress saved in the browser: never rename one that has shipped. */
  id: string;
  /** What the learner is asked to do, as one sentence. */
  title: string;
  /**
   * A "find it / fix it" challenge: the title states only a symptom or an outcome (one visitor in ten gets a 503),
   * never what to type; the learner investigates with the panel and the terminal. Shown with a "Challenge" badge.
   */
  challenge?: boolean;
  /** Shown one at a time, from a nudge to nearly the answer. */
  hints: string[];
  /** Shell commands that meet the goal from the starting state, one per line of the terminal. */
  solution: string[];
  /** Decides from observable outcomes (requests served, processes, links), never from which commands were typed. */
  check(world: World): GoalVerdict;
}

/** What a prediction's measure found in the learner's own run, and how, in a few words ("from the kill to DOWN"). */
export interface Measured {
  /** A number in the prediction's unit, or one of its choices. */
  value: number | string;
  how: string;
}

/** The form of a prediction's answer: a number in a unit, or one of a few choices. */
export type PredictionKind = { type: 'number'; unit: string } | { type: 'choice'; choices: string[] };

/**
 * A question the learner answers before the key action ("how many requests fail?"), then sees answered by their own
 * run: the panel shows the prediction next to what `measure` found.
 */
export interface Prediction {
  /** Stable id, used for the prediction saved in the browser: never rename one that has shipped. */
  id: string;
  question: string;
  kind: PredictionKind;
  /** The goal whose action it comes before; the panel asks it there. Without one, it is asked above the goals. */
  goal?: string;
  /** The value the run shows, or undefined while what it measures has not happened yet. */
  measure(world: World): Measured | undefined;
}

export interface ScenarioNode {
  /** lb-01, web-01, db-01, mon-01... */
  name: string;
  role: Role;
  /** The bundle it runs: sandboxes/dist/<program>.js. */
  program: string;
  /** Its virtual address: 10.0.0.2 (balancer), 10.0.0.11.. (web), 10.0.0.21.. (db), 10.0.0.31 (monitor). */
  address: string;
  /** The ports it serves on that address, for the topology view and `infra status`. */
  ports: number[];
  args: string[];
  /** The session file it reads its configuration from (e.g. haproxy.cfg), for `cat`, `edit` and `reload`. */
  config?: string;
  /**
   * True when the `reload` command applies: the node re-reads its configuration files when told `reload` on its
   * control channel (../shared/control-channel.ts) and names them in its answer (keepalived's node: both
   * keepalived.conf and haproxy.cfg). Without it, the node cannot be reloaded.
   */
  reload?: boolean;
  /**
   * True for a machine that is racked but switched off when the scenario starts (a server the learner adds):
   * it is not started with the others, and `infra start NAME` starts it.
   */
  stopped?: boolean;
}

export interface Scenario {
  name: string;
  title: string;
  /** One or two sentences: what this topology shows. */
  summary: string;
  nodes: ScenarioNode[];
  /** Files written into the session folder at start and on reset (e.g. haproxy.cfg), by file name. */
  files: Record<string, string>;
  /** Commands applied right after the nodes start (e.g. a slow web server): the scenario's starting faults. */
  faults: Command[];
  goals: Goal[];
  /** Questions asked before the goals' key actions and answered by the run (none when left out). */
  predictions?: Prediction[];
}

const name = z.string().check(z.regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes, e.g. web-01'));
const address = z.string().check(z.regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'a dotted IPv4 address, e.g. 10.0.0.11'));

const scenarioSchema = z.object({
  name,
  title: z.string().check(z.minLength(1)),
  summary: z.string().check(z.minLength(1)),
  nodes: z
    .array(
      z.object({
        name,
        role: z.enum(ROLES),
        program: name,
        address,
        ports: z.array(z.int().check(z.minimum(1), z.maximum(65535))),
        args: z.array(z.string()),
        config: z.optional(z.string()),
        reload: z.optional(z.boolean()),
        stopped: z.optional(z.boolean()),
      }),
    )
    .check(z.minLength(1)),
  files: z.record(z.string().check(z.regex(/^[\w.-]+$/, 'a plain file name, e.g. haproxy.cfg')), z.string()),
  faults: z.array(commandSchema),
  goals: z
    .array(
      z.object({
        id: name,
        title: z.string().check(z.minLength(1)),
        challenge: z.optional(z.boolean()),
        hints: z.array(z.string()).check(z.minLength(1)),
        solution: z.array(z.string()).check(z.minLength(1)),
        check: z.custom<Goal['check']>(
          (v) => typeof v === 'function',
          'a function (world) => { met, expected, observed }',
        ),
      }),
    )
    .check(z.minLength(2, 'every scenario has two or more exercise goals')),
  predictions: z.optional(
    z.array(
      z.object({
        id: name,
        question: z.string().check(z.minLength(1)),
        kind: z.discriminatedUnion('type', [
          z.object({ type: z.literal('number'), unit: z.string().check(z.minLength(1)) }),
          z.object({
            type: z.literal('choice'),
            choices: z
              .array(z.string().check(z.minLength(1)))
              .check(z.minLength(2, 'a choice needs two or more options')),
          }),
        ]),
        goal: z.optional(name),
        measure: z.custom<Prediction['measure']>(
          (v) => typeof v === 'function',
          'a function (world) => { value, how } or undefined',
        ),
      }),
    ),
  ),
});

/** Checks a scenario's data and returns it; throws an error naming the scenario and the field otherwise. */
export function defineScenario(scenario: Scenario): Scenario {
  const parsed = scenarioSchema.safeParse(scenario);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`scenario '${scenario.name}': ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const names = scenario.nodes.map((n) => n.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`scenario '${scenario.name}': node '${twice}' is declared twice`);
  const ids = scenario.goals.map((g) => g.id);
  const same = ids.find((g, i) => ids.indexOf(g) !== i);
  if (same) throw new Error(`scenario '${scenario.name}': goal '${same}' is declared twice`);
  const predictions = (scenario.predictions ?? []).map((p) => p.id);
  const again = predictions.find((p, i) => predictions.indexOf(p) !== i);
  if (again) throw new Error(`scenario '${scenario.name}': prediction '${again}' is declared twice`);
  const orphan = scenario.predictions?.find((p) => p.goal && !ids.includes(p.goal));
  if (orphan)
    throw new Error(
      `scenario '${scenario.name}': prediction '${orphan.id}' belongs to goal '${orphan.goal}', which is not in goals`,
    );
  const missing = scenario.nodes.find((n) => n.config && !(n.config in scenario.files));
  if (missing)
    throw new Error(
      `scenario '${scenario.name}': node '${missing.name}' reads ${missing.config}, which is not in files`,
    );
  return scenario;
}

/** What the page needs to show a scenario (everything but the check functions); also sent as the `scenario` event. */
export function describeScenario(scenario: Scenario) {
  return {
    name: scenario.name,
    title: scenario.title,
    summary: scenario.summary,
    nodes: scenario.nodes.map(({ name, role, address, ports, program, config, stopped }) => ({
      name,
      role,
      address,
      ports,
      program,
      config,
      stopped,
    })),
    goals: scenario.goals.map(({ id, title, challenge, hints, solution }) => ({
      id,
      title,
      ...(challenge && { challenge }),
      hints,
      solution,
    })),
    predictions: (scenario.predictions ?? []).map(({ id, question, kind, goal }) => ({
      id,
      question,
      kind,
      ...(goal && { goal }),
    })),
    files: Object.keys(scenario.files),
  };
}
