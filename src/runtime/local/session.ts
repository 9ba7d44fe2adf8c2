// One browser session of the local bridge: a fresh temporary folder (each sandbox of the page runs in its own folder
// inside it) and the processes themselves. Everything the page may touch stays inside that folder, and every process
// (with its children: each runs as the leader of its own process group) ends when the session closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { resizeSequence, type Constraints } from '../types.ts';
import { constrainedEnv, LineDiscipline } from './constraints.ts';
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
/** Enough for the largest topology (a supervisor, its nodes and a few shells); stops a runaway page. */
const MAX_PROCESSES = 32;
/** How long a process gets to end on SIGTERM before SIGKILL (the supervisor stops its nodes in that time). */
const KILL_GRACE_MS = 1500;
/**
 * In the constrained mode a busy process cannot be killed, as in a WebContainer; that is the page's problem to cope
 * with. Cleanup is not: once its session closes (or the server stops), the bridge still guarantees that nothing
 * survives, with a real SIGKILL of every process this long after the emulated one.
 */
const CLEANUP_BOUND_MS = 5000;

export class RefusedError extends Error {}

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
    throw new RefusedError(`refused to start '${name}': a program is named by a plain name such as 'shell', not a path`);
  }
  const file = join(bundles, `${name}.js`);
  if (!existsSync(file)) {
    throw new RefusedError(`refused to start '${name}': there is no sandbox program of that name (sandboxes/dist/${name}.js)`);
  }
  return file;
}

/** Resolves a page-given path inside the session folder; '/' means the folder itself, as in a WebContainer. */
export function insideSession(root: string, path: string): string {
  if (path.includes('\0')) throw new RefusedError(`refused path '${path}': it contains a NUL byte`);
  const target = resolve(root, '.' + (path.startsWith('/') ? path : '/' + path));
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new RefusedError(`refused path '${path}': it leaves the session folder`);
  }
  return target;
}

/** Refuses a path whose real location (after symlinks a process may have made) is outside the session folder. */
async function realInside(root: string, target: string, path: string): Promise<void> {
  // A file that does not exist yet is judged by the nearest folder above it that does.
  let existing = target;
  while (!existsSync(existing) && existing !== root) existing = dirname(existing);
  const rel = relative(realpathSync(root), await realpath(existing));
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new RefusedError(`refused path '${path}': it leads out of the session folder through a symbolic link`);
  }
}

export class Session {
  readonly folder: string;
  private readonly bundles: string;
  private readonly send: (reply: Reply) => void;
  private readonly constraints: Constraints | undefined;
  private readonly processes = new Map<number, ChildProcess>();
  /** Constrained mode: the terminal between the page and each process. */
  private readonly disciplines = new Map<number, LineDiscipline>();
  private closing: Promise<void> | null = null;

  private constructor(folder: string, bundles: string, send: (reply: Reply) => void, constraints: Constraints | undefined) {
    this.folder = folder;
    this.bundles = bundles;
    this.send = send;
    this.constraints = constraints;
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

  async handle(request: Request): Promise<void> {
    try {
      await this.dispatch(request);
    } catch (error) {
      const message = error instanceof RefusedError ? error.message : `${request.type} failed: ${(error as Error).message}`;
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
      case 'readFile': {
        const target = insideSession(this.folder, request.path);
        await realInside(this.folder, target, request.path);
        this.send({ type: 'done', id: request.id, contents: await readFile(target, 'utf8') });
        return;
      }
      case 'writeFile':
        await this.write(request.path, request.contents);
        this.send({ type: 'done', id: request.id });
        return;
      case 'mount':
        await this.mount(request.tree, '');
        this.send({ type: 'done', id: request.id });
        return;
    }
  }

  private async spawn(request: Extract<Request, { type: 'spawn' }>): Promise<void> {
    if (this.closing) throw new RefusedError('refused to start a program: the session is closing');
    if (this.processes.has(request.id)) throw new RefusedError(`refused to start: process id ${request.id} is in use`);
    if (this.processes.size >= MAX_PROCESSES) {
      throw new RefusedError(`refused to start '${request.program}': this session already runs ${MAX_PROCESSES} processes`);
    }
    const file = programPath(this.bundles, request.program);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.env ?? {})) {
      if (!PAGE_ENV.test(name)) throw new RefusedError(`refused environment variable '${name}': a page may set only TERM, COLUMNS, LINES, NO_COLOR and FORCE_COLOR`);
      env[name] = value;
    }
    if (request.terminal) Object.assign(env, { COLUMNS: String(request.terminal.cols), LINES: String(request.terminal.rows) });
    const folder = await this.sandboxFolder(request.cwd);
    const base = { PATH: process.env.PATH ?? '', HOME: folder, TMPDIR: folder, TERM: 'xterm-256color', ...env, SANDBOX_ROOT: folder };
    const bundle = this.constraints ? relative(folder, join(this.folder, BIN, `${request.program}.js`)) : file;
    const child = spawn(process.execPath, [bundle, ...request.args], {
      cwd: folder,
      env: this.constraints ? constrainedEnv(base) : base,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so ending the session also ends whatever the program started.
      detached: true,
    });
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
    this.send({ type: 'spawned', id: request.id, pid: child.pid ?? -1 });
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

  private async write(path: string, contents: string): Promise<void> {
    const target = insideSession(this.folder, path);
    if (this.constraints && !relative(join(this.folder, BIN), target).startsWith('..')) {
      throw new RefusedError(`refused path '${path}': the programs in ${BIN}/ are the bridge's, not the page's`);
    }
    await mkdir(dirname(target), { recursive: true });
    await realInside(this.folder, dirname(target), path);
    const existing = await lstat(target).catch(() => null);
    if (existing?.isSymbolicLink()) throw new RefusedError(`refused path '${path}': it is a symbolic link`);
    await writeFile(target, contents);
  }

  private async mount(tree: FileTreeMessage, prefix: string): Promise<void> {
    for (const [name, node] of Object.entries(tree)) {
      const path = `${prefix}/${name}`;
      if ('file' in node) await this.write(path, node.file.contents);
      else {
        await mkdir(insideSession(this.folder, path), { recursive: true });
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
      if (child.exitCode === null && child.signalCode === null) signal(-child.pid!, 'SIGKILL');
    }, bound).unref();
  }

  /** Ends every process and removes the folder. Resolves once all processes have ended. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const ended = [...this.processes.values()].map((child) => new Promise((done) => child.once('close', done)));
      for (const child of this.processes.values()) this.end(child, this.constraints ? CLEANUP_BOUND_MS : KILL_GRACE_MS);
      await Promise.all(ended);
      await rm(this.folder, { recursive: true, force: true });
    })();
    return this.closing;
  }

  /** For a server that is exiting right now: no time for grace, kill every process group at once. */
  killNow(): void {
    for (const child of this.processes.values()) if (child.pid) signal(-child.pid, 'SIGKILL');
    rmSync(this.folder, { recursive: true, force: true });
  }
}

/** Sends a signal to a process, or to a process group (a negative pid). */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
