// The supervisor's control API tried as an attacker would (a foreign page in Chromium, a DNS-rebinding Host, a local
// process without the session's secret, malformed requests), and the supervisor's own way out: `quit`.
import http from 'node:http';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../browser/chromium';
import { get, RUNTIMES, SupervisorRun } from '../../support/supervisor';
import { alive } from '../../support/sandbox-node';
import { openControl } from '../../../sandboxes/supervisor/control';
import { EventStream } from '../../../sandboxes/supervisor/stream';

/** One raw request to the control API, with exactly the headers given. */
function request(
  port: number,
  options: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/command',
        headers: options.headers,
        setHost: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the control API, tried as an attacker would', () => {
  let run: SupervisorRun;
  let pid: number;
  const kill = JSON.stringify({ cmd: 'kill', node: 'web-01' });
  beforeAll(async () => {
    run = await SupervisorRun.start('two-servers');
    pid = (await run.status()).nodes.find((n) => n.name === 'web-01')!.pid!;
  }, 60_000);
  afterAll(() => run?.stop('SIGKILL'));

  const web01Untouched = async () => {
    expect(run.events.filter((e) => e.type === 'node.exited')).toEqual([]);
    const web01 = (await run.status()).nodes.find((n) => n.name === 'web-01')!;
    expect(web01).toMatchObject({ state: 'running', pid });
    expect(alive(pid)).toBe(true);
    expect((await get('10.0.0.11:80')).status).toBe(200);
  };

  it('refuses a local process without the secret, with a wrong one, and a DNS-rebinding Host', async () => {
    const host = `127.0.0.1:${run.controlPort}`;
    const refusals = [
      { host },
      { host, authorization: 'Bearer ' + '0'.repeat(64) },
      { host, authorization: `Bearer ${run.secret}x` },
      { host, authorization: run.secret },
      { host: 'evil.example', authorization: `Bearer ${run.secret}` },
      { host: `evil.example:${run.controlPort}`, authorization: `Bearer ${run.secret}` },
      { host: `127.0.0.1:${run.controlPort + 1}`, authorization: `Bearer ${run.secret}` },
    ];
    for (const headers of refusals) {
      const answer = await request(run.controlPort, {
        headers: { ...headers, 'content-type': 'text/plain' },
        body: kill,
      });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false });
    }
    expect(
      (await request(run.controlPort, { method: 'GET', path: '/status', headers: { host: 'evil.example' } })).status,
    ).toBe(403);
    // No Host at all is not HTTP/1.1: Node's server refuses it before the control API sees it.
    expect(
      (await request(run.controlPort, { headers: { authorization: `Bearer ${run.secret}` }, body: kill })).status,
    ).toBe(400);
    expect((await request(run.controlPort, { method: 'GET', path: '/events', headers: { host } })).status).toBe(403);
    await web01Untouched();
  });

  it('refuses any request that carries Origin or Sec-Fetch-Site, even with the secret', async () => {
    const valid = { host: `localhost:${run.controlPort}`, authorization: `Bearer ${run.secret}` };
    for (const extra of [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `http://127.0.0.1:${run.controlPort}` },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
    ]) {
      const answer = await request(run.controlPort, { headers: { ...valid, ...extra }, body: kill });
      expect(answer.status, JSON.stringify(extra)).toBe(403);
      expect(JSON.parse(answer.body).error).toBe('the control API does not answer web pages');
    }
    await web01Untouched();
    // The same request without them is the session's own, and is served (status only: web-01 stays up).
    expect((await request(run.controlPort, { method: 'GET', path: '/status', headers: valid })).status).toBe(200);
  });

  it('a foreign page in Chromium cannot kill web-01 with a text/plain POST, a form or a beacon', async () => {
    // The attacker's page, on an origin of its own.
    const page = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>cute cats</title>
<iframe name="sink"></iframe>
<form id="f" method="POST" action="http://127.0.0.1:${run.controlPort}/command" enctype="text/plain" target="sink"><input name='{"cmd":"kill","node":"web-01","x":"' value='"}'></form>`);
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const chromium = await launchChromium();
    try {
      const tab = await chromium.browser.newPage();
      for (const origin of [
        `http://localhost:${(page.address() as net.AddressInfo).port}/`,
        `http://127.0.0.1:${(page.address() as net.AddressInfo).port}/`,
      ]) {
        await tab.goto(origin);
        const sent = await tab.evaluate(
          async ({ port, body }) => {
            navigator.sendBeacon(`http://127.0.0.1:${port}/command`, body);
            (document.getElementById('f') as HTMLFormElement).submit();
            // no-cors: the page cannot read the answer, but the request goes out; resolved = the server answered.
            return fetch(`http://127.0.0.1:${port}/command`, {
              method: 'POST',
              mode: 'no-cors',
              headers: { 'content-type': 'text/plain' },
              body,
            }).then(
              () => 'answered',
              (error: Error) => `failed: ${error.message}`,
            );
          },
          { port: run.controlPort, body: kill },
        );
        expect(sent).toBe('answered');
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await web01Untouched();
    } finally {
      await chromium.close();
      page.close();
    }
  }, 60_000);

  it('survives malformed requests and answers the next one', async () => {
    const valid = { host: `127.0.0.1:${run.controlPort}`, authorization: `Bearer ${run.secret}` };
    expect((await request(run.controlPort, { headers: valid, body: '{"cmd":' })).status).toBe(400);
    expect((await request(run.controlPort, { headers: valid, body: 'x'.repeat(100_000) })).status).toBe(413);
    expect((await request(run.controlPort, { method: 'GET', path: '/%E0%A4%A', headers: valid })).status).toBe(404);
    // Garbage bytes, a request cut off in its body, and a request line of the wrong protocol, on raw sockets.
    for (const bytes of [
      '\x00\xff\x16\x03\x01 garbage\r\n\r\n',
      `POST /command HTTP/1.1\r\nHost: 127.0.0.1:${run.controlPort}\r\nAuthorization: Bearer ${run.secret}\r\nContent-Length: 100\r\n\r\n{"cmd"`,
      'GET / SPDY/9\r\n\r\n',
    ]) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(run.controlPort, '127.0.0.1', () => socket.end(bytes));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
    }
    expect((await request(run.controlPort, { method: 'GET', path: '/status', headers: valid })).status).toBe(200);
    await web01Untouched();
  });
});

