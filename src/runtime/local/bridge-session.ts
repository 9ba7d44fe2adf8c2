// One browser session of the local bridge: a fresh temporary folder (each sandbox of the page runs in its own folder
// inside it) and the processes themselves. Everything the page may touch stays inside that folder, and every process
// (with its children: each runs as the leader of its own process group) ends when the session closes.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { resizeSequence, type Constraints, type StartedAhead } from '../types.ts';
import { constrainedEnv, LineDiscipline } from './constraints.ts';
import { makeFolderInside, readInside, RefusedError, segmentsOf, usage, writeInside } from './files.ts';
import { descendantsOf, killSeen, markedProcesses, processTable } from './processes.ts';
import type { FileTreeMessage, Reply, Request } from './protocol.ts';

/** A name the bridge may run: a bundle sandboxes/dist/<name>.js. Never a path. */
const PROGRAM_NAME = /^[a-z][a-z0-9-]*$/;
/**
 * The environment a page may set. NODE_OPTIONS, PATH, LD_PRELOAD and the like would let a page run anything, and
 * SANDBOX_* (the network folder, the root a program confines itself to) are the bridge's and the supervisor's alone.
 */
const PAGE_ENV = /^(TERM|COLUMNS|LINES|NO_COLOR|FORCE_COLOR)$/;
/** In the constrained mode, the folder of the session that holds the program bundles, as a WebContainer's /bin. */
const BIN = 'bin';
/** A sandbox's own state: its supervisor's control file and its network (sandboxes/network/net.ts). */
const STATE = '.sandbox';
/**
 * Processes of a session, counted with all their descendants (a supervisor with 12 nodes is 13): enough for the
 * largest topology and a few shells; stops a runaway page or program.
 */
export const MAX_PROCESSES = 32;
/** What a session folder may hold: far above any lesson (a few MB), far below a full disk. */
export const MAX_BYTES = 64 * 1024 * 1024;
export const MAX_FILES = 5000;
/** The variable that marks every process of a session, and that its descendants inherit. */
const MARKER = 'SANDBOX_SESSION';
/** How often the bridge looks at a session's processes and folder (it also checks each page write and spawn). */
const WATCH_MS = 1000;
/** How long a process gets to end on SIGTERM before SIGKILL (the supervisor stops its nodes in that time). */
const KILL_GRACE_MS = 1500;
/**
 * In the constrained mode a busy process cannot be killed, as in a WebContainer; that is the page's problem to cope
 * with. Cleanup is not: once its session closes (or the server stops), the bridge still guarantees that nothing
 * survives, with a real SIGKILL of every process this long after the emulated one.
 */
const CLEANUP_BOUND_MS = 5000;

type SpawnRequest = Extract<Request, { type: 'spawn' }>;
type PipedProcess = ChildProcessByStdio<Writable, Readable, Readable>;
/** A process started ahead: the request it answers, and for a supervisor the scenario it was told (runAhead). */
interface Ahead {
  asked: string;
  program: string;
  child: PipedProcess;
  scenario?: string;
}
/** A scenario's name as the supervisor reads it on stdin: one plain name, never a second line. */
const SCENARIO_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** What a spawn request asks for, to match it with a process started ahead (which has no terminal and no page env). */
function asAsked({ program, args, cwd, terminal, env }: SpawnRequest): string {
  return JSON.stringify([program, args, cwd ?? null, terminal ?? null, env ?? null]);
}

/** The programs that exist in `bundles` (sandboxes/dist), by name. */
export function listPrograms(bundles: string): string[] {
  if (!existsSync(bundles)) return [];
  return readdirSync(bundles)
    .filter((file) => file.endsWith('.js') && PROGRAM_NAME.test(file.slice(0, -3)))
    .map((file) => file.slice(0, -3))
    .sort();
}

/** The bundle for a program name, or a RefusedError saying why not. */
export function programPath(bundles: string, name: string): string {
  if (!PROGRAM_NAME.test(name)) {
    throw new RefusedError(
      `refused to start '${name}': a program is named by a plain name such as 'shell', not a path`,
    );
  }
  const file = join(bundles, `${name}.js`);
  if (!existsSync(file)) {
    throw new RefusedError(
      `refused to start '${name}': there is no sandbox program of that name (sandboxes/dist/${name}.js)`,
    );
  }
  return file;
}

