// The probe's child processes are the probe itself (`node probe.js child <role>`), so a check needs no other file.
// Each role is the smallest program that shows one behaviour. Every child reads its stdin as the sandbox nodes do
// (their real control channel, sandboxes/shared/control-channel.ts: lines in, exit when the pipe ends), so none
// outlives the probe, and a backstop timer ends any that is somehow left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const BACKSTOP_MS = 60_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child as its parent sees it: its stdout lines, its stderr, its exit. */
export class Child {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  ended = false;
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();

  constructor(process: ChildProcess) {
    this.process = process;
    process.stdin!.on('error', () => {}); // writing to a child that just died
    createInterface({ input: process.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiters.forEach((wake) => wake());
    });
    process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        this.ended = true;
        resolve({ code, signal });
        this.waiters.forEach((wake) => wake());
      });
      process.once('error', () => {
        this.ended = true;
        resolve({ code: null, signal: null });
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  /** The first stdout line (already seen or to come) that `match` accepts, within `ms`. */
  line(match: (line: string) => boolean, ms: number, what = 'the line it was asked for'): Promise<string> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const found = this.lines.find(match);
        if (found !== undefined || this.ended) {
          this.waiters.delete(look);
          clearTimeout(timer);
          if (found !== undefined) resolve(found);
          else
            reject(
              new Error(
                `the child exited before printing ${what}${this.stderr && `; its stderr: ${this.stderr.trim().slice(0, 300)}`}`,
              ),
            );
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(look);
        reject(new Error(`the child did not print ${what} within ${ms} ms`));
      }, ms);
      this.waiters.add(look);
      look();
    });
  }

  /** Its first stdout line of its own (not its control channel's events), parsed as JSON. */
  async hello<T>(ms = 5000): Promise<T> {
    return JSON.parse(await this.line((line) => !line.startsWith('{"type":"control.'), ms, 'its first line')) as T;
  }

  send(line: string): void {
    this.process.stdin!.write(line + '\n');
  }

  /** Sends a signal; false when the runtime refused it (an exception) or the child is gone. */
  signal(signal: NodeJS.Signals): boolean {
    try {
      return this.process.kill(signal);
    } catch {
      return false;
    }
  }

  /** Its exit, or undefined if it has not exited within `ms`. */
  exitWithin(ms: number): Promise<Exit | undefined> {
    return Promise.race([this.exited, new Promise<undefined>((resolve) => setTimeout(resolve, ms))]);
  }
}

/**
 * Starts `script` the way the supervisor starts a node: process.execPath, three pipes, events on. `echo` is put in its
 * environment (PROBE_ECHO), so a child can show that the environment reached it.
 */
export function spawnScript(script: string, args: string[], echo: string, command = process.execPath): Child {
  return new Child(
    spawn(command, [script, ...args], {
      cwd: process.cwd(),
      env: { ...process.env, SANDBOX_EVENTS: '1', PROBE_ECHO: echo },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
}

/** Starts `node probe.js child <role> <args>`, as spawnScript does. */
export function spawnSelf(role: string, args: string[] = [], command = process.execPath): Child {
  return spawnScript(SELF, ['child', role, ...args], `sent to ${role}`, command);
}

const say = (value: unknown) => process.stdout.write(JSON.stringify(value) + '\n');

/** Reads stdin as a node does: each line that is not a common command goes to `handle`; its end ends the child. */
type Channel = (handle?: (line: string) => void) => void;

/** What each role does, in the child. Each says something first: its parent waits for that first line. */
const roles: Record<string, (args: string[], channel: Channel) => void> = {
  /** Says who it is, writes to stderr, then echoes each stdin line; `exit` ends it with code 0. */
  answer(_args, channel) {
    say({ pid: process.pid, cwd: process.cwd(), env: process.env.PROBE_ECHO });
    process.stderr.write('a line on stderr\n');
    channel((line) => (line === 'exit' ? process.exit(0) : say({ line })));
  },
  /** Does nothing until killed (or until its stdin ends). */
  idle(_args, channel) {
    say({ pid: process.pid });
    channel();
  },
  /** Reports the signals that reach its handlers, and keeps running. */
  handlers(_args, channel) {
    for (const signal of ['SIGUSR2', 'SIGHUP', 'SIGTERM'] as const) process.on(signal, () => say({ caught: signal }));
    say({ pid: process.pid });
    channel();
  },
  /** Counts every 10 ms and prints the count, so a parent can tell whether it runs. */
  counter(_args, channel) {
    let count = 0;
    say({ pid: process.pid });
    setInterval(() => say({ count: ++count }), 10);
    channel();
  },
  /** Starts a `lifeline` grandchild and reports its pid once it is up. */
  parent([marker], channel) {
    const grandchild = spawnSelf('lifeline', [marker]);
    void grandchild.hello<{ pid: number }>().then(
      ({ pid }) => say({ pid: process.pid, grandchild: pid }),
      (error: Error) => say({ error: error.message }),
    );
    channel();
  },
  /** Leaves a file behind when it exits: the mark that the end of its stdin reached it. */
  lifeline([marker], channel) {
    process.on('exit', () => writeFileSync(marker, String(process.pid)));
    say({ pid: process.pid });
    channel();
  },
  /** A TCP echo server and an HTTP server on loopback (port 0), as every sandbox node listens. */
  servers(_args, channel) {
    const tcp = net.createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
    const web = http.createServer((_req, res) => res.end(`served by ${process.pid}`)).listen(0, '127.0.0.1');
    const port = (server: net.Server) => (server.address() as net.AddressInfo).port;
    let listening = 0;
    const ready = () => ++listening === 2 && say({ pid: process.pid, tcp: port(tcp), http: port(web) });
    tcp.once('listening', ready);
    web.once('listening', ready);
    channel();
  },
};

export async function runChild(role: string | undefined, args: string[]): Promise<void> {
  const run = role && roles[role];
  if (!run) {
    process.stderr.write(`probe: unknown child role '${role}'; one of ${Object.keys(roles).join(', ')}\n`);
    process.exit(2);
  }
  setTimeout(() => process.exit(3), BACKSTOP_MS).unref();
  // Loaded here, not above: it makes the timers pausable (an in-process freeze) as it loads, which only the
  // children should have, as the nodes do.
  const { openControlChannel } = await import('../shared/control-channel');
  run(args, (handle) => openControlChannel({ command: handle }));
}
