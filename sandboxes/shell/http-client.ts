// One HTTP/1.1 exchange over the sandbox network, written by hand rather than with node:http so that the bytes on
// the wire are exactly curl's (node:http always adds a Connection header; curl sends none) and so that every way
// a request can fail maps onto curl's own error number and text, which `curl` and `load` both report.
import type { Duplex } from 'node:stream';
import { connect } from '../network/net';
import type { Certificate } from '../network/tls/pki';
import type { TlsStream } from '../network/tls/connection';

export interface HttpRequest {
  method: string;
  host: string;
  port: number;
  path: string;
  /** In sending order; the caller decides (curl sends Host, User-Agent, Accept, then -H headers). */
  headers: [string, string][];
  body?: string;
  /** curl's --connect-timeout (its default is 300 s). */
  connectTimeoutMs?: number;
  /** curl's -m/--max-time: the whole exchange. */
  maxTimeMs?: number;
  signal?: AbortSignal;
  /** For https: the name the certificate must carry and the certificates trusted to vouch for it. */
  tls?: { servername: string; trusted: Certificate[] };
  /** Called once connected: -v prints "* Connected to ...". */
  onConnected?(): void;
  /** Called once the TLS handshake is done, with the server's (verified) certificate. */
  onSecure?(certificate: Certificate): void;
}

export interface HttpResponse {
  statusLine: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
  /** Whether the server will close the connection (curl then says "Closing connection" rather than "left intact"). */
  closing: boolean;
}

/** A failure with curl's exit code and message, e.g. (7) "Failed to connect to 10.0.0.2 port 80 after 0 ms: ...". */
export class CurlError extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** The short form of the failure for summaries (`load` counts errors by kind). */
    readonly kind: string,
  ) {
    super(message);
  }
}

export function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** The request's bytes exactly as they go on the wire. */
export function requestHead(request: HttpRequest): string {
  const lines = [`${request.method} ${request.path} HTTP/1.1`, ...request.headers.map(([k, v]) => `${k}: ${v}`)];
  return lines.join('\r\n') + '\r\n\r\n';
}

/**
 * The TLS model, loaded by the first https request rather than by every shell's start: its ciphers and curves
 * precompute their tables as they load, a quarter of the CPU of a shell's start (bench/process-start.mjs), and each
 * page starts two shells before its first request. `load` calls it before its clock starts.
 */
export const loadTls = () => import('../network/tls/connection');