export class Session {
  readonly folder: string;
  private readonly bundles: string;
  private send: (reply: Reply) => void;
  private readonly constraints: Constraints | undefined;
  private readonly processes = new Map<number, ChildProcess>();
  /** Constrained mode: the terminal between the page and each process. */
  private readonly disciplines = new Map<number, LineDiscipline>();
  /** Every process of the session the bridge has seen (pid → start time), descendants included. */
  private readonly seen = new Map<number, string>();
  /** In every process's environment, inherited by its children: finds the ones that left the tree. */
  private readonly marker = randomBytes(12).toString('hex');
  private readonly watch: NodeJS.Timeout;
  private closing: Promise<void> | null = null;
  /** Processes started before a page asked for them (startAhead), each with the request it answers. */
  private ahead: Ahead[] = [];

  private constructor(
    folder: string,
    bundles: string,
    send: (reply: Reply) => void,
    constraints: Constraints | undefined,
  ) {
    this.folder = folder;
    this.bundles = bundles;
    this.send = send;
    this.constraints = constraints;
    this.watch = setInterval(() => void this.check().catch(() => {}), WATCH_MS).unref();
  }

  static async open(bundles: string, send: (reply: Reply) => void, constraints?: Constraints): Promise<Session> {
    const folder = realpathSync(await mkdtemp(join(tmpdir(), 'sandbox-session-')));
    if (constraints) {
      // One container-wide tree, as the WebContainer adapter mounts it: bin/ with the bundles, each sandbox's folder
      // beside it, every program run as `node ../bin/<program>.js` from its folder.
      await mkdir(join(folder, BIN));
      for (const file of readdirSync(bundles).filter((name) => name.endsWith('.js') || name === 'package.json')) {
        await copyFile(join(bundles, file), join(folder, BIN, file));
      }
    }
    return new Session(folder, bundles, send, constraints);
  }

  /** A session opened ahead is given to the page that connects: from now on it answers that page. */
  adopt(send: (reply: Reply) => void): void {
    this.send = send;
  }

  /** Whether the session is still usable (not closing, and its processes started ahead still run). */
  get usable(): boolean {
    return !this.closing && this.ahead.every(({ child }) => stillRunning(child));
  }

  async handle(request: Request): Promise<void> {
    try {
      await this.dispatch(request);
    } catch (error) {
      const message =
        error instanceof RefusedError ? error.message : `${request.type} failed: ${(error as Error).message}`;
      this.send({ type: 'error', id: request.id, message });
    }
  }

  private async dispatch(request: Request): Promise<void> {
    switch (request.type) {
      case 'spawn':
        return this.spawn(request);
      case 'input':
        this.input(request.id, request.data);
        return;
      case 'resize':
        this.processes.get(request.id)?.stdin?.write(resizeSequence(request));
        return;
      case 'kill':
        this.stop(request.id);
        return;
      case 'readFile':
        this.send({ type: 'done', id: request.id, contents: await readInside(this.folder, request.path) });
        return;
      case 'writeFile':
        await this.write(request.path, request.contents);
        this.send({ type: 'done', id: request.id });
        return;
      case 'mount':
        await this.makeRoom(treeSize(request.tree), 'mount');
        await this.mount(request.tree, '');
        this.send({ type: 'done', id: request.id });
        return;
    }
  }

  private async spawn(request: SpawnRequest): Promise<void> {
    if (this.closing) throw new RefusedError('refused to start a program: the session is closing');
    if (this.processes.has(request.id)) throw new RefusedError(`refused to start: process id ${request.id} is in use`);
    const ahead = this.takeAhead(request);
    const child = ahead?.child ?? (await this.launch(request));
    if (this.closing) {
      this.end(child, KILL_GRACE_MS);
      throw new RefusedError('refused to start a program: the session is closing');
    }
    this.attach(request, child, ahead?.scenario);
  }

