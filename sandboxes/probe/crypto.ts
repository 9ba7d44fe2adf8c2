// The TLS model's cryptography, exercised through the model itself (sandboxes/network/tls/), so these rows follow whatever
// implementation it uses: certificates (ECDSA P-256 keys, PKCS#8 and SPKI, signatures) and a whole handshake with
// encrypted records over loopback (ECDH P-256, HKDF-SHA-256, AES-128-GCM, SHA-256, random bytes). Then the same
// primitives straight from WebCrypto, for comparison: inside a WebContainer that is Node's webcrypto over StackBlitz's
// emulated bindings, not the browser's (WEBCONTAINER-COMPAT.md row 18).
import net from 'node:net';
import { issue, readCredentials, verifyCertificate } from '../network/tls/pki';
import { secureAccept, secureConnect } from '../network/tls/connection';
import { fail, pass, type Check } from './runner';

const CA = 'Sandbox Probe CA';
const SITE = 'www.probe.test';

async function authority() {
  const ca = await issue(CA, 'self');
  const site = await issue(SITE, { name: CA, key: ca.key });
  return { ca, site, credentials: await readCredentials(site.pem + site.keyPem) };
}

const subtle = globalThis.crypto?.subtle;
const hex = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
const unhex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** A WebCrypto comparison row: `run` throws or returns what is wrong. */
function webcrypto(id: string, title: string, works: string, run: () => Promise<string | undefined>): Check {
  return {
    id: `webcrypto-${id}`,
    title: `WebCrypto ${title}`,
    needed: false,
    async run() {
      if (!subtle) return fail('there is no globalThis.crypto.subtle');
      const wrong = await run();
      return wrong ? fail(wrong) : pass(works);
    },
  };
}

