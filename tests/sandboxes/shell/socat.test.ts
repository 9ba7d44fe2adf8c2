import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxFolder } from './sandbox';
import { ShellSession } from './terminal';

describe('socat to a runtime API socket', () => {
  const sandbox = new SandboxFolder();
  const received: string[] = [];
  let shell: ShellSession;
  beforeAll(async () => {
    // Answers like HAProxy's stats socket in non-interactive mode: read the command until the client's EOF,
    // answer, close.
    const api = net.createServer((socket) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => {
        received.push(text);
        socket.end(text.trim() === 'show stat' ? '# pxname,svname,status\nbe_app,web-01,UP\n\n' : 'Unknown command.\n\n');
      });
    });
    await sandbox.listen('10.0.0.2:9999', api);
    sandbox.announce();
    shell = new ShellSession(sandbox.folder);
    await shell.waitForPrompt(1);
  });
  afterAll(async () => {
    await shell?.close();
    await sandbox.remove();
  });

  it('sends the piped command, closes its side and prints the answer', async () => {
    expect(await shell.command('echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999')).toBe('# pxname,svname,status\nbe_app,web-01,UP\n'); // HAProxy ends an answer with an empty line
    expect(received).toEqual(['show stat\n']);
  });

  it("reports a refused connection in socat's own format", async () => {
    expect(await shell.command('echo "show info" | socat stdio tcp4-connect:10.0.0.2:9998')).toMatch(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d socat\[\d+\] E connect\(5, AF=2 10\.0\.0\.2:9998, 16\): Connection refused$/,
    );
  });

  it('explains the forms it does not know', async () => {
    expect(await shell.command('echo x | socat stdio unix-connect:/var/run/haproxy.sock')).toMatch(/E unknown device\/address "unix-connect:\/var\/run\/haproxy\.sock"/);
    expect(await shell.command('socat stdio tcp4-connect:10.0.0.2:9999')).toBe(
      'socat: pipe the command in: echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999',
    );
  });
});
