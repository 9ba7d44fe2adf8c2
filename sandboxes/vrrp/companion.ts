// The service keepalived protects, run next to it on the same node: `vrrp -f keepalived.conf -- balancer -f
// haproxy.cfg`. It is always the balancer: a program named by an argument is never run, since arguments come from
// whoever starts the node. It runs as a plain `node balancer.js ARGS` with pipes: its event lines are passed on
// as keepalived's own (the node's events), its answers on its control channel are kept for keepalived, which
// confirms a reload, a freeze or a resume of the node only once both programs did. Killing the node kills both,
// like a machine losing power: the balancer exits when our pipe to it closes, which happens even on SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { eachEventLine } from '../shared/event-lines';
import type { ControlEvent } from '../contracts/events/control';

export const COMPANION = 'balancer';

/** Why the program after `--` cannot run next to keepalived, if it cannot. */
export function refusal(program: string): string | undefined {
  if (program === COMPANION) return undefined;
  return `Unknown program '${program}' after '--': keepalived here runs only HAProxy next to it (vrrp -f keepalived.conf -- ${COMPANION} -f haproxy.cfg)`;
}

/** How long the balancer may take to answer a control command. */
const ANSWER_WITHIN_MS = 5000;

export class Companion {
  private readonly child: ChildProcess;
  private readonly waiting = new Set<(event: ControlEvent) => void>();
  /** Resolves true once the balancer takes commands, false if it exits first. */
  readonly ready: Promise<boolean>;
  readonly exited: Promise<void>;

  constructor(program: string, args: string[]) {
    const refused = refusal(program);
    if (refused) throw new Error(refused);
    const bundle = join(dirname(fileURLToPath(import.meta.url)), `${COMPANION}.js`);
    this.child = spawn(process.execPath, [bundle, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => undefined); // it died: what we write is lost, as to a dead process
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.ready = Promise.race([
      this.next('control.ready').then((event) => event !== undefined),
      this.exited.then(() => false),
    ]);
    eachEventLine(this.child.stdout!, (event, line) => this.fromStdout(event, line));
    createInterface({ input: this.child.stderr! }).on('line', (line) => process.stderr.write(line + '\n'));
  }

  /** Sends a line to the balancer's control channel (a runtime API command, or reload/freeze/resume/stop). */
  tell(line: string): void {
    this.child.stdin!.write(line + '\n');
  }

  /** Sends a control command and waits for the balancer's answer; undefined if none came in time. */
  async ask<T extends ControlEvent['type']>(
    line: string,
    answer: T,
  ): Promise<Extract<ControlEvent, { type: T }> | undefined> {
    const event = this.next(answer);
    this.tell(line);
    return (await event) as Extract<ControlEvent, { type: T }> | undefined;
  }

  /** A graceful stop; the balancer is killed if it has not exited within the bound. */
  async stop(): Promise<void> {
    this.tell('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ANSWER_WITHIN_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private next(type: ControlEvent['type']): Promise<ControlEvent | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), type === 'control.ready' ? 30_000 : ANSWER_WITHIN_MS);
      const finish = (event: ControlEvent | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(check);
        resolve(event);
      };
      const check = (event: ControlEvent) => event.type === type && finish(event);
      this.waiting.add(check);
      void this.exited.then(() => finish(undefined));
    });
  }

  /** Its answers on its control channel are kept; anything else, events or plain text, is passed on as it is. */
  private fromStdout(event: { type: string } | undefined, line: string): void {
    if (event?.type.startsWith('control.')) {
      for (const check of [...this.waiting]) check(event as ControlEvent);
      return;
    }
    process.stdout.write(line + '\n');
  }
}