  /**
   * Starts, before any page asks, the processes a page asks for first: those it starts ahead of its first sandbox, in
   * that sandbox's folder (src/runtime/started-ahead.ts). The page that opens this session is then given them.
   */
  async startAhead(starts: readonly StartedAhead[], cwd: string): Promise<void> {
    for (const { program, args, terminal } of starts) {
      const request: SpawnRequest = { type: 'spawn', id: -1, program, args: [...args], cwd, terminal };
      this.ahead.push({ asked: asAsked(request), program, child: await this.launch(request) });
    }
  }

  /**
   * Tells the supervisor started ahead to run `scenario` now, before the page that will ask for it connects: its
   * nodes start while the browser loads that page, which is told so when it takes the supervisor (the `scenario` of
   * its `spawned` reply). Once: a supervisor runs one scenario, and a second page served meanwhile names none.
   * What the supervisor prints until the page takes it waits in its output pipe, as a shell's greeting does.
   */
  runAhead(scenario: string): void {
    const supervisor = this.ahead.find((ahead) => ahead.program === 'supervisor');
    if (!supervisor || supervisor.scenario !== undefined || !SCENARIO_NAME.test(scenario)) return;
    if (!stillRunning(supervisor.child)) return;
    supervisor.scenario = scenario;
    supervisor.child.stdin.write(`${scenario}\n`);
  }

  /**
   * The process started ahead that `request` asks for, if it still runs; each is given once. A request for anything
   * else ends them all: the page does not start ahead what this session did, so they would only idle.
   */
  private takeAhead(request: SpawnRequest): Ahead | undefined {
    const index = this.ahead.findIndex(({ asked }) => asked === asAsked(request));
    if (index < 0) {
      for (const { child } of this.ahead.splice(0)) this.end(child, KILL_GRACE_MS);
      return undefined;
    }
    const [taken] = this.ahead.splice(index, 1);
    return stillRunning(taken.child) ? taken : undefined;
  }

