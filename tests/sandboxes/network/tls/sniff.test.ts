// `sniff` in the real shell, watching a node's link while a login crosses it: over HTTP the password shows; over
// the TLS model only the handshake (with the server name) and ciphertext.
import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../../../../sandboxes/network/net';
import { issue, readCredentials } from '../../../../sandboxes/network/tls/pki';
import { secureAccept, secureConnect } from '../../../../sandboxes/network/tls/connection';
import { sandboxWithShell } from '../../shell/sandbox';

const app: http.RequestListener = (req, res) => {
  req.resume();
  req.on('end', () => res.end('welcome alice\n'));
};

function login(address: string, tls?: Parameters<typeof secureConnect>[2]): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method: 'POST',
        path: '/login',
        headers: { host: 'www.example.com', connection: 'close' },
        createConnection: () =>
          (tls ? secureConnect(connect(address), 'www.example.com', tls) : connect(address)) as net.Socket,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end('user=alice&password=hunter2');
  });
}

describe('sniff', () => {
  let ca: Awaited<ReturnType<typeof issue>>;
  const lab = sandboxWithShell(async (sandbox) => {
    ca = await issue('Sandbox Root CA', 'self');
    const site = await issue('www.example.com', { name: 'Sandbox Root CA', key: ca.key });
    const credentials = await readCredentials(site.pem + site.keyPem);
    const web = http.createServer(app);
    await sandbox.serve('10.0.0.2:80', app);
    await sandbox.listen(
      '10.0.0.2:443',
      net.createServer((socket) => web.emit('connection', secureAccept(socket, credentials))),
    );
  });
  const { sandbox } = lab;
  afterAll(() => {
    delete process.env.SANDBOX_NET;
    delete process.env.SANDBOX_ADDR;
  });

  /** Starts `sniff -c COUNT 10.0.0.2`, runs `traffic` once it listens, and returns what sniff printed. */
  async function capture(count: number, traffic: () => Promise<unknown>): Promise<string> {
    const listening = async () => (await lab.shell.text()).split('listening on 10.0.0.2').length;
    const before = await listening();
    const output = lab.shell.command(`sniff -c ${count} 10.0.0.2`, 30_000);
    // Wait for this sniff's own "listening" line (an earlier one may still be on the screen).
    for (let waited = 0; (await listening()) === before; waited += 50) {
      if (waited > 15_000) throw new Error('sniff did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    process.env.SANDBOX_NET = sandbox.net;
    process.env.SANDBOX_ADDR = '203.0.113.10';
    await traffic();
    return output;
  }

  it('shows a password crossing in clear over HTTP', async () => {
    const output = await capture(2, () => login('10.0.0.2:80'));
    expect(output).toMatch(/IP 203\.0\.113\.10\.\d+ > 10\.0\.0\.2\.80: length \d+\n    POST \/login HTTP\/1\.1\n/);
    expect(output).toContain('    user=alice&password=hunter2');
    expect(output).toMatch(/IP 10\.0\.0\.2\.80 > 203\.0\.113\.10\.\d+: length \d+\n    HTTP\/1\.1 200 OK/);
  });

  it('shows the handshake then only ciphertext over TLS', async () => {
    const output = await capture(4, () => login('10.0.0.2:443', [ca.certificate]));
    expect(output).toContain(
      'TLS 1.3 Handshake: ClientHello (server_name=www.example.com), key_share (ECDH P-256 public key)',
    );
    expect(output).toContain('TLS 1.3 Handshake: ServerHello, key_share (ECDH P-256 public key)');
    expect(output).toMatch(/TLS Application Data, \d+ bytes encrypted: [0-9a-f ]+/);
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain('POST');
  });
});
