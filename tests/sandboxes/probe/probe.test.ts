// The capability probe run as a real process, on the Node.js a WebContainer has (the machine's plain `node`, 20), on
// the one the local bridge starts programs with (its own process.execPath, the project's Node 24), and on that one
// under the bridge's emulated WebContainer limits: every line is a well-formed report row, every check the programs
// depend on passes, and nothing is left running or on disk.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { runChecks, within, type Check } from '../../../sandboxes/probe/runner';
import { constrainedEnv } from '../../../src/runtime/local/constraints';
import { spawnEnv } from '../../support/constraints';
import { runProbe, type ProbeRun } from './run';

/** The first `node` on PATH outside node_modules (whose .bin holds the project's Node 24): the machine's own. */
const plainNode = process.env
  .PATH!.split(delimiter)
  .filter((dir) => dir && !dir.includes('node_modules'))
  .map((dir) => join(dir, 'node'))
  .find((path) => existsSync(path))!;
const version = (node: string) => spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();

/** What the sandbox programs depend on: if one of these rows disappeared, the probe would prove less. */
const NEEDED = [
  'stdin-line',
  'spawn',
  'spare',
  'sigkill',
  'lifeline',
  'loopback-tcp',
  'loopback-http',
  'rename',
  'filehandle',
  'tls-certificates',
  'tls-handshake',
];
/** A whole run on a loaded two-core machine: 20 + 20 process starts are most of it. */
const RUN_MS = 240_000;
/**
 * The timing figures: measured on the Node.js a WebContainer has, whose costs they are there to show; the other two
 * runs skip them (they are most of a run's CPU, on a suite that is CPU-bound).
 */
const FIGURES = ['http-rate', 'program-start', 'spawn-20-serial', 'spawn-20-parallel'];

const rows = (run: ProbeRun) => run.lines.filter((line) => 'check' in line);

function expectWellFormed(run: ProbeRun): void {
  for (const line of run.lines.slice(0, -1)) {
    if ('prompt' in line) continue;
    expect(line, JSON.stringify(line)).toEqual({
      check: expect.stringMatching(/^[a-z0-9-]+$/),
      title: expect.any(String),
      result: expect.stringMatching(/^(pass|fail|info)$/),
      detail: expect.any(String),
      needed: expect.any(Boolean),
      ...(line.figure !== undefined && { figure: expect.any(String) }),
    });
  }
  expect(run.lines.at(-1)).toMatchObject({
    summary: expect.any(String),
    checks: rows(run).length,
    needed: expect.any(Number),
    failed: expect.any(Array),
  });
}

