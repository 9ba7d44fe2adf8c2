// sniff's filter (tcpdump's expression language, the part this sandbox needs), and a capture on the balancer of the
// TLS lesson, whose health checks must not crowd out the learner's own request.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../../sandboxes/shell/capture-filter';
import { scenarioWithShell } from '../../support/supervisor';

const NODES: Record<string, string> = { 'lb-01': '10.0.0.2', 'web-01': '10.0.0.11' };
const lookup = (name: string) => NODES[name];
const request = { src: '203.0.113.10:40001', dst: '10.0.0.2:80' };
const answer = { src: '10.0.0.2:80', dst: '203.0.113.10:40001' };
const healthCheck = { src: '10.0.0.2:32770', dst: '10.0.0.11:80' };
const tls = { src: '203.0.113.10:40002', dst: '10.0.0.2:443' };
const matching = (expression: string) =>
  Object.entries({ request, answer, healthCheck, tls })
    .filter(([, packet]) => compileFilter(expression, lookup)(packet))
    .map(([name]) => name);

describe("sniff's filter expressions", () => {
  it('keeps every packet without an expression', () => {
    expect(matching('')).toEqual(['request', 'answer', 'healthCheck', 'tls']);
  });

  it('matches host and port in either direction, or one with src and dst', () => {
    expect(matching('host 203.0.113.10')).toEqual(['request', 'answer', 'tls']);
    expect(matching('src host 203.0.113.10')).toEqual(['request', 'tls']);
    expect(matching('dst port 80')).toEqual(['request', 'healthCheck']);
    expect(matching('port 443')).toEqual(['tls']);
    expect(matching('tcp port https')).toEqual(['tls']);
    expect(matching('src 10.0.0.2')).toEqual(['answer', 'healthCheck']);
    expect(matching('src and dst net 10.0.0.0/24')).toEqual(['healthCheck']);
    expect(matching('host web-01')).toEqual(['healthCheck']);
  });

  it('combines with and, or, not and parentheses, and and or read left to right as in libpcap', () => {
    expect(matching('host 203.0.113.10 and port 80')).toEqual(['request', 'answer']);
    expect(matching('port 80 && !host web-01')).toEqual(['request', 'answer']);
    expect(matching('not host 10.0.0.11 and not port 443')).toEqual(['request', 'answer']);
    // (host web-01 or port 443) and src host 203.0.113.10, not host web-01 or (...)
    expect(matching('host web-01 or port 443 and src host 203.0.113.10')).toEqual(['tls']);
    expect(matching('host web-01 or (port 443 and src host 203.0.113.10)')).toEqual(['healthCheck', 'tls']);
    // A bare id takes the qualifiers before it.
    expect(matching('dst port 443 or 80')).toEqual(['request', 'healthCheck', 'tls']);
  });

  it("refuses a bad expression in tcpdump's words", () => {
    const error = (expression: string) => {
      try {
        compileFilter(expression, lookup);
        return 'compiled';
      } catch (e) {
        return (e as Error).message;
      }
    };
    for (const bad of [
      'port',
      'host',
      'port 80 and',
      '(port 80',
      'bogus',
      'not',
      '80',
      '10.0.0.2',
      'port 80 port 81',
      'src dst port 80',
    ]) {
      expect([bad, error(bad)]).toEqual([bad, "can't parse filter expression: syntax error"]);
    }
    expect(error('host db-09')).toBe("unknown host 'db-09'");
    expect(error('port abc')).toBe("unknown port 'abc'");
    expect(error('port 99999')).toBe('illegal port number 99999 > 65535');
    expect(error('host 10.0.0.300')).toBe("invalid IPv4 address '10.0.0.300'");
    expect(error('net 10.0.0.1/24')).toBe('non-network bits set in "10.0.0.1/24"');
  });
});

