// A model of a TLS 1.3 connection over any byte stream, built from the noble libraries' P-256, HKDF, AES-GCM and
// SHA-256 (pure JavaScript, the same in every runtime: see pki.ts for why):
//   ClientHello  (clear: random, server_name, an ECDH P-256 key share)
//   ServerHello  (clear: random, the server's key share)
//   -- both derive handshake keys: HKDF-SHA-256 over the ECDH secret, salted with the hash of the two hellos --
//   {Certificate, CertificateVerify}  (encrypted: the certificate and a signature over the hellos with its key)
//   -- the client checks the certificate chain and name and the signature, then both use application keys --
//   application data records (AES-128-GCM, sequence-number nonces, header as additional data)
// Records are framed as TLS's (type, 0x0303, length) and, as in TLS 1.3, everything after the hellos travels as
// type 23 with the real content type inside the encryption. What is NOT real TLS: the messages' encoding (JSON
// instead of TLS's binary structures), no cipher negotiation, resumption, client Finished or key update.
import { Duplex } from 'node:stream';
import { gcm } from '@noble/ciphers/aes.js';
import { p256 } from '@noble/curves/nist.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import {
  decodeCertificate,
  sign,
  verifyCertificate,
  verifySignature,
  type Certificate,
  type Credentials,
  type PrivateKey,
} from './pki';

export const CONTENT = { alert: 21, handshake: 22, application_data: 23 } as const;
// TLS alert descriptions (RFC 8446 6.2) for the failures this model can have.
const ALERTS: Record<number, string> = {
  42: 'bad certificate',
  48: 'unknown ca',
  51: 'decrypt error',
  40: 'handshake failure',
};

interface Keys {
  key: Uint8Array;
  iv: Uint8Array;
  seq: bigint;
}

export class TlsError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const text = (value: unknown) => Buffer.from(JSON.stringify(value));
const header = (type: number, length: number) => Buffer.from([type, 3, 3, length >> 8, length & 0xff]);

/** An AES-128-GCM key and a 12-byte IV for one direction, from HKDF-SHA-256. */
function deriveKeys(secret: Uint8Array, salt: Uint8Array, label: string): Keys {
  const bits = hkdf(sha256, secret, salt, new TextEncoder().encode(label), 28);
  return { key: bits.slice(0, 16), iv: bits.slice(16), seq: 0n };
}

/** TLS 1.3's per-record nonce: the IV XORed with the record's sequence number. */
function nonce(keys: Keys): Uint8Array {
  const n = keys.iv.slice();
  const seq = keys.seq++;
  for (let i = 0; i < 8; i++) n[11 - i] ^= Number((seq >> BigInt(8 * i)) & 0xffn);
  return n;
}

/** The ECDH shared secret: the x coordinate of the shared point (32 bytes), which is what TLS 1.3 and WebCrypto use. */
function sharedSecret(secret: PrivateKey, peerShare: Uint8Array): Uint8Array {
  return p256.getSharedSecret(secret, peerShare, true).subarray(1);
}

/** Decrypts and authenticates one record's body with its header as additional data, as TLS 1.3 does. */
function open(keys: Keys, head: Uint8Array, body: Uint8Array): Uint8Array {
  const iv = nonce(keys);
  try {
    return gcm(keys.key, iv, head).decrypt(body);
  } catch {
    throw new TlsError('bad record MAC: the record was changed on the way or keys differ', 'ERR_TLS_BAD_RECORD_MAC');
  }
}

/** A TLS-like stream: write plaintext, read plaintext; the wrapped stream carries records. */
export class TlsStream extends Duplex {
  /** Set once the handshake is over; the peer's certificate for a client. */
  peerCertificate?: Certificate;
  readonly encrypted = true;
  private buffer = Buffer.alloc(0);
  private chain: Promise<void> = Promise.resolve();
  private pending: { data: Buffer; done: (error?: Error | null) => void }[] = [];
  private secure = false;
  private send?: Keys;
  private receive?: Keys;
  /** This side's ECDH secret for the key exchange. */
  private ecdh?: PrivateKey;
  private hellos: Buffer[] = [];
  private secret?: Uint8Array;

