// The supervisor's commands, its replies and the shape of `status`: the contract between the supervisor and
// everything that drives it (the shell, the page's topology view, tests).
//
// The same command objects arrive two ways:
// - on the control API: POST http://127.0.0.1:<port>/command with one command as the JSON body; the answer is the
//   Reply as JSON (HTTP 200 when ok, 400 for a malformed command, 409 when it could not be done). The port is in
//   `.sandbox/control.json` of the session folder. `GET /status` is `{ "cmd": "status" }`, and
//   `GET /events?since=<seq>` streams the event stream as JSON lines (replaying from seq+1).
// - on the supervisor's stdin, one JSON command per line. The reply then comes back in the event stream as a
//   `supervisor.reply` event carrying the command's `id` (see ./events/supervisor.ts).
//
// Nodes are named as in the scenario (`lb-01`, `web-01`...). Links are named by their two ends: node names, virtual
// addresses (`203.0.113.10` is the learner's terminal, "the internet") or `*` for every node.
import * as z from './schema';
import type { Role } from './role';

/** The largest pool and queue one may ask a web server for: enough for any lesson, too few to exhaust the process. */
export const MAX_WORKERS = 1000;
export const MAX_BACKLOG = 10_000;

const node = z.string().check(z.minLength(1, 'a node name, e.g. web-01'));
const end = z.string().check(z.minLength(1, 'a node name, an address or *'));

/** A web server's behaviour (see ../web/behaviour.ts); each field left out keeps its current value. */
export const webBehaviourSchema = z.object({
  /** Latency added to every answer, in milliseconds (0 = none). */
  slow_ms: z.optional(z.int().check(z.minimum(0), z.maximum(60_000))),
  /** Share of requests answered with a 500, from 0 to 1. */
  flaky: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** Accept connections and read requests but never answer (a hung app; the process itself still runs). */
  frozen: z.optional(z.boolean()),
  /** Requests served at once (../web/capacity.ts). */
  workers: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_WORKERS))),
  /** Requests that may wait for a worker; beyond them the server answers 503. */
  backlog: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_BACKLOG))),
  /** Work per request in milliseconds, during which it holds its worker. */
  service_ms: z.optional(z.int().check(z.minimum(0), z.maximum(60_000))),
});
export type WebBehaviour = z.infer<typeof webBehaviourSchema>;

const count = z.int().check(z.minimum(0), z.maximum(1_000_000));

/**
 * What the clients saw over a short span (about a second), as the shell's `load` counts it: the servers and the
 * balancer only report the requests that reached them, so a dead balancer or a refused connection shows up here
 * alone. Published as a `client.requests` event (./events/client.ts).
 */
export const clientReportSchema = z.object({
  /** The URL the clients send to. */
  url: z.string().check(z.maxLength(2000)),
  /** How long the span was, in milliseconds (the last report of a run may be shorter). */
  interval_ms: z.int().check(z.minimum(1), z.maximum(60_000)),
  /** Requests sent in the span. */
  sent: count,
  /** Answers received in the span, by status class. */
  answered: z.object({ '2xx': count, '3xx': count, '4xx': count, '5xx': count }),
  /** Failed without an answer, as curl tells them apart: connection refused (nothing listens at the address). */
  refused: count,
  /** Failed without an answer: no connection or no reply in time (curl's exit code 28), as across a cut link. */
  timed_out: count,
  /** Failed without an answer: the connection was reset or closed before a reply (curl's 52 and 56). */
  reset: count,
  /** Failed any other way: TLS, DNS, a malformed answer. */
  other: count,
  /** 95th percentile latency of the answers in the span, in ms; null when nothing was answered. */
  p95_ms: z.nullable(z.number().check(z.minimum(0))),
});
export type ClientReport = z.infer<typeof clientReportSchema>;

const id = z.optional(z.union([z.string(), z.number()]));
/**
 * Runs the command this many milliseconds from now instead of at once (the reply comes at once and says so): how
 * a learner kills a server while a `load` runs in the same terminal, and how a scripted fault replays the same way.
 */
const after_ms = z.optional(z.int().check(z.minimum(0), z.maximum(600_000)));

