// TLS termination for a server program (HAProxy's `bind :443 ssl crt site.pem`): a listener that runs the TLS
// model's handshake on every accepted connection and hands the decrypted stream to an ordinary http.Server, so
// the balancer's request path is the same for HTTP and HTTPS. The stream carries `encrypted = true`, which is
// what HAProxy's `ssl_fc` tests.
import net from 'node:net';
import type http from 'node:http';
import { readSessionFile, strerror } from '../../shared/session-folder';
import { readCredentials, type Credentials } from './pki';
import { secureAccept } from './connection';

/** Reads the `crt` file (certificate + private key in one PEM file); throws a message naming the file. */
export async function loadCrt(file: string): Promise<Credentials> {
  let text: string;
  try {
    text = readSessionFile(file);
  } catch (error) {
    throw new Error(`unable to load SSL certificate file '${file}': ${strerror(error)}`);
  }
  return readCredentials(text, file);
}

/** A net.Server to listen with (e.g. net.ts listen(server, ':443')) that serves `app` over the TLS model. */
export async function tlsFront(
  app: http.Server,
  crtFile: string,
  onHandshakeError?: (error: Error, socket: net.Socket) => void,
): Promise<net.Server> {
  const credentials = await loadCrt(crtFile);
  return net.createServer((socket) => {
    const stream = secureAccept(socket, credentials);
    stream.once('error', (error) => onHandshakeError?.(error, socket));
    app.emit('connection', stream);
  });
}
