// The TLS model runs on the noble libraries alone, as it must in a WebContainer, where WebCrypto is Node's webcrypto
// over emulated bindings with known gaps (WEBCONTAINER-COMPAT.md row 18): the real balancer terminates TLS with the
// lessons' shipped certificate, and a client completes the handshake, in processes where touching `crypto.subtle`
// is an error.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CA_PEM, SITE_PEM } from '../../../../sandboxes/scenarios/build/certificates';
import { readTrust } from '../../../../sandboxes/network/tls/pki';
import { get, startTlsFront, type TlsFront } from './tls-front';

const HAPROXY = `defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe_web
    bind :443 ssl crt site.pem
    default_backend be_app

backend be_app
    server web-01 10.0.0.11:80
`;

const NO_SUBTLE =
  "Object.defineProperty(globalThis.crypto, 'subtle', { get() { throw new Error('crypto.subtle touched'); } });\n";

/** Runs `body` with `crypto.subtle` unavailable in this process, as in a runtime without WebCrypto. */
async function withoutSubtle<T>(body: () => Promise<T>): Promise<T> {
  Object.defineProperty(globalThis.crypto, 'subtle', {
    configurable: true,
    get: () => {
      throw new Error('crypto.subtle touched');
    },
  });
  try {
    return await body();
  } finally {
    delete (globalThis.crypto as { subtle?: unknown }).subtle; // the prototype's getter again
  }
}

describe('the TLS model without WebCrypto', () => {
  let front: TlsFront;
  let preload: string;

  beforeAll(async () => {
    front = await startTlsFront(HAPROXY, SITE_PEM, (folder) => {
      preload = join(folder, 'no-subtle.mjs');
      writeFileSync(preload, NO_SUBTLE);
      return preload;
    });
  }, 30_000);
  afterAll(() => front.stop());

  it('a process with the preload cannot use crypto.subtle', () => {
    const probe = spawnSync(process.execPath, ['--import', preload, '-e', 'crypto.subtle.digest'], {
      encoding: 'utf8',
    });
    expect(probe.status).not.toBe(0);
    expect(probe.stderr).toContain('crypto.subtle touched');
  });

  it("the balancer loads the lessons' crt file and serves HTTPS, and the client checks the chain, with no crypto.subtle anywhere", async () => {
    const page = await withoutSubtle(() => get('10.0.0.2:443', readTrust(CA_PEM)));
    expect(page.status).toBe(200);
    expect(page.body).toContain('web-01');
    await front.lb.waitFor((e) => e.type === 'balancer.request' && e.tls === true && e.status === 200);
    expect(front.lb.stderr()).not.toContain('crypto.subtle touched');
  });
});