  constructor(
    readonly raw: Duplex,
    private readonly role: { client: { servername: string; trusted: Certificate[] } } | { server: Credentials },
  ) {
    super();
    raw.on('data', (chunk: Buffer) => this.onData(chunk));
    raw.on('end', () => this.chain.then(() => this.push(null)));
    raw.on('error', (error) => this.destroy(error));
    raw.on('close', () => this.chain.then(() => this.destroy()));
    if ('client' in role) this.chain = this.chain.then(() => this.hello()).catch((e) => this.fail(e));
  }

  // Node's http server and client ask these of a socket.
  get remoteAddress() {
    return (this.raw as unknown as { remoteAddress?: string }).remoteAddress;
  }
  get remotePort() {
    return (this.raw as unknown as { remotePort?: number }).remotePort;
  }
  get localAddress() {
    return (this.raw as unknown as { localAddress?: string }).localAddress;
  }
  get localPort() {
    return (this.raw as unknown as { localPort?: number }).localPort;
  }
  setTimeout(ms: number, callback?: () => void) {
    (this.raw as unknown as { setTimeout?: (ms: number, cb?: () => void) => void }).setTimeout?.(ms, callback);
    return this;
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }

  _read(): void {}

  _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (!this.secure) return void this.pending.push({ data: chunk, done });
    this.chain = this.chain.then(() => this.sendRecord(CONTENT.application_data, chunk)).then(() => done(), done);
  }

  _final(done: (error?: Error | null) => void): void {
    this.chain
      .then(
        () => this.raw.end(),
        () => undefined,
      )
      .then(() => done());
  }

  _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.raw.destroy();
    for (const p of this.pending.splice(0)) p.done(error ?? new Error('TLS connection closed'));
    done(error);
  }

  private hello(): void {
    this.ecdh = p256.utils.randomSecretKey();
    // The share is the uncompressed point (65 bytes), as WebCrypto's "raw" export and TLS 1.3's key_share carry it.
    const share = Buffer.from(p256.getPublicKey(this.ecdh, false)).toString('base64');
    const random = Buffer.from(randomBytes(32)).toString('hex');
    const message =
      'client' in this.role
        ? { type: 'ClientHello', random, server_name: this.role.client.servername, key_share: share }
        : { type: 'ServerHello', random, key_share: share };
    const bytes = text(message);
    this.hellos.push(bytes);
    this.raw.write(Buffer.concat([header(CONTENT.handshake, bytes.length), bytes]));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const length = this.buffer.readUInt16BE(3);
      if (this.buffer.length < 5 + length) break;
      const record = this.buffer.subarray(0, 5 + length);
      this.buffer = this.buffer.subarray(5 + length);
      this.chain = this.chain.then(() => this.onRecord(record)).catch((e) => this.fail(e));
    }
  }

  private onRecord(record: Buffer): void {
    if (this.destroyed) return;
    let type = record[0];
    let body = record.subarray(5);
    if (type === CONTENT.application_data) {
      if (!this.receive) throw new TlsError('unexpected encrypted record before the handshake', 'ERR_TLS_PROTOCOL');
      const plain = Buffer.from(open(this.receive, record.subarray(0, 5), body));
      type = plain[plain.length - 1];
      body = plain.subarray(0, -1);
    }
    if (type === CONTENT.alert) throw new TlsError(`tlsv1 alert ${ALERTS[body[1]] ?? body[1]}`, 'ERR_TLS_ALERT');
    if (type === CONTENT.application_data) return void this.push(body);
    if (type !== CONTENT.handshake) throw new TlsError(`unknown record type ${type}`, 'ERR_TLS_PROTOCOL');
    const message = JSON.parse(body.toString('utf8'));
    if (message.type === 'ClientHello' && 'server' in this.role) {
      this.hellos.push(body);
      this.hello();
      this.keys(message.key_share);
      const { pem, key } = this.role.server;
      const verify = sign(key, this.transcript());
      this.sendRecord(
        CONTENT.handshake,
        text({ type: 'Certificate+CertificateVerify', certificate: pem, certificate_verify: verify }),
      );
      this.switchToApplication();
    } else if (message.type === 'ServerHello' && 'client' in this.role) {
      this.hellos.push(body);
      this.keys(message.key_share);
    } else if (message.type === 'Certificate+CertificateVerify' && 'client' in this.role) {
      const certificate = decodeCertificate(message.certificate);
      const { servername, trusted } = this.role.client;
      const problem = verifyCertificate(certificate, servername, trusted);
      if (problem)
        return this.abort(
          certificate.issuer === certificate.subject || !trusted.some((c) => c.subject === certificate.issuer)
            ? 48
            : 42,
          problem,
          'ERR_TLS_CERT',
        );
      // Possession of the key: a copied certificate without its private key cannot make this signature.
      if (!verifySignature(certificate, message.certificate_verify, this.transcript())) {
        return this.abort(
          51,
          "SSL routines::bad signature (the server does not hold the certificate's private key)",
          'ERR_TLS_CERT',
        );
      }
      this.peerCertificate = certificate;
      this.switchToApplication();
    } else throw new TlsError(`unexpected handshake message ${message.type}`, 'ERR_TLS_PROTOCOL');
  }

  private transcript(): Uint8Array {
    return sha256(Buffer.concat(this.hellos));
  }

  /** ECDH with the peer's share, then the handshake keys for each direction. */
  private keys(peerShare: string): void {
    const secret = sharedSecret(this.ecdh!, Buffer.from(peerShare, 'base64'));
    const salt = this.transcript();
    const [client, server] = [deriveKeys(secret, salt, 'c hs traffic'), deriveKeys(secret, salt, 's hs traffic')];
    [this.send, this.receive] = 'client' in this.role ? [client, server] : [server, client];
    this.secret = secret;
  }

  private switchToApplication(): void {
    const salt = this.transcript();
    const [client, server] = [
      deriveKeys(this.secret!, salt, 'c ap traffic'),
      deriveKeys(this.secret!, salt, 's ap traffic'),
    ];
    [this.send, this.receive] = 'client' in this.role ? [client, server] : [server, client];
    this.secure = true;
    this.emit('secure');
    for (const { data, done } of this.pending.splice(0)) {
      this.sendRecord(CONTENT.application_data, data);
      done();
    }
  }

  private sendRecord(type: number, data: Buffer): void {
    const keys = this.send!;
    const inner = Buffer.concat([data, Buffer.from([type])]);
    const head = header(CONTENT.application_data, inner.length + 16);
    const sealed = gcm(keys.key, nonce(keys), head).encrypt(inner);
    this.raw.write(Buffer.concat([head, sealed]));
  }

  /** Sends a fatal alert (in clear, as a client that could not trust the server has no keys it trusts) and fails. */
  private abort(description: number, message: string, code: string): void {
    this.raw.end(Buffer.concat([header(CONTENT.alert, 2), Buffer.from([2, description])]));
    throw new TlsError(message, code);
  }

  private fail(error: Error): void {
    if (!this.destroyed) this.destroy(error);
  }
}

/** Client side: wraps a connected (or connecting) stream; writes wait for the handshake. */
export function secureConnect(raw: Duplex, servername: string, trusted: Certificate[]): TlsStream {
  return new TlsStream(raw, { client: { servername, trusted } });
}

/** Server side: wraps an accepted stream with the site's credentials (a HAProxy `crt` file). */
export function secureAccept(raw: Duplex, credentials: Credentials): TlsStream {
  return new TlsStream(raw, { server: credentials });
}
