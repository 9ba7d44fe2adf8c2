// The firewall on the sandbox network, seen from the internet with the shell's `scan` and `ufw`: a dropped port is
// filtered (no answer), a rejected one closed (refused), an allowed one open; `limit` refuses a flood's 6th connection.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../../../sandboxes/network/net';
import { sandboxWithShell } from '../../shell/sandbox';

/** How one connection attempt from `from` ends: connected, refused, or nothing within 500 ms. */
function attempt(address: string): Promise<'connected' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const socket = connect(address);
    const done = (result: 'connected' | 'refused' | 'timeout') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('timeout'), 500);
    socket.once('connect', () => done('connected'));
    socket.once('error', () => done('refused'));
  });
}

describe('firewall and scan', () => {
  const lab = sandboxWithShell(async (sandbox) => {
    await sandbox.serve('10.0.0.11:80', (_, res) => res.end('web-01\n'));
    await sandbox.listen(
      '10.0.0.11:5432',
      net.createServer((s) => s.end()),
    );
    await sandbox.listen(
      '10.0.0.11:8404',
      net.createServer((s) => s.end()),
    );
  });
  const { sandbox } = lab;
  afterAll(() => {
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
  });

  it('scan lists every listening port as open while there is no firewall', async () => {
    const output = await lab.shell.command('scan 10.0.0.11', 30_000);
    expect(output).toMatch(
      /Nmap scan report for 10\.0\.0\.11\nNot shown: \d+ closed tcp ports \(conn-refused\)\nPORT     STATE    SERVICE\n80\/tcp   open     http\n5432\/tcp open     postgresql\n8404\/tcp open     stats\n/,
    );
  });

  it('after default deny + allow 80 + reject 8404, the scan shows 80 open, 8404 closed and the rest filtered', async () => {
    for (const line of ['default deny incoming', 'allow 80/tcp', 'reject 8404/tcp'])
      await lab.shell.command(`ufw 10.0.0.11 ${line}`, 30_000);
    expect(await lab.shell.command('ufw 10.0.0.11 enable', 30_000)).toBe(
      'Firewall is active and enabled on system startup',
    );
    const output = await lab.shell.command('scan 10.0.0.11', 15_000);
    expect(output).toMatch(
      /Not shown: \d+ filtered tcp ports \(no-response\)\nPORT     STATE    SERVICE\n80\/tcp   open     http\n8404\/tcp closed   stats\n/,
    );
    expect(output).not.toContain('5432');
    // The same from a program's point of view: a drop is a timeout, a reject is refused at once.
    process.env.SANDBOX_NET = sandbox.net;
    process.env.SANDBOX_ADDR = '203.0.113.10';
    expect(await attempt('10.0.0.11:5432')).toBe('timeout');
    expect(await attempt('10.0.0.11:8404')).toBe('refused');
    expect(await attempt('10.0.0.11:80')).toBe('connected');
    // A rule by source address: the balancer may reach the database port, the internet may not.
    await lab.shell.command('ufw 10.0.0.11 allow from 10.0.0.2 to any port 5432 proto tcp', 30_000);
    process.env.SANDBOX_ADDR = '10.0.0.2';
    expect(await attempt('10.0.0.11:5432')).toBe('connected');
  });

  it("limit refuses the 6th connection a source starts within 30 s, and not another source's", async () => {
    expect(await lab.shell.command('ufw 10.0.0.11 insert 1 limit 80/tcp', 30_000)).toBe('Rule inserted');
    process.env.SANDBOX_NET = sandbox.net;
    process.env.SANDBOX_ADDR = '203.0.113.66';
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await attempt('10.0.0.11:80'));
    expect(results).toEqual(['connected', 'connected', 'connected', 'connected', 'connected', 'refused', 'refused']);
    process.env.SANDBOX_ADDR = '203.0.113.67';
    expect(await attempt('10.0.0.11:80')).toBe('connected');
  });
});