describe.each([
  [`the machine's plain node (${version(plainNode)}, as in a WebContainer)`, plainNode, spawnEnv(process.env), []],
  [
    `the local bridge's node (${process.version}, its process.execPath)`,
    process.execPath,
    spawnEnv(process.env),
    ['--skip', FIGURES.join(',')],
  ],
  [
    `the local bridge's node under the emulated WebContainer limits`,
    process.execPath,
    constrainedEnv(process.env),
    ['--skip', FIGURES.join(',')],
  ],
])('the probe on %s', (_name, node, env, skip) => {
  it(
    `reports every check${skip.length ? ' but the timing figures' : ''} as a well-formed line, every needed check passes, and it leaves nothing behind`,
    async () => {
      const run = await runProbe(node, skip, { env });
      const ran = rows(run).map((row) => row.check);
      for (const figure of FIGURES) expect(ran.includes(figure), figure).toBe(!skip.length);
      expectWellFormed(run);
      const failedNeeded = rows(run).filter((row) => row.needed && row.result !== 'pass');
      expect(failedNeeded, JSON.stringify(failedNeeded, null, 1)).toEqual([]);
      expect(
        rows(run)
          .filter((row) => row.needed)
          .map((row) => row.check)
          .sort(),
      ).toEqual([...NEEDED].sort());
      expect(run.lines.at(-1)).toMatchObject({
        summary: `all ${NEEDED.length} needed checks pass`,
        needed: NEEDED.length,
        failed: [],
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.leftBehind).toEqual([]);
      expect(run.leftRunning).toEqual([]);
    },
    RUN_MS,
  );

  it(
    'runs the terminal checks over pipes as the local bridge gives them: lines, keys without Enter, and the resize report',
    async () => {
      const run = await runProbe(node, ['terminal'], { env });
      expectWellFormed(run);
      const byId = Object.fromEntries(rows(run).map((row) => [row.check, row]));
      expect(byId['terminal-tty']).toMatchObject({ result: 'info', figure: 'pipe' });
      expect(byId['terminal-line']).toMatchObject({ result: 'pass' });
      expect(byId['terminal-raw-mode']).toMatchObject({
        result: 'pass',
        detail: expect.stringMatching(/^no terminal device/),
      });
      expect(byId['terminal-resize']).toMatchObject({
        result: 'pass',
        figure: '97×29',
        detail: expect.stringMatching(/window-size report/),
      });
      expect(run.lines.at(-1)).toMatchObject({ summary: 'no needed checks in this run' });
      expect(run.code).toBe(0);
    },
    RUN_MS,
  );
});

const hasPython = spawnSync('python3', ['--version']).status === 0;

describe.skipIf(!hasPython)(
  'the probe on a pseudo-terminal, as a WebContainer started with a terminal gives it',
  () => {
    it(
      'sees a terminal: typed lines are echoed, raw mode brings keys without Enter, and a resize arrives as the stdout resize event',
      async () => {
        const run = await runProbe(plainNode, ['terminal'], { terminal: true });
        const byId = Object.fromEntries(rows(run).map((row) => [row.check, row]));
        expect(byId['terminal-tty']).toMatchObject({
          result: 'info',
          figure: 'terminal',
          detail: expect.stringMatching(/stdin is a terminal, stdout is a terminal, 80×24/),
        });
        expect(byId['terminal-line']).toMatchObject({ result: 'pass' });
        // Cooked mode echoes what is typed: the line comes back on the output, as the page's echo row looks for.
        const typed = run.lines.find((line) => line.prompt === 'line')!.send;
        expect(run.lines).toContainEqual({ unparsed: typed });
        expect(byId['terminal-raw-mode']).toMatchObject({
          result: 'pass',
          detail: expect.stringMatching(/^setRawMode\(true\) on the terminal/),
        });
        expect(byId['terminal-resize']).toMatchObject({
          result: 'pass',
          figure: '97×29',
          detail: expect.stringMatching(/process\.stdout 'resize' event/),
        });
        expect(run.code).toBe(0);
      },
      RUN_MS,
    );

    it(
      'reads the line written to a terminal input when started for the supervisor checks',
      async () => {
        const run = await runProbe(plainNode, ['--only', 'stdin-line,stdin-tty'], { terminal: true });
        expect(rows(run).map((row) => [row.check, row.result, row.figure])).toEqual([
          ['stdin-line', 'pass', undefined],
          ['stdin-tty', 'info', 'terminal'],
        ]);
      },
      RUN_MS,
    );
  },
);

describe('the probe without its peer', () => {
  it(
    'reports the unanswered input prompt as a failed needed check, not a hang, and goes on with the next check',
    async () => {
      const run = await runProbe(plainNode, ['--only', 'stdin-line,rename'], { answer: false });
      expect(rows(run).map((row) => [row.check, row.result, row.detail])).toEqual([
        ['stdin-line', 'fail', 'timed out after 10000 ms'],
        ['rename', 'pass', expect.any(String)],
      ]);
      expect(run.lines.at(-1)).toMatchObject({ summary: '1 needed check fails: stdin-line', failed: ['stdin-line'] });
      expect(run.code).toBe(1);
    },
    RUN_MS,
  );
});

describe('the probe runner', () => {
  it('refuses a check name it does not have, and lists the ones it has', async () => {
    const run = await runProbe(plainNode, ['--only', 'sigkil']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^probe: no check named sigkil; the checks are node-version, .*\bsigkill\b/);
  });

  it('ends a check that never settles with a timeout failure', async () => {
    expect(await within(50, new Promise(() => {}))).toEqual({ result: 'fail', detail: 'timed out after 50 ms' });
  });

  it('reports a check that throws as failed with its message, and counts only needed failures in the summary', async () => {
    const printed: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((text) => (printed.push(String(text)), true));
    const checks: Check[] = [
      {
        id: 'broken',
        title: 'throws',
        needed: true,
        run: async () => {
          throw new Error('not implemented');
        },
      },
      { id: 'optional', title: 'fails', needed: false, run: async () => ({ result: 'fail', detail: 'absent' }) },
      { id: 'fine', title: 'passes', needed: true, run: async () => ({ result: 'pass', detail: 'ok' }) },
    ];
    try {
      await runChecks(checks, '.');
    } finally {
      write.mockRestore();
    }
    const lines = printed.map((text) => JSON.parse(text));
    expect(lines[0]).toEqual({
      check: 'broken',
      title: 'throws',
      result: 'fail',
      detail: 'not implemented',
      needed: true,
    });
    expect(lines[3]).toMatchObject({
      summary: '1 needed check fails: broken',
      checks: 3,
      needed: 2,
      failed: ['broken'],
    });
  });
});
