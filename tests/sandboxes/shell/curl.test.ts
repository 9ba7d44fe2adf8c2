import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { SandboxFolder, sandboxWithShell } from './sandbox';
import { keys, ShellSession } from '../../support/terminal';

/** A web server that says who served the request and echoes what it received. */
const echoServer: http.RequestListener = (req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    res.setHeader('X-Served-By', 'web-01');
    res.setHeader('Content-Type', 'text/plain');
    res.end(
      [
        `${req.method} ${req.url} from ${req.socket.remoteAddress}`,
        `content-type=${req.headers['content-type'] ?? '-'}`,
        `x-trace=${req.headers['x-trace'] ?? '-'}`,
        `body=${body}`,
      ].join('\n') + '\n',
    );
  });
};

describe('curl in the shell', () => {
  let hungRequests = 0;
  const lab = sandboxWithShell(async (sandbox) => {
    await sandbox.serve('10.0.0.2:80', echoServer);
    await sandbox.serve('10.0.0.2:8080', () => void hungRequests++); // accepts and reads, never answers (a hung app)
  });

  it('fetches a page through the sandbox network, as the learner at 203.0.113.10', async () => {
    expect(await lab.shell.command('curl http://10.0.0.2/hello')).toBe(
      'GET /hello from 203.0.113.10\ncontent-type=-\nx-trace=-\nbody=',
    );
  });

  it('shows the status line and headers with -i', async () => {
    const output = await lab.shell.command('curl -i 10.0.0.2');
    expect(output).toMatch(/^HTTP\/1\.1 200 OK\nX-Served-By: web-01\nContent-Type: text\/plain\nDate: .+ GMT\n/);
    expect(output).toMatch(/\n\nGET \/ from 203\.0\.113\.10\n/);
  });

  it('shows the connection, the request and the response headers with -v, in curl 7.88 form', async () => {
    const output = await lab.shell.command('curl -v http://10.0.0.2/');
    expect(output.split('\n').slice(0, 8)).toEqual([
      '*   Trying 10.0.0.2:80...',
      '* Connected to 10.0.0.2 (10.0.0.2) port 80 (#0)',
      '> GET / HTTP/1.1',
      '> Host: 10.0.0.2',
      '> User-Agent: curl/7.88.1',
      '> Accept: */*',
      '> ',
      '< HTTP/1.1 200 OK',
    ]);
    expect(output).toMatch(/^< X-Served-By: web-01$/m);
    expect(output).toMatch(/^\* Connection #0 to host 10\.0\.0\.2 left intact$/m);
  });

  it('sends the method, body and headers given with -X, -d and -H', async () => {
    const output = await lab.shell.command(`curl -X PUT -d 'name=ada' -d lang=en -H 'X-Trace: 42' 10.0.0.2/users/1`);
    expect(output).toBe(
      'PUT /users/1 from 203.0.113.10\ncontent-type=application/x-www-form-urlencoded\nx-trace=42\nbody=name=ada&lang=en',
    );
    const verbose = await lab.shell.command(`curl -v -d x -H 'Content-Type: text/plain' -H 'User-Agent: me' 10.0.0.2`);
    expect(verbose).toMatch(
      /> POST \/ HTTP\/1\.1\n> Host: 10\.0\.0\.2\n> Accept: \*\/\*\n> Content-Type: text\/plain\n> User-Agent: me\n> Content-Length: 1\n/,
    );
  });

  it('prints the status code with -s -o /dev/null -w', async () => {
    expect(await lab.shell.command(`curl -s -o /dev/null -w '%{http_code}\\n' http://10.0.0.2/`)).toBe('200');
  });

  it("reports a closed port with curl's error 7", async () => {
    expect(await lab.shell.command('curl http://10.0.0.2:81/')).toMatch(
      /^curl: \(7\) Failed to connect to 10\.0\.0\.2 port 81 after \d+ ms: Couldn't connect to server$/,
    );
    expect(await lab.shell.command('curl -s http://10.0.0.2:81/')).toBe('');
  });

  it("reports a server that never answers with curl's error 28 after --max-time", async () => {
    expect(await lab.shell.command('curl -m 0.5 http://10.0.0.2:8080/')).toMatch(
      /^curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received$/,
    );
  });

  it('stops a hanging request on Ctrl-C and gives the prompt back', async () => {
    const before = hungRequests;
    lab.shell.run('curl http://10.0.0.2:8080/');
    await expect.poll(() => hungRequests).toBeGreaterThan(before); // the request is in: curl waits for an answer
    lab.shell.type(keys.ctrlC);
    await lab.shell.waitFor(/curl http:\/\/10\.0\.0\.2:8080\/\n\^C\nlearner@laptop:~\$ $/);
    expect(await lab.shell.command('echo still here')).toBe('still here');
  });

  it("answers bad usage with curl's own messages", async () => {
    expect(await lab.shell.command('curl -z')).toBe(
      "curl: option -z: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information",
    );
    expect(await lab.shell.command('curl -X')).toBe(
      "curl: option -X: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information",
    );
    expect(await lab.shell.command('curl -i')).toBe(
      "curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information",
    );
    expect(await lab.shell.command('curl web-01')).toBe('curl: (6) Could not resolve host: web-01');
    expect(await lab.shell.command('curl ftp://10.0.0.2/')).toBe(
      'curl: (1) Protocol "ftp" not supported or disabled in libcurl',
    );
  });
});

describe('curl before the sandbox is up', () => {
  it('waits for the supervisor to announce the sandbox, then makes the request', async () => {
    const sandbox = new SandboxFolder();
    const shell = new ShellSession(sandbox.folder);
    try {
      await shell.waitForPrompt(1);
      shell.run('curl 10.0.0.2');
      await shell.waitFor('Waiting for the sandbox to start');
      await sandbox.serve('10.0.0.2:80', echoServer);
      sandbox.announce();
      await shell.waitFor('GET / from 203.0.113.10');
    } finally {
      await shell.close();
      await sandbox.remove();
    }
  });
});
