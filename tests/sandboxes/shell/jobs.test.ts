// Job control in the real shell: `CMD &`, jobs, fg, Ctrl-C on the foreground job only, and the Done notice, with the
// learner typing while a job prints.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobTable, MAX_JOBS } from '../../../sandboxes/shell/jobs';
import { parseLine } from '../../../sandboxes/shell/words';
import { sandboxWithShell } from './sandbox';
import { keys } from '../../support/terminal';

const PROMPT = 'learner@laptop:~$ ';

describe('the job table', () => {
  it('numbers jobs, marks the current one with + and the previous with -, and announces each end once', async () => {
    const table = new JobTable();
    const ends: Array<(status: number) => void> = [];
    const start = (line: string) => table.start(line, () => new Promise<number>((resolve) => ends.push(resolve)));
    start('load -r 20 -d 10s');
    start('sniff lb-01');
    await Promise.resolve();
    expect(table.list()).toEqual([
      '[1]-  Running                 load -r 20 -d 10s &',
      '[2]+  Running                 sniff lb-01 &',
    ]);
    expect(table.find(undefined)).toMatchObject({ id: 2 });
    expect(table.find('%1')).toMatchObject({ id: 1 });
    expect(table.find('%-')).toMatchObject({ id: 1 });
    expect(table.find('%7')).toBe('%7: no such job');
    ends[0](0);
    ends[1](1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(table.notices()).toEqual([
      '[1]-  Done                    load -r 20 -d 10s',
      '[2]+  Exit 1                  sniff lb-01',
    ]);
    expect(table.notices()).toEqual([]);
    expect(table.find(undefined)).toBe('current: no such job');
  });

  it(`refuses a job past ${MAX_JOBS} running ones, with what to do instead`, () => {
    const table = new JobTable();
    for (let i = 0; i < MAX_JOBS; i++)
      expect(table.start('load', () => new Promise<number>(() => {}))).not.toBeTypeOf('string');
    expect(table.start('load', async () => 0)).toBe(
      `${MAX_JOBS} jobs are already running in the background (type jobs to list them; fg %N, then Ctrl-C, stops one)`,
    );
  });

  it('reads a trailing & as "in the background", outside quotes only', () => {
    expect(parseLine('load -r 20 -d 10s &')).toMatchObject({
      pipeline: [['load', '-r', '20', '-d', '10s']],
      background: true,
    });
    expect(parseLine('sniff -c 12 lb-01&  ')).toMatchObject({
      pipeline: [['sniff', '-c', '12', 'lb-01']],
      background: true,
    });
    expect(parseLine("echo 'a & b'")).toMatchObject({ pipeline: [['echo', 'a & b']], background: false });
    expect(() => parseLine('load & curl http://10.0.0.2/')).toThrow("`&' must end the line");
    expect(() => parseLine('&')).toThrow("syntax error near unexpected token `&'");
  });
});

describe('background jobs in the shell', () => {
  const lab = sandboxWithShell(async (sandbox) => {
    await sandbox.serve('10.0.0.2:80', (_req, res) => {
      res.setHeader('X-Served-By', 'web-01');
      res.end('ok\n');
    });
  });

  it('runs load in the background, lists it with jobs, and keeps the line being typed whole while it prints', async () => {
    const started = await lab.shell.command('load -r 20 -d 2s &');
    expect(started).toBe('[1] load -r 20 -d 2s &');
    expect(await lab.shell.command('jobs')).toBe('[1]+  Running                 load -r 20 -d 2s &');
    // The learner starts typing; the job's summary arrives in the middle of it.
    lab.shell.type('echo still typ');
    // The summary, and under it the prompt drawn again (in the shell's one write; a screen read waits for both).
    const screen = await lab.shell.waitFor(
      /^40 requests in 2\.\d s[\s\S]*^learner@laptop:~\$ echo still typ$/m,
      15_000,
    );
    const lines = screen.split('\n');
    // The summary sits above the prompt, and the prompt with the half-typed line was drawn again under it.
    expect(lines[lines.length - 1]).toBe(`${PROMPT}echo still typ`);
    expect(lines.filter((l) => l.includes('echo still typ'))).toHaveLength(1);
    expect(await lab.shell.cursorLine()).toEqual({
      text: `${PROMPT}echo still typ`,
      column: PROMPT.length + 'echo still typ'.length,
    });
    lab.shell.type('ing');
    // bash reports the finished job just before the next prompt, after the command's own output.
    expect(await lab.shell.command('')).toBe('still typing\n[1]+  Done                    load -r 20 -d 2s');
    expect(await lab.shell.command('jobs')).toBe('');
  });

  it('brings a job back with fg, where Ctrl-C stops it and only it', async () => {
    expect(await lab.shell.command('load -r 10 -d 60s &')).toBe('[1] load -r 10 -d 60s &');
    // Ctrl-C at the prompt abandons the line being typed; the background job runs on.
    lab.shell.type(`echo never${keys.ctrlC}`);
    await lab.shell.waitFor('echo never^C');
    expect(await lab.shell.command('jobs')).toBe('[1]+  Running                 load -r 10 -d 60s &');
    const prompts = (await lab.shell.text()).split('\n').filter((l) => l.startsWith(PROMPT)).length;
    lab.shell.run('fg');
    await lab.shell.waitFor(/\$ fg\nload -r 10 -d 60s$/m);
    lab.shell.type(keys.ctrlC);
    const text = await lab.shell.waitForPrompt(prompts + 1, 10_000);
    expect(text).toMatch(/^\d+ requests in \d+\.\d s \(.*\), stopped by Ctrl-C: \d+ ok, 0 failed\b/m);
    // Stopped in the foreground: no Done notice, and the table is empty.
    expect(await lab.shell.command('jobs')).toBe('');
    expect(await lab.shell.command('fg')).toBe('fg: current: no such job');
    expect(await lab.shell.command('echo alive')).toBe('alive');
  });

  it(`allows ${MAX_JOBS} jobs at once and says so past that`, async () => {
    for (let i = 1; i <= MAX_JOBS; i++)
      expect(await lab.shell.command('load -r 1 -d 60s &')).toBe(`[${i}] load -r 1 -d 60s &`);
    expect(await lab.shell.command('load -r 1 -d 60s &')).toBe(
      `shell: ${MAX_JOBS} jobs are already running in the background (type jobs to list them; fg %N, then Ctrl-C, stops one)`,
    );
    for (let i = MAX_JOBS; i >= 1; i--) {
      const prompts = (await lab.shell.text()).split('\n').filter((l) => l.startsWith(PROMPT)).length;
      lab.shell.run(`fg %${i}`);
      await lab.shell.waitFor(new RegExp(`\\$ fg %${i}\\nload -r 1 -d 60s$`, 'm'));
      lab.shell.type(keys.ctrlC);
      await lab.shell.waitForPrompt(prompts + 1);
    }
    expect(await lab.shell.command('jobs')).toBe('');
  });

  it('refuses a full-screen program in the background and a & in the middle of a line', async () => {
    writeFileSync(join(lab.sandbox.folder, 'haproxy.cfg'), 'global\n');
    await lab.shell.command('edit haproxy.cfg &');
    await lab.shell.command('');
    // The job's refusal and its Exit notice come in this order, but where the prompts fall between them depends on
    // when the job ends (before or after the shell prints its next prompt), as in bash.
    const transcript = (await lab.shell.text()).split('\n').filter((l) => !l.startsWith(PROMPT.trimEnd()));
    const from = transcript.indexOf('[1] edit haproxy.cfg &');
    expect(transcript.slice(from, from + 3)).toEqual([
      '[1] edit haproxy.cfg &',
      'edit: needs the terminal (it cannot run inside a pipe or in the background)',
      '[1]+  Exit 1                  edit haproxy.cfg',
    ]);
    expect(await lab.shell.command('echo a & echo b')).toBe(
      "shell: `&' must end the line: it runs the command before it in the background (one job per line)",
    );
  });
});