export const commandSchema = z.discriminatedUnion('cmd', [
  /** Starts a stopped or crashed node. */
  z.object({ cmd: z.literal('start'), node, after_ms, id }),
  /** Kills a node with SIGKILL, as `kill -9` does: no goodbye, open connections are reset. */
  z.object({ cmd: z.literal('kill'), node, after_ms, id }),
  /**
   * Freezes a node in-process, as SIGSTOP would: its sockets stay open but nothing is answered and its timers stop
   * (a hung machine). Confirmed by the node itself.
   */
  z.object({ cmd: z.literal('freeze'), node, after_ms, id }),
  /** Continues a frozen node, as SIGCONT would: what arrived meanwhile is handled then. */
  z.object({ cmd: z.literal('resume'), node, after_ms, id }),
  /** Stops a node gracefully (`stop` on its control channel, SIGKILL after 2 s) and starts it again. */
  z.object({ cmd: z.literal('restart'), node, after_ms, id }),
  /** Cuts the network link between two ends: connections across it are never answered, as in a partition. */
  z.object({ cmd: z.literal('cut'), a: end, b: end, after_ms, id }),
  /** Heals a cut link. */
  z.object({ cmd: z.literal('heal'), a: end, b: end, after_ms, id }),
  /**
   * Asks a node to re-read its configuration files, like `systemctl reload haproxy`: `reload` on its control channel
   * (../shared/control-channel.ts). The reply comes once the node confirms, naming the files it re-read; a refused
   * configuration (errors) is a failed reply with the node's errors, and the node keeps its running one. Nodes
   * without a configuration (web servers) answer with an error.
   */
  z.object({ cmd: z.literal('reload'), node, id }),
  /** Changes how a web server behaves (slow, flaky, frozen) or how much it can do (workers, backlog, service_ms); see WebBehaviour. */
  z.object({ cmd: z.literal('web'), node, behaviour: webBehaviourSchema, id }),
  /** Publishes what the clients saw (the shell's `load` sends one each second while it runs); see ClientReport. */
  z.object({ cmd: z.literal('clients'), report: clientReportSchema, id }),
  /** Reports the state of every node, the cut links and the goals. */
  z.object({ cmd: z.literal('status'), id }),
  /**
   * Puts the scenario back as it started: every node stopped, the editable files rewritten, links healed, the nodes'
   * private state (.sandbox/data/) removed, every node started again; goals are checked from there on.
   */
  z.object({ cmd: z.literal('reset'), id }),
  /**
   * Kills every node (SIGKILL), replies, publishes a last `supervisor.quit` event and exits with 0: how the page ends
   * a sandbox before it falls back to killing the supervisor's process.
   */
  z.object({ cmd: z.literal('quit'), id }),
]);
export type Command = z.infer<typeof commandSchema>;
export type CommandName = Command['cmd'];

export type NodeState = 'running' | 'stopped' | 'frozen' | 'crashed';

/**
 * What ended a node's process, as the supervisor knows it (it does not trust the exit signal it is told, which a
 * WebContainer does not report): 'killed' by its SIGKILL (`kill`, or a stop that took too long), 'stopped' on its
 * request (`restart`, `reset`), or 'exited' on its own.
 */
export type ExitCause = 'killed' | 'stopped' | 'exited';

export interface NodeExit {
  code: number | null;
  signal: string | null;
  cause: ExitCause;
}

/** How a node ended, in words (`infra status`, replies). */
export function describeExit(exit: NodeExit | undefined): string {
  if (!exit) return 'still running';
  if (exit.cause === 'killed') return 'killed by SIGKILL';
  if (exit.cause === 'stopped') return 'stopped';
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

export interface NodeStatus {
  name: string;
  /** What the node is in the topology. */
  role: Role;
  /** Its virtual address, e.g. 10.0.0.11. */
  address: string;
  /** The ports it serves on its address, as the scenario declares them (e.g. [80, 8404]). */
  ports: number[];
  /** The program it runs (sandboxes/dist/<program>.js) and its arguments. */
  program: string;
  args: string[];
  /** The session file it reads its configuration from (e.g. haproxy.cfg), when it has one: `reload` applies to it. */
  config?: string;
  /** running; stopped (by a command, or it exited with code 0); frozen (in-process, see `freeze`); crashed (exited on its own with an error or a signal). */
  state: NodeState;
  /** The OS process id while it runs or is frozen. */
  pid?: number;
  /** How it last exited, when it is stopped or crashed. */
  exit?: NodeExit;
  /** A web server's current behaviour. */
  behaviour?: Required<WebBehaviour>;
}

/** A goal's verdict: what it checks for and what was seen, in words a learner can act on. */
export interface GoalVerdict {
  met: boolean;
  expected: string;
  observed: string;
}

export interface GoalStatus extends GoalVerdict {
  id: string;
  title: string;
}

export interface Status {
  scenario: string;
  title: string;
  nodes: NodeStatus[];
  /** Cut links, each as its two ends as given in the `cut` command (names, addresses or `*`). */
  cuts: [string, string][];
  goals: GoalStatus[];
}

export type Reply =
  | { ok: true; id?: string | number; message: string; status?: Status }
  | { ok: false; id?: string | number; error: string };

/** Parses one command (a JSON text or an already parsed value) into a Command or a readable error. */
export function parseCommand(input: unknown): { command: Command } | { error: string } {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { error: `not a JSON command: ${input.slice(0, 80)}; send one object per line, e.g. {"cmd":"status"}` };
    }
  }
  const names = commandSchema.def.options.map((o) => o.shape.cmd.def.values[0]);
  const cmd = (value as { cmd?: unknown } | null)?.cmd;
  if (typeof cmd !== 'string' || !(names as string[]).includes(cmd)) {
    return { error: `unknown command ${JSON.stringify(cmd ?? null)}: give "cmd" as one of ${names.join(', ')}` };
  }
  const parsed = commandSchema.safeParse(value);
  if (parsed.success) return { command: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `bad ${cmd} command at '${issue.path.join('.')}': ${issue.message}` };
}
