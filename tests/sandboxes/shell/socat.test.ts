import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxFolder } from './sandbox';
import { ShellSession } from '../../support/terminal';

// A balancer with its runtime API on a TCP stats socket, in front of one real web server.
const CONFIG = `global
    stats socket ipv4@127.0.0.1:9999 level admin

defaults
    mode http
    timeout connect 5s
    timeout client  30s
    timeout server  30s

frontend fe_web
    bind :80
    default_backend be_app

backend be_app
    server web-01 10.0.0.11:80 check inter 1s
`;

const SOCAT = 'socat stdio tcp4-connect:10.0.0.2:9999';

describe('socat to the balancer runtime API', () => {
  const sandbox = new SandboxFolder();
  let shell: ShellSession;
  beforeAll(async () => {
    writeFileSync(join(sandbox.folder, 'haproxy.cfg'), CONFIG);
    await sandbox.run('web', '10.0.0.11', 80, ['--name', 'web-01', '--listen', ':80']);
    await sandbox.run('balancer', '10.0.0.2', 9999, ['-f', 'haproxy.cfg']);
    sandbox.announce();
    shell = new ShellSession(sandbox.folder);
    await shell.waitForPrompt(1);
  }, 40_000);
  afterAll(async () => {
    await shell?.close();
    await sandbox.remove();
  });

  it('shows the stats CSV with "show stat"', async () => {
    const output = await shell.command(`echo "show stat" | ${SOCAT}`);
    expect(output).toMatch(/^# pxname,svname,qcur,qmax,scur,smax,/);
    expect(output).toMatch(/^be_app,web-01,/m);
  });

  it('takes a server out with "disable server", which the learner then sees in curl', async () => {
    // A state change answers with an empty line, as HAProxy's does.
    expect(await shell.command(`echo "disable server be_app/web-01" | ${SOCAT}`)).toBe('');
    expect(await shell.command(`echo "show stat" | ${SOCAT}`)).toMatch(/^be_app,web-01,(?:[^,]*,){15}MAINT,/m);
    expect(await shell.command('curl -i http://10.0.0.2/')).toMatch(
      /^HTTP\/1\.1 503 Service Unavailable\n[\s\S]*No server is available to handle this request\./,
    );
    expect(await shell.command(`echo "enable server be_app/web-01" | ${SOCAT}`)).toBe('');
  });

  it("reports a refused connection in socat's own format", async () => {
    expect(await shell.command('echo "show info" | socat stdio tcp4-connect:10.0.0.2:9998')).toMatch(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d socat\[\d+\] E connect\(5, AF=2 10\.0\.0\.2:9998, 16\): Connection refused$/,
    );
  });

  it('explains the forms it does not know', async () => {
    expect(await shell.command('echo x | socat stdio unix-connect:/var/run/haproxy.sock')).toMatch(
      /E unknown device\/address "unix-connect:\/var\/run\/haproxy\.sock"/,
    );
    expect(await shell.command(SOCAT)).toBe(
      'socat: pipe the command in: echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999',
    );
  });
});