export const cryptoChecks: Check[] = [
  {
    id: 'tls-certificates',
    title: 'TLS model: issue, load and check certificates (ECDSA P-256 keys, PKCS#8 and SPKI, sign and verify)',
    needed: true,
    timeoutMs: 10_000,
    async run() {
      const { ca, site, credentials } = await authority();
      if (credentials.certificate.subject !== SITE)
        return fail(`the loaded credentials name ${credentials.certificate.subject}`);
      const trusted = await verifyCertificate(site.certificate, SITE, [ca.certificate]);
      if (trusted) return fail(`a certificate signed by the trusted CA was refused: ${trusted}`);
      const impostor = await issue(SITE, 'self');
      const refused = await verifyCertificate(impostor.certificate, SITE, [ca.certificate]);
      if (!refused) return fail('a self-signed impostor certificate was accepted');
      return pass(
        `a CA and a site certificate issued; the site's key loaded back from PKCS#8; its certificate trusted, an impostor refused ("${refused}")`,
      );
    },
  },
  {
    id: 'tls-handshake',
    title: 'TLS model: handshake and encrypted records over loopback (ECDH P-256, HKDF-SHA-256, AES-128-GCM, SHA-256)',
    needed: true,
    timeoutMs: 10_000,
    async run() {
      const { ca, credentials } = await authority();
      const server = net.createServer((socket) => {
        const secure = secureAccept(socket, credentials);
        secure.on('data', (chunk: Buffer) => secure.end(chunk.toString().toUpperCase()));
        secure.on('error', () => socket.destroy());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as net.AddressInfo;
        const client = secureConnect(net.connect(port, '127.0.0.1'), SITE, [ca.certificate]);
        const answer = await new Promise<string>((resolve, reject) => {
          let text = '';
          client.on('data', (chunk: Buffer) => (text += chunk));
          client.on('end', () => resolve(text));
          client.on('error', reject);
          client.write('hello over the tls model');
        });
        if (answer !== 'HELLO OVER THE TLS MODEL')
          return fail(`the server's encrypted answer decrypted to ${JSON.stringify(answer)}`);
        return pass(
          `the client trusted ${client.peerCertificate?.subject}; a request and its answer crossed as encrypted records`,
        );
      } finally {
        server.close();
      }
    },
  },
  webcrypto(
    'ecdsa',
    'ECDSA P-256: generate, export and import PKCS#8 and SPKI, sign and verify SHA-256',
    'a signature made with the re-imported private key verifies with the re-imported public key; a changed message does not',
    async () => {
      const pair = (await subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
      const privateKey = await subtle.importKey(
        'pkcs8',
        await subtle.exportKey('pkcs8', pair.privateKey),
        ECDSA,
        false,
        ['sign'],
      );
      const publicKey = await subtle.importKey('spki', await subtle.exportKey('spki', pair.publicKey), ECDSA, false, [
        'verify',
      ]);
      const sign = { name: 'ECDSA', hash: 'SHA-256' };
      const message = new TextEncoder().encode('certificate');
      const signature = await subtle.sign(sign, privateKey, message);
      if (!(await subtle.verify(sign, publicKey, signature, message))) return 'a fresh signature does not verify';
      if (await subtle.verify(sign, publicKey, signature, new TextEncoder().encode('certificatE')))
        return 'a signature verifies for a changed message';
      return undefined;
    },
  ),
  webcrypto(
    'ecdh',
    'ECDH P-256: generate, raw export and import, deriveBits',
    'both sides derive the same 256-bit secret',
    async () => {
      const [a, b] = (await Promise.all([
        subtle.generateKey(ECDH, true, ['deriveBits']),
        subtle.generateKey(ECDH, true, ['deriveBits']),
      ])) as CryptoKeyPair[];
      const share = async (pair: CryptoKeyPair) =>
        subtle.importKey('raw', await subtle.exportKey('raw', pair.publicKey), ECDH, false, []);
      const one = await subtle.deriveBits({ name: 'ECDH', public: await share(b) }, a.privateKey, 256);
      const two = await subtle.deriveBits({ name: 'ECDH', public: await share(a) }, b.privateKey, 256);
      return hex(one) === hex(two) ? undefined : 'the two sides derived different secrets';
    },
  ),
  webcrypto('hkdf', 'HKDF-SHA-256: importKey and deriveBits', 'matches RFC 5869 test case 1', async () => {
    // RFC 5869, appendix A.1.
    const ikm = await subtle.importKey('raw', unhex('0b'.repeat(22)), 'HKDF', false, ['deriveBits']);
    const okm = await subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: unhex('000102030405060708090a0b0c'), info: unhex('f0f1f2f3f4f5f6f7f8f9') },
      ikm,
      42 * 8,
    );
    const expected = '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865';
    return hex(okm) === expected ? undefined : `derived ${hex(okm)}, RFC 5869 says ${expected}`;
  }),
  webcrypto(
    'aes-gcm',
    'AES-128-GCM: importKey, encrypt and decrypt with additional data',
    'a sealed record opens again; a changed byte is refused',
    async () => {
      const key = await subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(16)), 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      const params = {
        name: 'AES-GCM',
        iv: crypto.getRandomValues(new Uint8Array(12)),
        additionalData: new Uint8Array([23, 3, 3, 0, 32]),
      };
      const sealed = new Uint8Array(await subtle.encrypt(params, key, new TextEncoder().encode('application data')));
      const opened = new TextDecoder().decode(await subtle.decrypt(params, key, sealed));
      if (opened !== 'application data') return `decrypted to ${JSON.stringify(opened)}`;
      sealed[0] ^= 1;
      const tampered = await subtle.decrypt(params, key, sealed).then(
        () => true,
        () => false,
      );
      return tampered ? 'a changed ciphertext decrypted without complaint' : undefined;
    },
  ),
  webcrypto(
    'sha256',
    'SHA-256 digest and getRandomValues',
    'SHA-256("abc") is the FIPS 180-2 value; random bytes arrive',
    async () => {
      const digest = hex(await subtle.digest('SHA-256', new TextEncoder().encode('abc')));
      const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
      if (digest !== expected) return `SHA-256("abc") gave ${digest}`;
      const random = crypto.getRandomValues(new Uint8Array(32));
      return random.some((byte) => byte !== 0) ? undefined : 'getRandomValues gave 32 zero bytes';
    },
  ),
];