describe("sniff on the TLS lesson's balancer", () => {
  const lab = scenarioWithShell('tls', 30_000);

  /** bash announces the finished job before the next prompt: curl's, if the capture ended while curl ran, or Enter's. */
  async function expectDoneNotice(line: string): Promise<void> {
    await lab.shell.command('');
    const screen = await lab.shell.text();
    const notices = screen
      .slice(screen.lastIndexOf(`[1] ${line} &`))
      .split('\n')
      .filter((l) => l.startsWith('[1]+'));
    expect(notices).toEqual([`[1]+  Done                    ${line}`]);
  }

  it("shows the learner's login in the background, health checks filtered out, as the lesson asks", async () => {
    const started = await lab.shell.command('sniff -c 2 lb-01 host 203.0.113.10 &');
    expect(started).toMatch(/^\[1\] sniff -c 2 lb-01 host 203\.0\.113\.10 &/);
    await lab.shell.waitFor("listening on lb-01 (10.0.0.2), keeping what matches 'host 203.0.113.10'");
    // Health checks go on every second meanwhile (lb-01 to web-01 and web-02); none of them is shown.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await lab.shell.command("curl -d 'user=ada&password=s3cret' http://10.0.0.2/");
    const screen = await lab.shell.waitFor(/^2 packets captured$/m, 10_000);
    const capture = screen.slice(screen.indexOf('listening on lb-01'));
    expect(capture).toMatch(/IP 203\.0\.113\.10\.\d+ > 10\.0\.0\.2\.80: length \d+/);
    expect(capture).toContain('user=ada&password=s3cret');
    expect(capture).toMatch(/IP 10\.0\.0\.2\.80 > 203\.0\.113\.10\.\d+: length \d+/);
    expect(capture).not.toMatch(/> 10\.0\.0\.1[12]\.80/);
    await expectDoneNotice('sniff -c 2 lb-01 host 203.0.113.10');
  });

  it("shows the TLS hellos and the name over HTTPS, but not the password, with the lesson's command", async () => {
    const config = join(lab.scenario.folder, 'haproxy.cfg');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('    bind :80\n', '    bind :80\n    bind :443 ssl crt site.pem\n'),
    );
    expect(await lab.shell.command('reload')).toMatch(/^reloaded lb-01/);
    const sniffing = 'sniff -c 4 lb-01 host 203.0.113.10 and port 443';
    expect(await lab.shell.command(`${sniffing} &`)).toMatch(
      /^\[1\] sniff -c 4 lb-01 host 203\.0\.113\.10 and port 443 &/,
    );
    await lab.shell.waitFor("keeping what matches 'host 203.0.113.10 and port 443'");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await lab.shell.command(
      "curl -d 'user=ada&password=s3cret' --resolve www.example.com:443:10.0.0.2 https://www.example.com/",
    );
    const screen = await lab.shell.waitFor(/^4 packets captured$/m, 10_000);
    const packets = screen
      .slice(screen.lastIndexOf('keeping what matches'))
      .split('\n')
      .filter((line) => /^\d\d:\d\d:\d\d\.\d{3} IP |^ {4}TLS /.test(line));
    expect(packets.filter((line) => / IP /.test(line))).toHaveLength(4);
    expect(packets.join('\n')).toMatch(
      /^\d\S+ IP 203\.0\.113\.10\.\d+ > 10\.0\.0\.2\.443: .*\n {4}TLS 1\.3 Handshake: ClientHello \(server_name=www\.example\.com\)/m,
    );
    expect(packets.join('\n')).toMatch(
      /^\d\S+ IP 10\.0\.0\.2\.443 > 203\.0\.113\.10\.\d+: .*\n {4}TLS 1\.3 Handshake: ServerHello/m,
    );
    // The request itself went by, encrypted.
    expect(packets.join('\n')).toMatch(
      /^\d\S+ IP 203\.0\.113\.10\.\d+ > 10\.0\.0\.2\.443: .*\n {4}TLS Application Data, \d+ bytes encrypted/m,
    );
    expect(packets.join('\n')).not.toMatch(/s3cret|password/);
    await expectDoneNotice(sniffing);
  });

  it('says what is wrong with a bad expression, as tcpdump does', async () => {
    expect(await lab.shell.command('sniff lb-01 host')).toBe("sniff: can't parse filter expression: syntax error");
    expect(await lab.shell.command('sniff lb-01 host db-09')).toBe("sniff: unknown host 'db-09'");
  });
});
