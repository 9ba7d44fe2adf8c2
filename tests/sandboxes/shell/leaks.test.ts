// What the learner sees names the sandbox's world only: virtual addresses and the scenario's file names, never this
// computer's loopback ports, the session folder or where the programs are installed. The common commands run against
// a real scenario, healthy and broken, and the terminal's screen and the event stream (the page's event log) are
// searched for the machinery behind them.
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioWithShell } from '../../support/supervisor';

const INSTALLED = resolve(import.meta.dirname, '../../..');

/** The lines that name the machinery: a loopback port (the runtime API's documented 127.0.0.1:9999 aside) or a real path. */
function leaks(text: string, folder: string): string[] {
  return text
    .split('\n')
    .filter(
      (line) =>
        /127\.0\.0\.1:(?!9999\b)\d+/.test(line) ||
        [folder, tmpdir(), INSTALLED, '/sandboxes/dist', 'node_modules'].some((p) => line.includes(p)),
    );
}

describe('the sandbox keeps its machinery out of sight', () => {
  const lab = scenarioWithShell('firewall-tls', 30_000);

  it('in what the common commands print and in the event log, healthy and broken', async () => {
    const { folder } = lab.scenario;
    // A configuration with a warning: HAProxy then introduces itself, path to its executable included.
    const config = join(folder, 'haproxy.cfg');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^global$/m, 'global\n    log 10.0.0.99 local0'));
    const lines = [
      'infra status',
      'curl -v http://10.0.0.2/',
      'load -r 10 -d 1s',
      'db status',
      'db set k v',
      'metrics web-01',
      'scan 10.0.0.2 10.0.0.21',
      'dig www.example.com',
      'ufw lb-01 status',
      'cat haproxy.cfg',
      'cat ../secret',
      'reload',
      'infra restart lb-01',
      'infra kill web-01',
      'infra kill db-01',
      'curl http://10.0.0.11/',
      'curl -v http://10.0.0.2/',
      'db status',
      'db get k --on db-01',
      'metrics web-01',
      'sniff -c 1 lb-01 port 80 &',
      'curl -s http://10.0.0.2/',
      'jobs',
    ];
    const printed: Record<string, string> = {};
    for (const line of lines) printed[line] = await lab.shell.command(line, 30_000);
    // The dead database in psql's words, with the address the learner would have dialled.
    expect(printed['db get k --on db-01']).toBe(
      'db get: connection to server at "10.0.0.21", port 5432 failed: Connection refused\n        Is the server running on that host and accepting TCP/IP connections?',
    );
    expect(leaks(await lab.shell.text(), folder)).toEqual([]);
    expect(leaks(lab.scenario.events.map((e) => JSON.stringify(e)).join('\n'), folder)).toEqual([]);
  });
});
