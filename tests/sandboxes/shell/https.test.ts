// curl over https through the sandbox's TLS model (sandboxes/network/tls): a trusted certificate works, an untrusted or
// misnamed one fails with curl's error 60, and a plain-HTTP port with error 35.
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issue, readCredentials } from '../../../sandboxes/network/tls/pki';
import { secureAccept } from '../../../sandboxes/network/tls/connection';
import { sandboxWithShell } from './sandbox';

describe('curl over https', () => {
  const lab = sandboxWithShell(async (sandbox) => {
    const ca = await issue('Sandbox Root CA', 'self');
    const site = await issue('www.example.com', { name: 'Sandbox Root CA', key: ca.key });
    const other = await issue('Some Other CA', 'self');
    const credentials = await readCredentials(site.pem + site.keyPem);
    // The TLS end of a balancer (bind :443 ssl crt site.pem) answering every request with one page.
    const front = net.createServer((socket) => {
      const tls = secureAccept(socket, credentials);
      let request = '';
      tls.on('data', (chunk: Buffer) => {
        request += chunk;
        if (request.includes('\r\n\r\n'))
          tls.end('HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\nsecure, hello!\n');
      });
      tls.on('error', () => socket.destroy());
    });
    await sandbox.listen('10.0.0.2:443', front);
    await sandbox.serve('10.0.0.2:80', (_req, res) => res.end('plain\n'));
    writeFileSync(join(sandbox.folder, 'ca.pem'), ca.pem);
    writeFileSync(join(sandbox.folder, 'other-ca.pem'), other.pem);
  });

  const resolve = '--resolve www.example.com:443:10.0.0.2';

  it('fetches a page from a server whose certificate the sandbox CA signed', async () => {
    expect(await lab.shell.command(`curl ${resolve} https://www.example.com/`)).toBe('secure, hello!');
  });

  it('shows the handshake and the certificate with -v', async () => {
    const output = await lab.shell.command(`curl -v ${resolve} https://www.example.com/`);
    expect(output).toContain('* Connected to www.example.com (10.0.0.2) port 443 (#0)');
    expect(output).toMatch(/^\* SSL connection using TLSv1\.3 \/ TLS_AES_128_GCM_SHA256$/m);
    expect(output).toMatch(/^\* {2}subject: CN=www\.example\.com$/m);
    expect(output).toMatch(/^\* {2}issuer: CN=Sandbox Root CA$/m);
    expect(output).toMatch(/^\* {2}SSL certificate verify ok\.\n> GET \/ HTTP\/1\.1\n> Host: www\.example\.com\n/m);
  });

  it("refuses a certificate from a CA it does not trust, with curl's error 60", async () => {
    const output = await lab.shell.command(`curl --cacert other-ca.pem ${resolve} https://www.example.com/`);
    expect(output).toMatch(
      /^curl: \(60\) SSL certificate problem: unable to get local issuer certificate\nMore details here: https:\/\/curl\.se\/docs\/sslcerts\.html\n/,
    );
  });

  it('refuses a certificate for another name', async () => {
    expect(await lab.shell.command('curl --resolve shop.example.com:443:10.0.0.2 https://shop.example.com/')).toMatch(
      /^curl: \(60\) SSL: no alternative certificate subject name matches target host name 'shop\.example\.com'$/m,
    );
  });

  it('load sends its traffic over https too, trusting the same CA and naming the host with --resolve', async () => {
    const output = await lab.shell.command(`load -r 10 -d 1s ${resolve} https://www.example.com/`, 20_000);
    expect(output).toMatch(/^10 requests in 1\.\d s \(\d+\.\d\/s\): 10 ok, 0 failed$/m);
    expect(await lab.shell.command('load -r 5 -d 1s --resolve www.example.com https://www.example.com/')).toMatch(
      /^load: --resolve wants NAME:PORT:ADDRESS/,
    );
  });

  it('fails the handshake against a plain HTTP port, and will not skip the check with -k', async () => {
    expect(await lab.shell.command('curl https://10.0.0.2:80/')).toBe(
      'curl: (35) error:0A00010B:SSL routines::wrong version number',
    );
    expect(await lab.shell.command(`curl -k ${resolve} https://www.example.com/`)).toMatch(
      /^curl: option -k: not supported by this sandbox/,
    );
  });
});
