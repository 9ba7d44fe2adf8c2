// A spare: a Node.js process started ahead of the node it will be. Most of a process's start is Node's own (about 70
// of the 110 ms a web server takes to start on an idle laptop, more on a busy one or in a WebContainer); a spare has
// done that before anyone needs it. The supervisor keeps a few while it waits for its scenario (../supervisor/spares.ts).
//
// It writes nothing and waits. The first line on its stdin says what to become, as JSON:
//   {"program":"web","args":["--name","web-01"],"env":{"SANDBOX_ADDR":"10.0.0.11","SANDBOX_NODE":"web-01"}}
// It then runs that program's bundle (dist/<program>.js, beside its own) in this same process, with those arguments,
// and the program reads the rest of stdin as its control channel. Whatever started the spare could have started the
// program itself: only a bundle of ours, and only the node's own address and name in the environment.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

/** What a spare may be told to set: which node it is. The rest of its environment is the one it was started with. */
const NODE_IDENTITY = ['SANDBOX_ADDR', 'SANDBOX_NODE'];
const PROGRAM_NAME = /^[a-z][a-z0-9-]*$/;

interface Become {
  program: string;
  args: string[];
  env: Record<string, string>;
}

function refuse(problem: string): never {
  process.stderr.write(`spare: ${problem}\n`);
  process.exit(2);
}

/** The first line of stdin; whatever came after it is put back, unread, for the program. */
function firstLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let read = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      read = Buffer.concat([read, chunk]);
      const end = read.indexOf('\n');
      if (end < 0) return;
      process.stdin.off('data', onData).off('end', onEnd).pause();
      if (end + 1 < read.length) process.stdin.unshift(read.subarray(end + 1));
      resolve(read.subarray(0, end).toString('utf8'));
    };
    const onEnd = () => resolve(undefined);
    process.stdin.on('data', onData).on('end', onEnd);
  });
}

function parse(line: string): Become {
  let told: Partial<Become>;
  try {
    told = JSON.parse(line) as Partial<Become>;
  } catch {
    return refuse(`not JSON: ${line.slice(0, 80)}`);
  }
  const { program, args = [], env = {} } = told;
  if (typeof program !== 'string' || !PROGRAM_NAME.test(program) || program === 'spare')
    return refuse(`'${String(program)}' is not a program name`);
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) return refuse('args must be strings');
  for (const [name, value] of Object.entries(env)) {
    if (!NODE_IDENTITY.includes(name) || typeof value !== 'string')
      return refuse(`may set only ${NODE_IDENTITY.join(' and ')}, not ${name}`);
  }
  return { program, args, env };
}

/**
 * What every node does first, done while the spare waits: Node loads its HTTP and network code at first use, and
 * opening a listening socket is that first use. A loopback port, opened and closed at once. It takes 25-30 ms off a
 * topology's start on an idle machine (two-servers up in 118 ms instead of 144), for 5 MB more per waiting spare.
 */
function useNetworkOnce(): void {
  const server = http.createServer();
  server.on('error', () => {}); // no loopback port to be had: the node it becomes will say so
  server.listen(0, '127.0.0.1', () => server.close());
}

useNetworkOnce();
const line = await firstLine();
if (line === undefined) process.exit(0); // stdin closed before anything was asked: the spare was not needed
const { program, args, env } = parse(line);
const bundle = new URL(`./${program}.js`, import.meta.url);
if (!existsSync(bundle)) refuse(`no program '${program}' (${fileURLToPath(bundle)})`);
Object.assign(process.env, env);
// As if started as `node <bundle> ARGS...`: the program reads its command line from process.argv, and `ps` shows
// the program and its arguments instead of `spare.js` (cut to the length of the spare's own command line).
process.argv = [process.argv[0]!, fileURLToPath(bundle), ...args];
try {
  process.title = [program, ...args].join(' ');
} catch {
  // A runtime without process titles (nothing says a WebContainer has them): `ps` shows the spare, the node runs.
}
await import(bundle.href);
