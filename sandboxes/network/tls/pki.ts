// Certificates for the sandbox's TLS model: ECDSA P-256 with SHA-256, computed by the noble libraries (audited
// pure JavaScript, bundled into the programs). Not node:crypto, whose asymmetric side WebContainers lack
// (stackblitz/webcontainer-core#1179: createPrivateKey "Unsupported"; #864: createSign), and not WebCrypto either:
// inside a WebContainer that is Node's webcrypto over the same emulated bindings, known to be incomplete (jose#517,
// iron-webcrypto#13), so the one implementation here runs the same in every runtime. The private key is a real
// PKCS#8 key in a real "PRIVATE KEY" PEM block; the certificate is NOT X.509: it is the same idea (subject, issuer,
// validity, public key, the issuer's signature over them) as JSON, in a "SANDBOX CERTIFICATE" block so nobody
// mistakes it for one.
import { p256 } from '@noble/curves/nist.js';
import { decodePkcs8, decodeSpki, encodePkcs8, encodeSpki } from './key-encoding';

/** A P-256 private key: the 32-byte secret scalar. */
export type PrivateKey = Uint8Array;

// Signatures are r||s (64 bytes), as WebCrypto makes them. WebCrypto does not normalise s to its low half (nor
// does OpenSSL), so a signature from it may have a high s: verification must accept both.
const VERIFY = { lowS: false } as const;

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
  key: PrivateKey;
}

const b64 = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64');
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
  return [...text.matchAll(/-----BEGIN SANDBOX CERTIFICATE-----[\s\S]*?-----END SANDBOX CERTIFICATE-----/g)].map((m) =>
    decodeCertificate(m[0]),
  );
}

/** Reads a `crt` file as HAProxy expects it: the certificate and its private key in one PEM file. */
export function readCredentials(text: string, file = 'site.pem'): Credentials {
  const key = readBlock(text, 'PRIVATE KEY');
  if (!key)
    throw new Error(
      `${file}: no private key ("-----BEGIN PRIVATE KEY-----"): crt needs the certificate and its key in one file (cat cert.pem key.pem > site.pem)`,
    );
  const certificate = decodeCertificate(text);
  return { certificate, pem: encodeCertificate(certificate), key: readPrivateKey(key, file) };
}

function readPrivateKey(base64: string, file: string): PrivateKey {
  try {
    return decodePkcs8(unb64(base64));
  } catch {
    throw new Error(
      `${file}: the "PRIVATE KEY" block is not an ECDSA P-256 key in PKCS#8 (the sandbox's keys are all P-256)`,
    );
  }
}

/** Makes a certificate for `subject` signed by `issuerKey` (its own key for a self-signed one); returns cert + key PEM. */
export function issue(
  subject: string,
  issuer: { name: string; key: PrivateKey } | 'self',
  days = 365,
): { certificate: Certificate; pem: string; keyPem: string; key: PrivateKey } {
  const { secretKey } = p256.keygen();
  const point = p256.getPublicKey(secretKey, false);
  const now = Date.now();
  const unsigned: Certificate = {
    subject,
    issuer: issuer === 'self' ? subject : issuer.name,
    not_before: new Date(now - 86_400_000).toISOString(),
    not_after: new Date(now + days * 86_400_000).toISOString(),
    public_key: b64(encodeSpki(point)),
    signature: '',
  };
  const signer = issuer === 'self' ? secretKey : issuer.key;
  const certificate = { ...unsigned, signature: sign(signer, signedPart(unsigned)) };
  const keyPem = block('PRIVATE KEY', b64(encodePkcs8(secretKey, point)));
  return { certificate, pem: encodeCertificate(certificate), keyPem, key: secretKey };
}

/** The certificate's public key as the curve's point; throws if it is not a P-256 key. */
function publicKey(certificate: Certificate): Uint8Array {
  return decodeSpki(unb64(certificate.public_key));
}

/** Whether `signature` (base64 r||s) over `data` was made with the key of `certificate`; false for any malformed part. */
export function verifySignature(certificate: Certificate, signature: string, data: Uint8Array): boolean {
  try {
    return p256.verify(unb64(signature), data, publicKey(certificate), VERIFY);
  } catch {
    return false;
  }
}

/**
 * The client's certificate check, with the words curl prints (error 60) when OpenSSL's check fails. Returns
 * undefined when the certificate is trusted for `servername`.
 */
export function verifyCertificate(
  certificate: Certificate,
  servername: string,
  trusted: Certificate[],
  now = Date.now(),
): string | undefined {
  const ca = trusted.find((c) => c.subject === certificate.issuer);
  if (!ca) {
    return certificate.issuer === certificate.subject
      ? 'SSL certificate problem: self-signed certificate'
      : 'SSL certificate problem: unable to get local issuer certificate';
  }
  if (!verifySignature(ca, certificate.signature, signedPart(certificate)))
    return 'SSL certificate problem: certificate signature failure';
  if (now > Date.parse(certificate.not_after)) return 'SSL certificate problem: certificate has expired';
  if (now < Date.parse(certificate.not_before)) return 'SSL certificate problem: certificate is not yet valid';
  if (certificate.subject !== servername)
    return `SSL: no alternative certificate subject name matches target host name '${servername}'`;
  return undefined;
}

/** ECDSA P-256 over SHA-256 of `data`, base64 r||s. */
export function sign(key: PrivateKey, data: Uint8Array): string {
  return b64(p256.sign(data, key));
}
