// Processes: what the supervisor does to its nodes (start them as `process.execPath <bundle>` with three pipes, kill
// them with SIGKILL and see them go), what the lifeline relies on (a killed parent's pipes end), and the signals the
// programs no longer send but whose behaviour the compatibility notes leave open (WEBCONTAINER-COMPAT.md rows 7-13).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnScript, type Child, type Exit } from './children';
import { fail, info, pass, sleep, type Check, type Outcome, type Scope } from './runner';

const ms = (since: number) => Math.round(performance.now() - since);
const exitText = ({ code, signal }: Exit) => `code ${code}, signal ${signal === null ? 'null' : `'${signal}'`}`;

interface Answer {
  pid: number;
  cwd: string;
  env: string;
}

/** How long a spare is left to load before it is told what to become: a node's wait for the nodes it names. */
const SPARE_LOADS_MS = 1000;
/** How long a signal gets to show an effect before the answer is "nothing happened". */
const SIGNAL_WAIT_MS = 1000;

/** Sends `signal` to a child with handlers for SIGUSR2, SIGHUP and SIGTERM: reached the handler, killed it, or nothing. */
function signalToHandler(signal: 'SIGUSR2' | 'SIGHUP' | 'SIGTERM', usedFor: string): Check {
  return {
    id: signal.toLowerCase(),
    title: `${signal} to a child with a handler (${usedFor})`,
    needed: false,
    async run(scope) {
      const child = scope.spawn('handlers');
      await child.hello();
      if (!child.signal(signal)) return info(`the runtime refused to send ${signal}`, 'refused');
      // A line that never comes leaves the answer to the exit (or to the timeout of the race).
      const caught = child
        .line((line) => line.includes(`"caught":"${signal}"`), SIGNAL_WAIT_MS)
        .then(
          () => 'caught' as const,
          () => new Promise<never>(() => {}),
        );
      const outcome = await Promise.race([caught, child.exitWithin(SIGNAL_WAIT_MS)]);
      if (outcome === 'caught')
        return info(`${signal} reached the child's process.on('${signal}') handler`, 'reached the handler');
      if (outcome) return info(`${signal} killed the child despite its handler (${exitText(outcome)})`, 'killed it');
      return info(`nothing: the child neither ran its handler nor exited within ${SIGNAL_WAIT_MS} ms`, 'nothing');
    },
  };
}

/** Sends `signal` to an idle child: its exit as the parent sees it within `waitMs` (and when), or 'refused'. */
async function signalIdle(
  scope: Scope,
  signal: NodeJS.Signals,
  waitMs: number,
): Promise<'refused' | { exit?: Exit; after: number }> {
  const child = scope.spawn('idle');
  await child.hello();
  const at = performance.now();
  if (!child.signal(signal)) return 'refused';
  const exit = await child.exitWithin(waitMs);
  return { exit, after: ms(at) };
}

/** Starts `count` children, one after another or all at once, and times each from spawn to its first line. */
async function spawnMany(scope: Scope, count: number, together: boolean): Promise<Outcome> {
  const started = performance.now();
  const times: number[] = [];
  const one = async () => {
    const at = performance.now();
    const child = scope.spawn('answer');
    await child.hello(30_000);
    times.push(ms(at));
    child.process.stdin!.end(); // its lifeline: it exits
  };
  if (together) await Promise.all(Array.from({ length: count }, one));
  else for (let i = 0; i < count; i++) await one();
  const total = ms(started);
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  return info(
    `${count} processes answered; from spawn to first line: fastest ${times[0]} ms, median ${median} ms, slowest ${times.at(-1)} ms`,
    `${total} ms for ${count}`,
  );
}

/** The sandbox programs a lesson starts, whose bundles lie beside the probe's (sandboxes/dist, a WebContainer's bin/). */
const PROGRAMS = ['supervisor', 'web', 'balancer', 'shell', 'store', 'vrrp', 'monitor'];

/**
 * Spawn → exit of one program given an option it does not know and no stdin: it loads and runs its whole bundle,
 * then stops at its argument check (the shell at the end of its input). That is each node's start before it
 * listens, the cost a scenario pays once per node (#15).
 */
function startAndExit(bundle: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const at = performance.now();
    const child = spawn(process.execPath, [bundle, '--probe-start-only'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {});
    child.stdin.end();
    const timer = setTimeout(
      () => (child.kill('SIGKILL'), reject(new Error(`${bundle} did not exit within 20 s`))),
      20_000,
    );
    child.once('error', (error) => (clearTimeout(timer), reject(error)));
    child.once('exit', () => (clearTimeout(timer), resolve(ms(at))));
  });
}

