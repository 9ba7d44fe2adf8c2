// DNS round robin in the shell: `dig` answers from the session's dns.zone with both A records, their order turning
// at each query; curl and load resolve names through it, and curl tries the other address when one refuses.
import type http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseZone } from '../../../sandboxes/shell/dns';
import { sandboxWithShell } from './sandbox';

const ZONE = `; the example.com zone
$TTL 60
www.example.com.   IN  A   10.0.0.10
www.example.com.   IN  A   10.0.0.20
api.example.com.   300 IN  A   10.0.0.30
`;

/** A balancer played by the test: it answers with the address it was reached at. */
const answering =
  (address: string): http.RequestListener =>
  (_, res) => {
    res.setHeader('X-Served-By', address);
    res.end(`${address}\n`);
  };

describe('parseZone', () => {
  it("reads A records in BIND's format: $TTL, an optional TTL and class, comments", () => {
    expect(parseZone(ZONE)).toEqual([
      { name: 'www.example.com.', ttl: 60, address: '10.0.0.10' },
      { name: 'www.example.com.', ttl: 60, address: '10.0.0.20' },
      { name: 'api.example.com.', ttl: 300, address: '10.0.0.30' },
    ]);
  });
});

describe('DNS in the shell', () => {
  const lab = sandboxWithShell(async (sandbox) => {
    writeFileSync(join(sandbox.folder, 'dns.zone'), ZONE);
    await sandbox.serve('10.0.0.10:80', answering('10.0.0.10'));
    await sandbox.serve('10.0.0.20:80', answering('10.0.0.20'));
  });
  const { sandbox } = lab;

  it("dig prints dig's answer with both A records, and their order turns from one query to the next", async () => {
    const first = await lab.shell.command('dig www.example.com');
    expect(first).toMatch(
      /^\n; <<>> DiG 9\.18\.\S+ <<>> www\.example\.com\n;; global options: \+cmd\n;; Got answer:\n;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \d+\n;; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 1\n/,
    );
    // (dig lines fields up on tab stops; the terminal shows the tabs as spaces.)
    expect(first).toMatch(/;; QUESTION SECTION:\n;www\.example\.com\. {15}IN {6}A\n/);
    const answer = (text: string) =>
      [...text.matchAll(/^www\.example\.com\. {8}60 {6}IN {6}A {7}(\S+)$/gm)].map((m) => m[1]);
    expect(answer(first)).toHaveLength(2);
    expect(first).toMatch(
      /;; SERVER: 10\.0\.0\.53#53\(10\.0\.0\.53\) \(UDP\)\n;; WHEN: .+\n;; MSG SIZE {2}rcvd: 76\s*$/,
    );
    const second = answer(await lab.shell.command('dig www.example.com'));
    expect(second).toEqual([...answer(first)].reverse());
    expect(await lab.shell.command('dig www.example.com +short')).toBe(answer(first).join('\n'));
  });

  it('a name the zone does not have is NXDOMAIN, and curl cannot resolve it', async () => {
    expect(await lab.shell.command('dig nope.example.com')).toMatch(
      /status: NXDOMAIN.*\n;; flags: qr aa rd; QUERY: 1, ANSWER: 0,/,
    );
    expect(await lab.shell.command('curl http://nope.example.com/')).toBe(
      'curl: (6) Could not resolve host: nope.example.com',
    );
  });

  it('curl reaches the name at the first address of the answer', async () => {
    const served = [
      await lab.shell.command('curl -s http://www.example.com/'),
      await lab.shell.command('curl -s http://www.example.com/'),
    ];
    expect(served.sort()).toEqual(['10.0.0.10', '10.0.0.20']);
  });

  it('load asks DNS for every request, so the requests spread over both addresses', async () => {
    const output = await lab.shell.command('load http://www.example.com/ -r 20 -d 1s', 30_000);
    const share = (address: string) =>
      Number(new RegExp(`${address.replaceAll('.', '\\.')}\\D+(\\d+)`).exec(output)?.[1] ?? 0);
    expect(share('10.0.0.10')).toBe(10);
    expect(share('10.0.0.20')).toBe(10);
  });

  it('curl tries the other A record when the first address refuses the connection, as real curl does', async () => {
    writeFileSync(
      join(sandbox.folder, 'dns.zone'),
      '$TTL 60\nwww.example.com. IN A 10.0.0.99\nwww.example.com. IN A 10.0.0.20\n',
    );
    const outputs = [
      await lab.shell.command('curl -v http://www.example.com/'),
      await lab.shell.command('curl -v http://www.example.com/'),
    ];
    const viaDead = outputs.find((o) => o.startsWith('*   Trying 10.0.0.99:80...'))!;
    expect(viaDead).toMatch(
      /^\* {3}Trying 10\.0\.0\.99:80\.\.\.\n\* connect to 10\.0\.0\.99 port 80 failed: Connection refused\n\* {3}Trying 10\.0\.0\.20:80\.\.\.\n\* Connected to www\.example\.com \(10\.0\.0\.20\) port 80 \(#0\)\n/,
    );
    expect(viaDead).toMatch(/\n10\.0\.0\.20\n/);
  });
});
