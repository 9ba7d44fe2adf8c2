// The TLS model's keys and signatures are the same bytes WebCrypto makes (WebCrypto is only the reference here):
// certificates and crt files made before the move to the noble libraries still load and verify, and the new ones
// load in WebCrypto and OpenSSL alike.
import { describe, expect, it } from 'vitest';
import { CA_PEM, SITE_PEM } from '../../../../sandboxes/scenarios/build/certificates';
import { decodePkcs8, decodeSpki, encodePkcs8, encodeSpki } from '../../../../sandboxes/network/tls/key-encoding';
import {
  issue,
  readCredentials,
  readTrust,
  sign,
  verifyCertificate,
  verifySignature,
} from '../../../../sandboxes/network/tls/pki';

const subtle = globalThis.crypto.subtle;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const pemBody = (pem: string) => unb64(pem.split('-----')[2]);

describe('P-256 key encodings', () => {
  it('reads and re-encodes WebCrypto’s PKCS#8 and SPKI exports byte for byte', async () => {
    for (let i = 0; i < 8; i++) {
      const pair = (await subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
      const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
      const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
      const point = decodeSpki(spki);
      expect(point).toEqual(new Uint8Array(await subtle.exportKey('raw', pair.publicKey)));
      expect(encodeSpki(point)).toEqual(spki);
      expect(encodePkcs8(decodePkcs8(pkcs8), point)).toEqual(pkcs8);
    }
  });

  it('refuses a key that is not P-256', async () => {
    const p384 = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign'])) as CryptoKeyPair;
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', p384.privateKey));
    const spki = new Uint8Array(await subtle.exportKey('spki', p384.publicKey));
    expect(() => decodePkcs8(pkcs8)).toThrow('not a P-256 private key');
    expect(() => decodeSpki(spki)).toThrow('not a P-256 public key');
    expect(() =>
      readCredentials(
        SITE_PEM.replace(
          /-----BEGIN PRIVATE KEY-----[\s\S]*$/,
          `-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n`,
        ),
      ),
    ).toThrow('site.pem: the "PRIVATE KEY" block is not an ECDSA P-256 key in PKCS#8');
  });
});

describe('signatures', () => {
  it("the lessons' shipped certificates (made with WebCrypto) still verify, and their key signs what they vouch for", () => {
    const [ca] = readTrust(CA_PEM);
    const site = readCredentials(SITE_PEM);
    expect(verifyCertificate(site.certificate, 'www.example.com', [ca], Date.parse('2030-01-01'))).toBeUndefined();
    const data = new TextEncoder().encode('transcript');
    expect(verifySignature(site.certificate, sign(site.key, data), data)).toBe(true);
    expect(verifySignature(site.certificate, sign(site.key, data), new TextEncoder().encode('another'))).toBe(false);
  });

  it('WebCrypto verifies what the model signs, and the model verifies what WebCrypto signs, high s included', async () => {
    const made = issue('www.example.com', 'self');
    const privateKey = await subtle.importKey('pkcs8', pemBody(made.keyPem), ECDSA, false, ['sign']);
    const publicKey = await subtle.importKey('spki', unb64(made.certificate.public_key), ECDSA, false, ['verify']);
    const data = new TextEncoder().encode('transcript');
    expect(await subtle.verify(SHA256, publicKey, unb64(sign(made.key, data)), data)).toBe(true);
    // WebCrypto does not normalise s: about half of its signatures have a high s, and all must verify.
    for (let i = 0; i < 16; i++) {
      const signature = Buffer.from(await subtle.sign(SHA256, privateKey, data)).toString('base64');
      expect(verifySignature(made.certificate, signature, data)).toBe(true);
    }
  });
});
