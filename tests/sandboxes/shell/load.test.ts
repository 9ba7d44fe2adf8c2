import { describe, expect, it } from 'vitest';
import { sandboxWithShell } from './sandbox';
import { keys } from '../../support/terminal';

describe('load in the shell', () => {
  const lab = sandboxWithShell(async (sandbox) => {
    // Two "servers" behind one address, taking turns, every fifth request a 503 from the balancer itself.
    let n = 0;
    await sandbox.serve('10.0.0.2:80', (_req, res) => {
      n++;
      if (n % 5 === 0) {
        res.statusCode = 503;
        return res.end('No server is available to handle this request.\n');
      }
      res.setHeader('X-Served-By', n % 2 ? 'web-01' : 'web-02');
      res.end('ok\n');
    });
  });

  it('sends RATE × DURATION requests and sums them up by server, error and latency', async () => {
    const output = await lab.shell.command('load -r 40 -d 1s', 20_000);
    expect(output).toMatch(/^40 requests in 1\.\d s \(\d+\.\d\/s\): 32 ok, 8 failed$/m);
    expect(output).toMatch(/^ {2}served by {2}web-01 16 \(40%\) {2}web-02 16 \(40%\)$/m);
    expect(output).toMatch(/^ {2}errors {5}503 ×8$/m);
    expect(output).toMatch(/^ {2}latency {4}p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}p99 [\d.]+ ms {2}max [\d.]+ ms$/m);
  });

  it('updates one live line in place while it runs', async () => {
    const prompts = (await lab.shell.text()).split('\n').filter((l) => l.startsWith('learner@laptop')).length;
    lab.shell.run('load -r 20 -d 1s');
    // While running, the line under the command shows the counts so far, and it is a single line.
    const live = await lab.shell.waitFor(/^\d\.\d s {2}sent \d+ {2}.*p50 .* p99 .*$/m, 10_000);
    expect(live.split('\n').filter((l) => /^\d\.\d s {2}sent/.test(l))).toHaveLength(1);
    const after = await lab.shell.waitForPrompt(prompts + 1, 10_000);
    expect(after).toMatch(/^20 requests in 1\.\d s/m);
    // The live line made way for the summary.
    expect(after.split('\n').slice(-6, -1).join('\n')).not.toMatch(/sent \d+/);
  });

  it('stops on Ctrl-C and still prints the summary', async () => {
    const prompts = (await lab.shell.text()).split('\n').filter((l) => l.startsWith('learner@laptop')).length;
    lab.shell.run('load -r 20 -d 60s');
    await lab.shell.waitFor(/^\d\.\d s {2}sent [1-9]/m, 10_000);
    lab.shell.type(keys.ctrlC);
    const text = await lab.shell.waitForPrompt(prompts + 1, 5_000);
    expect(text).toMatch(/^\d+ requests in \d+\.\d s \(.*\), stopped by Ctrl-C: \d+ ok, \d+ failed/m);
  });

  it('explains a bad option', async () => {
    expect(await lab.shell.command('load -r fast')).toBe(
      "load: -r wants requests per second from 1 to 1000, not 'fast'. Type 'help load' for the options.",
    );
    expect(await lab.shell.command('load -d forever')).toBe(
      "load: -d wants a duration such as 10s, 500ms or 1m (at most 10m), not 'forever'. Type 'help load' for the options.",
    );
  });
});
