// The `local` runtime in the page: real processes on this computer, through the bridge that `npm start` and
// `npm run dev` serve on the same origin (src/runtime/local/bridge.ts). Works with the network unplugged.
import {
  RuntimeUnavailable,
  type BootStep,
  type Constraints,
  type FileTree,
  type Runtime,
  type SandboxProcess,
  type SpawnOptions,
} from '../types';
import { TOKEN_PATH } from './endpoints';
import { inputPieces, MAX_PAYLOAD } from './limits';
import type { Ask, Reply, Request } from './protocol';

const CONNECT_TIMEOUT_MS = 10_000;
const BRIDGE_GONE = 'the local bridge closed the connection (was `npm start` stopped?); start it and reload the page';

/** The normal case on a static host: in automatic mode, not worth a notice. */
export const NO_BRIDGE = new RuntimeUnavailable(
  'local',
  'This site has no local bridge: it is served as static files.',
  'To run the sandboxes as programs on your own computer (also offline), clone the course and run `npm start` (see its README).',
);

/** `constraints`: run the programs under the emulated limits of a WebContainer (src/runtime/local/constraints.ts). */
export async function bootLocal(step: BootStep, constraints?: Constraints): Promise<Runtime> {
  step('Connecting to the local bridge');
  const answer = await fetch(TOKEN_PATH, { cache: 'no-store' }).catch(() => null);
  if (!answer?.ok || !answer.headers.get('content-type')?.includes('json')) throw NO_BRIDGE;
  const { token, path } = (await answer.json()) as { token: string; path: string };
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams({ token, ...(constraints ? { constraints } : {}) });
  const socket = new WebSocket(`${scheme}://${location.host}${path}?${query}`);
  const programs = await new Promise<string[]>((resolve, reject) => {
    const fail = () =>
      reject(
        new RuntimeUnavailable(
          'local',
          'The local bridge refused the connection or did not answer.',
          'Reload the page; if `npm start` was restarted, the page needs its new token.',
        ),
      );
    const timer = setTimeout(fail, CONNECT_TIMEOUT_MS);
    socket.addEventListener('error', fail, { once: true });
    socket.addEventListener(
      'message',
      (event) => {
        const reply = JSON.parse(event.data as string) as Reply;
        clearTimeout(timer);
        if (reply.type === 'ready') resolve(reply.programs);
        // Too many pages open at once, or no session folder (a full disk): the bridge says which.
        else if (reply.type === 'error')
          reject(
            new RuntimeUnavailable(
              'local',
              reply.message,
              'Close the course in other tabs or windows, or free some disk space, then reload this page.',
            ),
          );
      },
      { once: true },
    );
  });
  return new LocalRuntime(socket, programs, constraints);
}

interface Running {
  output: ReadableStreamDefaultController<string>;
  exited: (code: number) => void;
}

class LocalRuntime implements Runtime {
  readonly kind = 'local';
  readonly programs: readonly string[];
  readonly constraints: Constraints | undefined;
  private readonly socket: WebSocket;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private readonly running = new Map<number, Running>();

  constructor(socket: WebSocket, programs: string[], constraints: Constraints | undefined) {
    this.socket = socket;
    this.programs = programs;
    this.constraints = constraints;
    socket.addEventListener('message', (event) => this.receive(JSON.parse(event.data as string) as Reply));
    // The server stopped (Ctrl-C on npm start): every process is gone with it.
    socket.addEventListener('close', () => {
      for (const [id] of this.running) this.receive({ type: 'exit', id, code: 129 });
      for (const { reject } of this.waiting.values()) reject(new Error(BRIDGE_GONE));
      this.waiting.clear();
    });
  }

  private receive(reply: Reply): void {
    if (reply.type === 'ready') return;
    if (reply.id === null) {
      console.error(`sandbox bridge: ${reply.type === 'error' ? reply.message : reply.type}`);
      return;
    }
    const process = this.running.get(reply.id);
    if (reply.type === 'output') process?.output.enqueue(reply.data);
    else if (reply.type === 'exit') {
      process?.output.close();
      process?.exited(reply.code);
      this.running.delete(reply.id);
    } else {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.type === 'error') {
        this.running.delete(reply.id);
        waiter?.reject(new Error(reply.message));
      } else waiter?.resolve(reply);
    }
  }

  private send(message: Request): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  /** Sends a request and waits for its reply (`spawned` or `done`), or its error. */
  private ask(message: Ask, id = this.nextId++): Promise<Reply> {
    return new Promise((resolve, reject) => {
      // A runtime kept from an earlier page (src/runtime/visit.ts) may have lost its bridge meanwhile.
      if (this.socket.readyState !== WebSocket.OPEN) return reject(new Error(BRIDGE_GONE));
      const text = JSON.stringify({ ...message, id });
      // A message over the bridge's limit would end the connection (and every process of the page) instead of this call.
      if (new TextEncoder().encode(text).length > MAX_PAYLOAD) {
        return reject(
          new Error(`${message.type}: too large for the local bridge (over ${MAX_PAYLOAD / 1e6} MB in one message)`),
        );
      }
      this.waiting.set(id, { resolve, reject });
      this.socket.send(text);
    });
  }

  async spawn(program: string, args: string[], options: SpawnOptions = {}): Promise<SandboxProcess> {
    const id = this.nextId++;
    let exited!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    const output = new ReadableStream<string>({
      start: (controller) => this.running.set(id, { output: controller, exited }),
    });
    const spawned = await this.ask(
      { type: 'spawn', program, args, env: options.env, terminal: options.terminal, cwd: options.cwd },
      id,
    );
    return {
      ...(spawned.type === 'spawned' && spawned.scenario !== undefined && { scenario: spawned.scenario }),
      output,
      exit,
      // A large paste goes in pieces the bridge accepts, and arrives whole.
      input: new WritableStream<string>({
        write: (data) => inputPieces(data).forEach((piece) => this.send({ type: 'input', id, data: piece })),
      }),
      kill: () => this.send({ type: 'kill', id }),
      resize: ({ cols, rows }) => this.send({ type: 'resize', id, cols, rows }),
    };
  }

  async mount(tree: FileTree): Promise<void> {
    await this.ask({ type: 'mount', tree });
  }

  fs = {
    readFile: async (path: string): Promise<string> => {
      const reply = await this.ask({ type: 'readFile', path });
      return reply.type === 'done' ? (reply.contents ?? '') : '';
    },
    writeFile: async (path: string, contents: string): Promise<void> => {
      await this.ask({ type: 'writeFile', path, contents });
    },
  };

  teardown(): void {
    this.socket.close();
  }
}
