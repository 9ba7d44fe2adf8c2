// Certificates for the sandbox's TLS model, made only of WebCrypto (ECDSA P-256 + SHA-256), because WebContainers
// lack much of node:crypto's asymmetric side (stackblitz/webcontainer-core#1179: createPrivateKey "Unsupported";
// #864: createSign) while the browser's WebCrypto is there. The private key is a real PKCS#8 key in a real
// "PRIVATE KEY" PEM block; the certificate is NOT X.509: it is the same idea (subject, issuer, validity, public key,
// the issuer's signature over them) as JSON, in a "SANDBOX CERTIFICATE" block so nobody mistakes it for one.
const subtle = globalThis.crypto.subtle;
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface Certificate {
  subject: string;
  issuer: string;
  not_before: string;
  not_after: string;
  /** The subject's ECDSA P-256 public key, SPKI, base64. */
  public_key: string;
  /** The issuer's ECDSA signature over every field above, base64. */
  signature: string;
}

export interface Credentials {
  certificate: Certificate;
  /** The certificate's own text, as sent in the handshake. */
  pem: string;
  key: CryptoKey;
}

const b64 = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));
const signedPart = ({ signature: _, ...rest }: Certificate) => new TextEncoder().encode(JSON.stringify(rest));

function block(label: string, base64: string): string {
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

function readBlock(text: string, label: string): string | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
  return m?.[1].replace(/\s+/g, '');
}

export function encodeCertificate(certificate: Certificate): string {
  return block('SANDBOX CERTIFICATE', b64(new TextEncoder().encode(JSON.stringify(certificate))));
}

export function decodeCertificate(text: string): Certificate {
  const body = readBlock(text, 'SANDBOX CERTIFICATE');
  if (!body) throw new Error('no "-----BEGIN SANDBOX CERTIFICATE-----" block found');
  return JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Certificate;
}

/** Reads a trust store (curl's --cacert file): every certificate block in it. */
export function readTrust(text: string): Certificate[] {
  return [...text.matchAll(/-----BEGIN SANDBOX CERTIFICATE-----[\s\S]*?-----END SANDBOX CERTIFICATE-----/g)].map((m) => decodeCertificate(m[0]));
}

/** Reads a `crt` file as HAProxy expects it: the certificate and its private key in one PEM file. */
export async function readCredentials(text: string, file = 'site.pem'): Promise<Credentials> {
  const key = readBlock(text, 'PRIVATE KEY');
  if (!key) throw new Error(`${file}: no private key ("-----BEGIN PRIVATE KEY-----"): crt needs the certificate and its key in one file (cat cert.pem key.pem > site.pem)`);
  const certificate = decodeCertificate(text);
  return { certificate, pem: encodeCertificate(certificate), key: await subtle.importKey('pkcs8', unb64(key), ECDSA, false, ['sign']) };
}

async function keyPair() {
  return (await subtle.generateKey(ECDSA, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** Makes a certificate for `subject` signed by `issuerKey` (its own key for a self-signed one); returns cert + key PEM. */
export async function issue(subject: string, issuer: { name: string; key: CryptoKey } | 'self', days = 365): Promise<{ certificate: Certificate; pem: string; keyPem: string; key: CryptoKey }> {
  const pair = await keyPair();
  const now = Date.now();
  const unsigned: Certificate = {
    subject,
    issuer: issuer === 'self' ? subject : issuer.name,
    not_before: new Date(now - 86_400_000).toISOString(),
    not_after: new Date(now + days * 86_400_000).toISOString(),
    public_key: b64(await subtle.exportKey('spki', pair.publicKey)),
    signature: '',
  };
  const signer = issuer === 'self' ? pair.privateKey : issuer.key;
  const certificate = { ...unsigned, signature: b64(await subtle.sign(SIGN, signer, signedPart(unsigned))) };
  const keyPem = block('PRIVATE KEY', b64(await subtle.exportKey('pkcs8', pair.privateKey)));
  return { certificate, pem: encodeCertificate(certificate), keyPem, key: pair.privateKey };
}

export async function publicKey(certificate: Certificate): Promise<CryptoKey> {
  return subtle.importKey('spki', unb64(certificate.public_key), ECDSA, false, ['verify']);
}

/**
 * The client's certificate check, with the words curl prints (error 60) when OpenSSL's check fails. Returns
 * undefined when the certificate is trusted for `servername`.
 */
export async function verifyCertificate(certificate: Certificate, servername: string, trusted: Certificate[], now = Date.now()): Promise<string | undefined> {
  const ca = trusted.find((c) => c.subject === certificate.issuer);
  if (!ca) {
    return certificate.issuer === certificate.subject ? 'SSL certificate problem: self-signed certificate' : 'SSL certificate problem: unable to get local issuer certificate';
  }
  const valid = await subtle.verify(SIGN, await publicKey(ca), unb64(certificate.signature), signedPart(certificate));
  if (!valid) return 'SSL certificate problem: certificate signature failure';
  if (now > Date.parse(certificate.not_after)) return 'SSL certificate problem: certificate has expired';
  if (now < Date.parse(certificate.not_before)) return 'SSL certificate problem: certificate is not yet valid';
  if (certificate.subject !== servername) return `SSL: no alternative certificate subject name matches target host name '${servername}'`;
  return undefined;
}

export async function sign(key: CryptoKey, data: Uint8Array): Promise<string> {
  return b64(await subtle.sign(SIGN, key, new Uint8Array(data)));
}

export async function verifySignature(certificate: Certificate, signature: string, data: Uint8Array): Promise<boolean> {
  return subtle.verify(SIGN, await publicKey(certificate), unb64(signature), new Uint8Array(data));
}