  /** Checks a page's spawn request and starts its process (in its own process group). */
  private async launch(request: SpawnRequest): Promise<PipedProcess> {
    const running = this.count();
    if (running >= MAX_PROCESSES) {
      throw new RefusedError(
        `refused to start '${request.program}': this page's sandbox already runs ${running} processes (at most ${MAX_PROCESSES}); stop one first`,
      );
    }
    // A spare is told its node's address and name (SANDBOX_*), which a page may not set: only a supervisor starts one.
    if (request.program === 'spare')
      throw new RefusedError("refused to start 'spare': it is started by a supervisor for its nodes, not by a page");
    const file = programPath(this.bundles, request.program);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.env ?? {})) {
      if (!PAGE_ENV.test(name))
        throw new RefusedError(
          `refused environment variable '${name}': a page may set only TERM, COLUMNS, LINES, NO_COLOR and FORCE_COLOR`,
        );
      env[name] = value;
    }
    if (request.terminal)
      Object.assign(env, { COLUMNS: String(request.terminal.cols), LINES: String(request.terminal.rows) });
    const folder = await this.sandboxFolder(request.cwd);
    const base = {
      PATH: process.env.PATH ?? '',
      HOME: folder,
      TMPDIR: folder,
      TERM: 'xterm-256color',
      ...env,
      SANDBOX_ROOT: folder,
      [MARKER]: this.marker,
    };
    const bundle = this.constraints ? relative(folder, join(this.folder, BIN, `${request.program}.js`)) : file;
    const child = spawn(process.execPath, [bundle, ...request.args], {
      cwd: folder,
      env: this.constraints ? constrainedEnv(base) : base,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so ending the session also ends whatever the program started.
      detached: true,
    });
    const started = child.pid ? processTable().get(child.pid)?.started : undefined;
    if (child.pid && started) this.seen.set(child.pid, started);
    return child;
  }

  /**
   * The page's process `request.id` is `child`: its output and exit go to the page. `scenario`: a supervisor started
   * ahead already runs it (runAhead).
   */
  private attach(request: SpawnRequest, child: PipedProcess, scenario?: string): void {
    this.processes.set(request.id, child);
    if (this.constraints) this.disciplines.set(request.id, new LineDiscipline(!request.terminal));
    child.stdin.on('error', () => {}); // writing to a process that just ended: its exit is reported below
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (data: string) => this.output(request.id, data));
    }
    child.on('error', (error) => this.send({ type: 'output', id: request.id, data: `${error.message}\r\n` }));
    child.on('close', (code, signal) => {
      this.processes.delete(request.id);
      this.disciplines.delete(request.id);
      // Like a shell's $?: 128 + the signal number when a signal ended the process.
      const exit = code ?? 128 + (signal ? constants.signals[signal] : 0);
      this.send({ type: 'exit', id: request.id, code: exit });
    });
    this.send({ type: 'spawned', id: request.id, pid: child.pid ?? -1, ...(scenario !== undefined && { scenario }) });
  }

  /** The folder a process runs in: the session folder, or the sandbox's own folder in it (created on first use). */
  private async sandboxFolder(cwd: string | undefined): Promise<string> {
    if (cwd === undefined) return this.folder;
    if (cwd === BIN) throw new RefusedError(`refused folder '${cwd}': it holds the programs, not a sandbox`);
    const folder = join(this.folder, cwd);
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    if (!(await lstat(folder)).isDirectory()) throw new RefusedError(`refused folder '${cwd}': it is not a folder`);
    return folder;
  }

  private output(id: number, data: string): void {
    this.send({ type: 'output', id, data: this.disciplines.get(id)?.output(data) ?? data });
  }

  private input(id: number, typed: string): void {
    const { read, echo } = this.disciplines.get(id)?.input(typed) ?? { read: typed, echo: '' };
    this.processes.get(id)?.stdin?.write(read);
    if (echo) this.send({ type: 'output', id, data: echo });
  }

  /**
   * What the page may not write: in the constrained mode the bundles in the session's bin/; always, a sandbox's own
   * state in .sandbox/, whose network table (ports/) says which loopback port a virtual address leads to: a page
   * that wrote it could point a balancer at any service on this computer.
   */
  private guardPrograms(path: string): void {
    const segments = segmentsOf(path);
    if (this.constraints && segments[0] === BIN) {
      throw new RefusedError(`refused path '${path}': the programs in ${BIN}/ are the bridge's, not the page's`);
    }
    if (segments.includes(STATE))
      throw new RefusedError(`refused path '${path}': ${STATE}/ is the sandbox's own state, not the page's`);
  }

  /** Refuses a write that would take the session folder over its quota (a full disk is an error for this page only). */
  private async makeRoom(adding: { files: number; bytes: number }, what: string): Promise<void> {
    const used = await usage(this.folder);
    if (used.files + adding.files > MAX_FILES || used.bytes + adding.bytes > MAX_BYTES) {
      throw new RefusedError(
        `refused ${what}: the session folder would hold ${used.files + adding.files} files and ${megabytes(used.bytes + adding.bytes)} MB (at most ${MAX_FILES} files and ${megabytes(MAX_BYTES)} MB)`,
      );
    }
  }

  private async write(path: string, contents: string, { counted = false } = {}): Promise<void> {
    this.guardPrograms(path);
    if (!counted) await this.makeRoom({ files: 1, bytes: Buffer.byteLength(contents) }, `to write '${path}'`);
    await writeInside(this.folder, path, contents);
  }

  private async mount(tree: FileTreeMessage, prefix: string): Promise<void> {
    for (const [name, node] of Object.entries(tree)) {
      const path = `${prefix}/${name}`;
      if ('file' in node) await this.write(path, node.file.contents, { counted: true });
      else {
        this.guardPrograms(path);
        await makeFolderInside(this.folder, path);
        await this.mount(node.directory, path);
      }
    }
  }

  /**
   * The page's kill(). Normally SIGTERM to the process group, SIGKILL after a grace period if it is still there.
   * Constrained: only the emulated SIGKILL of the process itself, which a busy process does not obey until it yields
   * and which leaves its children to their lifeline (stdin EOF), as in a WebContainer.
   */
  private stop(id: number): void {
    const child = this.processes.get(id);
    if (!child?.pid) return;
    if (this.constraints) signal(child.pid, 'SIGTERM');
    else this.end(child, KILL_GRACE_MS);
  }

  /** SIGTERM to the process group (the emulated SIGKILL when constrained), a real SIGKILL after `bound` if still there. */
  private end(child: ChildProcess, bound: number): void {
    if (!child.pid) return;
    signal(-child.pid, 'SIGTERM');
    setTimeout(() => {
      if (stillRunning(child)) signal(-child.pid!, 'SIGKILL');
    }, bound).unref();
  }

  /** The session's processes now: those the page started and all their descendants. */
  private track(table = processTable()): Map<number, string> {
    const roots = this.children().flatMap((child) => (child.pid ? [child.pid] : []));
    const now = descendantsOf(roots, table);
    for (const pid of roots) {
      const started = table.get(pid)?.started;
      if (started) now.set(pid, started);
    }
    for (const [pid, started] of now) this.seen.set(pid, started);
    return now;
  }

  /** The processes this session started: the page's, and those started ahead that no page took yet. */
  private children(): ChildProcess[] {
    return [...this.processes.values(), ...this.ahead.map(({ child }) => child)];
  }

  private count(): number {
    return this.track().size;
  }

  /** The periodic look at the session: too many processes, or too full a folder, stops it and says why. */
  private async check(): Promise<void> {
    if (this.closing) return;
    const running = this.count();
    if (running > MAX_PROCESSES)
      return this.stopAll(`this page's sandbox ran ${running} processes (at most ${MAX_PROCESSES})`);
    const used = await usage(this.folder);
    if (used.files > MAX_FILES || used.bytes > MAX_BYTES) {
      return this.stopAll(
        `the session folder holds ${used.files} files and ${megabytes(used.bytes)} MB (at most ${MAX_FILES} files and ${megabytes(MAX_BYTES)} MB)`,
      );
    }
  }

  /** Stops every process of the session at once, and tells the page (and the learner, in each terminal) why. */
  private stopAll(reason: string): void {
    const message = `The sandbox bridge stopped this page's programs: ${reason}. Reload the page to start afresh.`;
    this.send({ type: 'error', id: null, message });
    for (const [id, child] of this.processes) {
      this.output(id, `\r\n${message}\r\n`);
      if (child.pid) signal(-child.pid, 'SIGKILL');
    }
    killSeen(this.seen);
  }

  /** Ends every process and removes the folder. Resolves once all processes have ended. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watch);
      const table = processTable();
      this.track(table);
      for (const [pid, started] of markedProcesses(`${MARKER}=${this.marker}`, table)) this.seen.set(pid, started);
      const children = this.children().filter(stillRunning);
      const ended = children.map((child) => new Promise((done) => child.once('close', done)));
      for (const child of children) this.end(child, this.constraints ? CLEANUP_BOUND_MS : KILL_GRACE_MS);
      await Promise.all(ended);
      // What left the process groups (setsid, a double fork) goes too, once the groups have had their grace.
      killSeen(this.seen);
      killSeen(markedProcesses(`${MARKER}=${this.marker}`));
      await rm(this.folder, { recursive: true, force: true });
    })();
    return this.closing;
  }

  /** For a server that is exiting right now: no time for grace, kill every process of the session at once. */
  killNow(): void {
    clearInterval(this.watch);
    const table = processTable();
    this.track(table);
    for (const child of this.children()) if (child.pid) signal(-child.pid, 'SIGKILL');
    killSeen(this.seen, table);
    killSeen(markedProcesses(`${MARKER}=${this.marker}`, table), table);
    rmSync(this.folder, { recursive: true, force: true });
  }
}

/** Whether a child process has not exited yet (nor been reported ended by a signal). */
function stillRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Sends a signal to a process, or to a process group (a negative pid). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** The files and bytes a tree to mount would add. */
function treeSize(tree: FileTreeMessage): { files: number; bytes: number } {
  const size = { files: 0, bytes: 0 };
  for (const node of Object.values(tree)) {
    size.files += 1;
    if ('file' in node) size.bytes += Buffer.byteLength(node.file.contents);
    else {
      const inner = treeSize(node.directory);
      size.files += inner.files;
      size.bytes += inner.bytes;
    }
  }
  return size;
}