export async function exchange(request: HttpRequest): Promise<HttpResponse> {
  const tls = request.tls && (await loadTls());
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    const target = `${request.host} port ${request.port}`;
    let connected = false;
    let received = Buffer.alloc(0);
    let head: (Omit<HttpResponse, 'body'> & { bodyStart: number }) | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const raw = connect({ host: request.host, port: request.port });
    // Over https the request and the answer go through the sandbox's TLS model (../network/tls), which checks the
    // certificate as curl does before a single byte of the request leaves.
    const socket: Duplex =
      tls && request.tls ? tls.secureConnect(raw, request.tls.servername, request.tls.trusted) : raw;
    const finish = (error: CurlError | undefined, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      request.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const onAbort = () => finish(new CurlError(42, 'Operation was aborted by an application callback', 'aborted'));
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener('abort', onAbort);

    timers.push(
      setTimeout(() => {
        if (!connected)
          finish(
            new CurlError(
              28,
              `Failed to connect to ${target} after ${elapsed()} ms: Timeout was reached`,
              'connect timeout',
            ),
          );
      }, request.connectTimeoutMs ?? 300_000),
    );
    if (request.maxTimeMs !== undefined) {
      timers.push(
        setTimeout(() => {
          const message = connected
            ? `Operation timed out after ${elapsed()} milliseconds with ${head ? received.length - head.bodyStart : 0} bytes received`
            : `Connection timed out after ${elapsed()} milliseconds`;
          finish(new CurlError(28, message, 'timeout'));
        }, request.maxTimeMs),
      );
    }

    raw.on('connect', () => {
      connected = true;
      request.onConnected?.();
      socket.write(requestHead(request) + (request.body ?? ''));
    });
    let secured = false;
    let rawBytes = 0;
    raw.on('data', (chunk: Buffer) => (rawBytes += chunk.length));
    socket.on('secure', () => {
      secured = true;
      request.onSecure?.((socket as TlsStream).peerCertificate!);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        head ??= parseHead(received);
        const body = head && bodyIfComplete(head, received, request.method, false);
        if (head && body) finish(undefined, { ...head, body });
      } catch (error) {
        finish(error as CurlError);
      }
    });
    socket.on('end', () => {
      if (request.tls && !secured) {
        // The server hung up during the handshake: it answered with something that is not TLS (a plain HTTP
        // port answers the ClientHello with a 400), or with nothing at all. OpenSSL's words for each, via curl.
        const text = rawBytes
          ? 'error:0A00010B:SSL routines::wrong version number'
          : `OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to ${request.host}:${request.port} `;
        return finish(new CurlError(35, text, 'TLS handshake'));
      }
      if (!head) {
        if (received.length === 0) return finish(new CurlError(52, 'Empty reply from server', 'empty reply'));
        return finish(new CurlError(1, 'Received HTTP/0.9 when not allowed', 'bad response'));
      }
      try {
        finish(undefined, { ...head, body: bodyIfComplete(head, received, request.method, true)! });
      } catch (error) {
        finish(error as CurlError);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (tls && error instanceof tls.TlsError) {
        // curl's numbers: 60 for a certificate it cannot trust, 35 for any other handshake failure.
        if (error.code === 'ERR_TLS_CERT') return finish(new CurlError(60, error.message, 'certificate problem'));
        const text =
          error.code === 'ERR_TLS_PROTOCOL' ? 'error:0A00010B:SSL routines::wrong version number' : error.message;
        return finish(new CurlError(35, text, 'TLS handshake'));
      }
      if (!connected) {
        finish(
          new CurlError(
            7,
            `Failed to connect to ${target} after ${elapsed()} ms: Couldn't connect to server`,
            'connection refused',
          ),
        );
      } else if (error.code === 'ECONNRESET') {
        finish(new CurlError(56, 'Recv failure: Connection reset by peer', 'connection reset'));
      } else {
        finish(new CurlError(56, `Recv failure: ${error.message}`, 'receive failure'));
      }
    });
  });
}

function parseHead(received: Buffer): (Omit<HttpResponse, 'body'> & { bodyStart: number }) | undefined {
  let start = 0;
  for (;;) {
    const end = received.indexOf('\r\n\r\n', start);
    if (end < 0) return undefined;
    const [statusLine, ...lines] = received.subarray(start, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) throw new CurlError(1, 'Received HTTP/0.9 when not allowed', 'bad response');
    const status = Number(match[1]);
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    // An interim 100 Continue is followed by the real response.
    if (status >= 100 && status < 200) {
      start = end + 4;
      continue;
    }
    const connection = header(headers, 'connection')?.toLowerCase();
    const closing = connection === 'close' || (statusLine.startsWith('HTTP/1.0') && connection !== 'keep-alive');
    return { statusLine, status, headers, closing, bodyStart: end + 4 };
  }
}

/** The body once all of it has arrived (by Content-Length, chunked encoding, or the server closing). */
function bodyIfComplete(
  head: Omit<HttpResponse, 'body'> & { bodyStart: number },
  received: Buffer,
  method: string,
  ended: boolean,
): Buffer | undefined {
  const raw = received.subarray(head.bodyStart);
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return Buffer.alloc(0);
  if (header(head.headers, 'transfer-encoding')?.toLowerCase().includes('chunked')) {
    const body = dechunk(raw);
    if (body) return body;
    if (ended) throw new CurlError(18, 'transfer closed with outstanding read data remaining', 'partial body');
    return undefined;
  }
  const length = header(head.headers, 'content-length');
  if (length !== undefined) {
    const size = Number(length);
    if (raw.length >= size) return raw.subarray(0, size);
    if (ended)
      throw new CurlError(18, `transfer closed with ${size - raw.length} bytes remaining to read`, 'partial body');
    return undefined;
  }
  return ended ? raw : undefined; // no length: the body ends when the server closes
}

/** Decodes a complete chunked body, or undefined while the last (zero-size) chunk has not arrived. */
function dechunk(raw: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(raw.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size))
      throw new CurlError(56, 'Illegal or missing hexadecimal sequence in chunked-encoding', 'bad response');
    if (size === 0) return raw.indexOf('\r\n\r\n', lineEnd) >= 0 ? Buffer.concat(parts) : undefined; // last chunk, then trailers end with an empty line
    if (raw.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
