// A model of a TLS 1.3 connection over any byte stream, built from WebCrypto only (see pki.ts for why):
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
import { decodeCertificate, sign, verifyCertificate, verifySignature, type Certificate, type Credentials } from './pki';

const subtle = globalThis.crypto.subtle;
export const CONTENT = { alert: 21, handshake: 22, application_data: 23 } as const;
// TLS alert descriptions (RFC 8446 6.2) for the failures this model can have.
const ALERTS: Record<number, string> = { 42: 'bad certificate', 48: 'unknown ca', 51: 'decrypt error', 40: 'handshake failure' };

interface Keys {
  key: CryptoKey;
  iv: Uint8Array<ArrayBuffer>;
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

async function deriveKeys(secret: CryptoKey, salt: ArrayBuffer, label: string): Promise<Keys> {
  const bits = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: new TextEncoder().encode(label) }, secret, 28 * 8));
  return { key: await subtle.importKey('raw', bits.slice(0, 16), 'AES-GCM', false, ['encrypt', 'decrypt']), iv: bits.slice(16), seq: 0n };
}

/** TLS 1.3's per-record nonce: the IV XORed with the record's sequence number. */
function nonce(keys: Keys): Uint8Array<ArrayBuffer> {
  const n = keys.iv.slice();
  const seq = keys.seq++;
  for (let i = 0; i < 8; i++) n[11 - i] ^= Number((seq >> BigInt(8 * i)) & 0xffn);
  return n;
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
  private ecdh?: CryptoKeyPair;
  private hellos: Buffer[] = [];
  private secret?: CryptoKey;

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
    this.chain.then(() => this.raw.end(), () => undefined).then(() => done());
  }

  _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.raw.destroy();
    for (const p of this.pending.splice(0)) p.done(error ?? new Error('TLS connection closed'));
    done(error);
  }

  private async hello(): Promise<void> {
    this.ecdh = (await subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
    const share = Buffer.from(await subtle.exportKey('raw', this.ecdh.publicKey)).toString('base64');
    const random = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('hex');
    const message = 'client' in this.role ? { type: 'ClientHello', random, server_name: this.role.client.servername, key_share: share } : { type: 'ServerHello', random, key_share: share };
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

  private async onRecord(record: Buffer): Promise<void> {
    if (this.destroyed) return;
    let type = record[0];
    let body = record.subarray(5);
    if (type === CONTENT.application_data) {
      if (!this.receive) throw new TlsError('unexpected encrypted record before the handshake', 'ERR_TLS_PROTOCOL');
      const plain = Buffer.from(await subtle.decrypt({ name: 'AES-GCM', iv: nonce(this.receive), additionalData: new Uint8Array(record.subarray(0, 5)) }, this.receive.key, new Uint8Array(body)).catch(() => {
        throw new TlsError('bad record MAC: the record was changed on the way or keys differ', 'ERR_TLS_BAD_RECORD_MAC');
      }));
      type = plain[plain.length - 1];
      body = plain.subarray(0, -1);
    }
    if (type === CONTENT.alert) throw new TlsError(`tlsv1 alert ${ALERTS[body[1]] ?? body[1]}`, 'ERR_TLS_ALERT');
    if (type === CONTENT.application_data) return void this.push(body);
    if (type !== CONTENT.handshake) throw new TlsError(`unknown record type ${type}`, 'ERR_TLS_PROTOCOL');
    const message = JSON.parse(body.toString('utf8'));
    if (message.type === 'ClientHello' && 'server' in this.role) {
      this.hellos.push(body);
      await this.hello();
      await this.keys(message.key_share);
      const transcript = await this.transcript();
      const { pem, key } = this.role.server;
      const verify = await sign(key, transcript);
      await this.sendRecord(CONTENT.handshake, text({ type: 'Certificate+CertificateVerify', certificate: pem, certificate_verify: verify }));
      await this.switchToApplication();
    } else if (message.type === 'ServerHello' && 'client' in this.role) {
      this.hellos.push(body);
      await this.keys(message.key_share);
    } else if (message.type === 'Certificate+CertificateVerify' && 'client' in this.role) {
      const certificate = decodeCertificate(message.certificate);
      const { servername, trusted } = this.role.client;
      const problem = await verifyCertificate(certificate, servername, trusted);
      if (problem) return this.abort(certificate.issuer === certificate.subject || !trusted.some((c) => c.subject === certificate.issuer) ? 48 : 42, problem, 'ERR_TLS_CERT');
      // Possession of the key: a copied certificate without its private key cannot make this signature.
      if (!(await verifySignature(certificate, message.certificate_verify, await this.transcript()))) {
        return this.abort(51, 'SSL routines::bad signature (the server does not hold the certificate\'s private key)', 'ERR_TLS_CERT');
      }
      this.peerCertificate = certificate;
      await this.switchToApplication();
    } else throw new TlsError(`unexpected handshake message ${message.type}`, 'ERR_TLS_PROTOCOL');
  }

  private async transcript(): Promise<Uint8Array> {
    return new Uint8Array(await subtle.digest('SHA-256', Buffer.concat(this.hellos)));
  }

  /** ECDH with the peer's share, then the handshake keys for each direction. */
  private async keys(peerShare: string): Promise<void> {
    const peer = await subtle.importKey('raw', Buffer.from(peerShare, 'base64'), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    const shared = await subtle.deriveBits({ name: 'ECDH', public: peer }, this.ecdh!.privateKey, 256);
    const secret = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveBits']);
    const salt = (await this.transcript()).buffer as ArrayBuffer;
    const [client, server] = [await deriveKeys(secret, salt, 'c hs traffic'), await deriveKeys(secret, salt, 's hs traffic')];
    [this.send, this.receive] = 'client' in this.role ? [client, server] : [server, client];
    this.secret = secret;
  }


  private async switchToApplication(): Promise<void> {
    const salt = (await this.transcript()).buffer as ArrayBuffer;
    const [client, server] = [await deriveKeys(this.secret!, salt, 'c ap traffic'), await deriveKeys(this.secret!, salt, 's ap traffic')];
    [this.send, this.receive] = 'client' in this.role ? [client, server] : [server, client];
    this.secure = true;
    this.emit('secure');
    for (const { data, done } of this.pending.splice(0)) await this.sendRecord(CONTENT.application_data, data).then(() => done(), done);
  }

  private async sendRecord(type: number, data: Buffer): Promise<void> {
    const keys = this.send!;
    const inner = Buffer.concat([data, Buffer.from([type])]);
    const head = header(CONTENT.application_data, inner.length + 16);
    const sealed = Buffer.from(await subtle.encrypt({ name: 'AES-GCM', iv: nonce(keys), additionalData: new Uint8Array(head) }, keys.key, inner));
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