describe('the control API opened before its scenario is known (a supervisor started ahead)', () => {
  it('asks for the secret, answers 503 until it is given what to serve, then serves it', async () => {
    const secret = 's'.repeat(64);
    const control = await openControl(secret);
    try {
      const headers = { host: `127.0.0.1:${control.port}`, authorization: `Bearer ${secret}` };
      const status = () => request(control.port, { method: 'GET', path: '/status', headers });
      expect(
        (await request(control.port, { method: 'GET', path: '/status', headers: { host: headers.host } })).status,
      ).toBe(403);
      const early = await status();
      expect(early.status).toBe(503);
      expect(JSON.parse(early.body)).toEqual({ ok: false, error: 'the supervisor has not started its scenario yet' });
      control.serve({
        run: async (command) => ({ ok: true, message: `ran ${command.cmd}` }),
        stream: new EventStream(() => {}),
      });
      const served = await status();
      expect(served.status).toBe(200);
      expect(JSON.parse(served.body)).toEqual({ ok: true, message: 'ran status' });
    } finally {
      control.server.close();
    }
  });
});

describe.each(RUNTIMES)(
  'quit: the supervisor stops every node, replies, says goodbye and exits, $runtime',
  ({ constrained }) => {
    it('on stdin, as the page sends it before falling back to kill()', async () => {
      const run = await SupervisorRun.start('two-servers', { constrained });
      const pids = run.pids();
      const exit = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
      run.child.stdin!.write('{"cmd":"quit","id":"bye"}\n');
      expect(await exit).toBe(0);
      const reply = run.events.find((e) => e.type === 'supervisor.reply' && e.id === 'bye');
      expect(reply).toMatchObject({ ok: true, message: 'killed every node of two-servers; the supervisor exits' });
      expect(run.events.at(-1)).toMatchObject({ type: 'supervisor.quit', node: 'supervisor' });
      // Killed together: in any order.
      expect(run.events.flatMap((e) => (e.type === 'node.exited' ? [[e.name, e.cause]] : [])).sort()).toEqual([
        ['lb-01', 'killed'],
        ['web-01', 'killed'],
        ['web-02', 'killed'],
      ]);
      expect(pids.filter(alive)).toEqual([]);
      await run.stop();
    }, 60_000);

    it('over the control API: the reply arrives before the supervisor exits', async () => {
      const run = await SupervisorRun.start('two-servers', { constrained });
      const exit = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
      expect(await run.command({ cmd: 'quit' })).toMatchObject({ ok: true });
      expect(await exit).toBe(0);
      expect(run.events.at(-1)).toMatchObject({ type: 'supervisor.quit' });
      await run.stop();
    }, 60_000);
  },
);

describe.each(RUNTIMES)("the failover monitor's reload, $runtime", ({ constrained }) => {
  let run: SupervisorRun;
  afterAll(() => run?.stop('SIGKILL'));

  it('works right after the sandbox is ready (the monitor counts as started once it takes commands)', async () => {
    run = await SupervisorRun.start('failover', { constrained });
    expect(await run.command({ cmd: 'reload', node: 'mon-01' })).toEqual({
      ok: true,
      message: 'reloaded mon-01: it re-read failover.conf',
    });
    expect(run.events.findLast((e) => e.node === 'mon-01' && e.type === 'control.reload')).toMatchObject({
      ok: true,
      files: ['failover.conf'],
    });
    expect((await run.status()).nodes.find((n) => n.name === 'mon-01')!.state).toBe('running');
  }, 60_000);

  it('reports a broken failover.conf as failed with the error, and the monitor keeps its settings', async () => {
    const file = join(run.folder, 'failover.conf');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good + '\nmisses = many\n');
    const from = run.lastSeq();
    const reply = await run.command({ cmd: 'reload', node: 'mon-01' });
    expect(reply).toMatchObject({
      ok: false,
      error: expect.stringMatching(
        /^mon-01 did not reload; it keeps running its previous configuration:\n.*failover\.conf.*misses/,
      ),
    });
    expect(
      run.events.find(
        (e) =>
          e.seq > from &&
          e.node === 'mon-01' &&
          e.type === 'log' &&
          /contains errors; no changes were applied/.test(e.text),
      ),
    ).toBeDefined();
    expect((await run.status()).nodes.find((n) => n.name === 'mon-01')!.state).toBe('running');
    writeFileSync(file, good);
  }, 60_000);
});