async function programStarts(): Promise<Outcome> {
  const dist = dirname(fileURLToPath(import.meta.url));
  const found = PROGRAMS.filter((program) => existsSync(join(dist, `${program}.js`)));
  if (!found.length) return info(`no sandbox program beside the probe in ${dist}`);
  const times: string[] = [];
  for (const program of found) times.push(`${program} ${await startAndExit(join(dist, `${program}.js`))} ms`);
  return info(`spawn → exit, each loading its whole bundle: ${times.join(', ')}`, times[0]);
}

/** The state letter of /proc/<pid>/stat (R running, S sleeping, T stopped), or why there is none. */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/** The count a `counter` child printed last. */
const lastCount = (child: Child) => Number(JSON.parse(child.lines.at(-1) ?? '{"count":0}').count ?? 0);

export const processChecks: Check[] = [
  {
    id: 'spawn',
    title: 'Nested spawn of process.execPath with piped stdio, env and cwd (the supervisor starting a node)',
    needed: true,
    async run(scope) {
      const at = performance.now();
      const child = scope.spawn('answer');
      const hello = await child.hello<Answer>();
      const took = ms(at);
      if (hello.pid !== child.pid)
        return fail(`the child says its pid is ${hello.pid}, the parent was told ${child.pid}`);
      if (hello.env !== 'sent to answer')
        return fail(`the environment did not arrive: PROBE_ECHO is ${JSON.stringify(hello.env)}`);
      if (hello.cwd !== process.cwd()) return fail(`the child runs in ${hello.cwd}, not in ${process.cwd()} as asked`);
      child.send('over stdin');
      await child.line((line) => line === '{"line":"over stdin"}', 3000, 'the line sent to its stdin');
      child.send('exit');
      const exit = await child.exitWithin(3000);
      if (!exit) return fail('the child was told to exit but the parent saw no exit within 3000 ms');
      if (exit.code !== 0) return fail(`the child exited with ${exitText(exit)} instead of code 0`);
      return pass(
        `${process.execPath} started (pid ${child.pid}); env, cwd, stdin and stdout work; it exited with code 0`,
        `first answer after ${took} ms`,
      );
    },
  },
  {
    id: 'spare',
    title:
      "A spare becomes a program: Node.js started ahead, told on its first stdin line to import a bundle (the supervisor's head start for a node that waits for others)",
    needed: true,
    async run(scope) {
      const bundle = join(dirname(fileURLToPath(import.meta.url)), 'spare.js');
      if (!existsSync(bundle)) return fail(`no spare beside the probe in ${dirname(bundle)}`);
      const spare = scope.keep(spawnScript(bundle, [], 'sent to the spare'));
      await sleep(SPARE_LOADS_MS); // as a spare waits for its node's turn
      if (spare.ended) return fail(`the spare exited while it waited: ${spare.stderr.trim() || 'it said nothing'}`);
      const at = performance.now();
      spare.send(JSON.stringify({ program: 'probe', args: ['child', 'answer'] }));
      const hello = await spare.hello<Answer>();
      const took = ms(at);
      if (hello.pid !== spare.pid) return fail(`the program runs as pid ${hello.pid}, not in the spare (${spare.pid})`);
      if (hello.env !== 'sent to the spare') return fail(`the spare's environment did not reach the program`);
      spare.send('over stdin');
      await spare.line((line) => line === '{"line":"over stdin"}', 3000, 'the line sent after the first');
      spare.send('exit');
      const exit = await spare.exitWithin(3000);
      if (exit?.code !== 0)
        return fail(`the program was told to exit: ${exit ? exitText(exit) : 'no exit within 3000 ms'}`);
      return pass(
        'the spare ran the bundle it was told in its own process, which read the stdin lines after the first',
        `first answer ${took} ms after it was told`,
      );
    },
  },
  {
    id: 'child-stderr',
    title: "A child's stderr arrives on its own pipe",
    needed: false,
    async run(scope) {
      const child = scope.spawn('answer');
      await child.hello();
      child.send('exit');
      await child.exitWithin(3000);
      if (child.stderr.includes('a line on stderr')) return pass('stderr and stdout are separate pipes');
      if (child.lines.some((line) => line.includes('a line on stderr')))
        return fail('the stderr text arrived on stdout (merged)');
      return fail('the text written to stderr never arrived');
    },
  },
  {
    id: 'spawn-node-by-name',
    title: "Spawning 'node' by name instead of process.execPath",
    needed: false,
    async run(scope) {
      const child = scope.spawn('answer', [], 'node');
      const hello = await child.hello<Answer>();
      return pass(`'node' on PATH started the program (pid ${hello.pid})`);
    },
  },
  {
    id: 'sigkill',
    title: 'SIGKILL ends an idle child and the parent sees it exit (infra kill)',
    needed: true,
    async run(scope) {
      const ended = await signalIdle(scope, 'SIGKILL', 3000);
      if (ended === 'refused') return fail('child.kill("SIGKILL") was refused');
      if (!ended.exit) return fail('the parent saw no exit within 3000 ms of SIGKILL');
      return pass(`the parent's 'exit' event came with ${exitText(ended.exit)}`, `exit seen after ${ended.after} ms`);
    },
  },
  {
    id: 'sigterm-exit',
    title: 'SIGTERM to a child without a handler: what the parent sees',
    needed: false,
    async run(scope) {
      const ended = await signalIdle(scope, 'SIGTERM', SIGNAL_WAIT_MS);
      if (ended === 'refused') return info('child.kill("SIGTERM") was refused', 'refused');
      if (!ended.exit) return info(`the child was still running ${SIGNAL_WAIT_MS} ms after SIGTERM`, 'nothing');
      return info(`the parent's 'exit' event came with ${exitText(ended.exit)}`, exitText(ended.exit));
    },
  },
  signalToHandler('SIGUSR2', "HAProxy's reload signal"),
  signalToHandler('SIGHUP', "keepalived's and the store monitor's reload signal"),
  signalToHandler('SIGTERM', 'a graceful stop'),
  {
    id: 'sigstop',
    title: 'SIGSTOP stops a child counting every 10 ms, and SIGCONT resumes it',
    needed: false,
    async run(scope) {
      const child = scope.spawn('counter');
      await child.hello();
      await child.line((line) => line.includes('"count":5'), 3000, 'a count of 5');
      if (!child.signal('SIGSTOP')) return fail('child.kill("SIGSTOP") was refused');
      await sleep(100); // lines already in the pipe
      const stoppedAt = lastCount(child);
      await sleep(500);
      const afterStop = lastCount(child);
      if (!child.signal('SIGCONT')) return fail('child.kill("SIGCONT") was refused');
      await sleep(500);
      const afterCont = lastCount(child);
      const stopped = afterStop - stoppedAt <= 1;
      const resumed = afterCont - afterStop >= 10;
      const counts = `count ${stoppedAt} → ${afterStop} in the 500 ms after SIGSTOP, → ${afterCont} in the 500 ms after SIGCONT`;
      if (stopped && resumed) return pass(`stopped and resumed: ${counts}`);
      return fail(`${stopped ? 'stopped but not resumed' : 'SIGSTOP did not stop it'}: ${counts}`);
    },
  },
  {
    id: 'proc-stat',
    title: "/proc/<pid>/stat of a child (the supervisor's old freeze check)",
    needed: false,
    async run(scope) {
      const child = scope.spawn('idle');
      await child.hello();
      if (!existsSync('/proc')) return info('there is no /proc', 'absent');
      try {
        return info(`/proc/${child.pid}/stat gives the child's state letter '${procState(child.pid)}'`, 'present');
      } catch (error) {
        return info(
          `/proc exists but /proc/${child.pid}/stat cannot be read: ${(error as Error).message}`,
          'unreadable',
        );
      }
    },
  },
  {
    id: 'lifeline',
    title: 'Stdin EOF reaches a child when its parent is SIGKILLed (every node exits with its supervisor)',
    needed: true,
    async run(scope) {
      const marker = join(scope.folder, 'lifeline-ended');
      const parent = scope.spawn('parent', [marker]);
      const { grandchild } = await parent.hello<{ grandchild?: number; error?: string }>();
      if (!grandchild) return fail(`the middle process could not start its own child: ${parent.lines[0]}`);
      const at = performance.now();
      parent.signal('SIGKILL');
      for (let waited = 0; waited < 3000; waited += 25) {
        if (existsSync(marker))
          return pass(
            `the grandchild (pid ${grandchild}) saw its stdin end and exited`,
            `${ms(at)} ms after its parent's SIGKILL`,
          );
        await sleep(25);
      }
      try {
        process.kill(grandchild, 'SIGKILL'); // it would otherwise live on until its backstop timer
      } catch {
        // gone meanwhile
      }
      return fail(
        `the grandchild (pid ${grandchild}) did not exit within 3000 ms of its parent's SIGKILL: its stdin never ended`,
      );
    },
  },
  {
    id: 'program-start',
    title: 'Time for each sandbox program to start (load its bundle) and exit, one at a time',
    needed: false,
    timeoutMs: 90_000,
    run: () => programStarts(),
  },
  {
    id: 'spawn-20-serial',
    title: 'Time to spawn 20 node processes one after another and get an answer from each',
    needed: false,
    timeoutMs: 90_000,
    run: (scope) => spawnMany(scope, 20, false),
  },
  {
    id: 'spawn-20-parallel',
    title: 'Time to spawn 20 node processes all at once and get an answer from each',
    needed: false,
    timeoutMs: 90_000,
    run: (scope) => spawnMany(scope, 20, true),
  },
];
