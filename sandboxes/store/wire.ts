// The store's protocol: one JSON object per line over TCP, in both directions (clients, the monitor and standbys
// all speak it). A request carries an `id` that its reply repeats, so a client may send many without waiting:
//
//   → {"id":1,"op":"set","key":"user:1","value":"alice"}
//   ← {"id":1,"ok":true,"lsn":"0/1A2"}
//   → {"id":2,"op":"set","key":"user:2","value":"bob"}          (sent to a standby)
//   ← {"id":2,"ok":false,"error":"ERROR:  cannot execute INSERT in a read-only transaction","sqlstate":"25006"}
//
// Operations: get, set, del, status, promote, rejoin, heartbeat, set_config, identify_system, start_replication (after
// which the connection carries the WAL stream, see walsender.ts). See README.md for the fields of each.
import type net from 'node:net';
import { connect } from '../network/net';

/** Longest line accepted: bigger requests are refused and the connection closed (a value is capped lower). */
export const MAX_LINE_BYTES = 1 << 20;

export type Message = Record<string, unknown>;

/** Calls `onMessage` for every JSON line read from `socket`; `onBad` for a line that is not a JSON object. */
export function readLines(
  socket: net.Socket,
  onMessage: (message: Message) => void,
  onBad: (problem: string) => void,
): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) parseLine(line, onMessage, onBad);
    }
    if (Buffer.byteLength(buffered) > MAX_LINE_BYTES) {
      onBad(`request too long: more than ${MAX_LINE_BYTES} bytes without a newline; send one JSON object per line`);
      socket.destroy();
    }
  });
}

function parseLine(line: string, onMessage: (message: Message) => void, onBad: (problem: string) => void): void {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return onBad(
      `syntax error: expected one JSON object per line, like {"id":1,"op":"get","key":"k"}; got: ${line.slice(0, 80)}`,
    );
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return onBad(`syntax error: expected a JSON object, like {"id":1,"op":"get","key":"k"}; got: ${line.slice(0, 80)}`);
  }
  onMessage(message as Message);
}

/**
 * Sends one message. Across a link the supervisor has cut, the network loses it, as packets are in a partition, even
 * on a connection opened before the cut (../network/net.ts): requests then time out, and a standby sees a gap in
 * its stream and reconnects.
 */
export function send(socket: net.Socket, message: Message): void {
  if (socket.destroyed) return;
  socket.write(JSON.stringify(message) + '\n');
}

/** A client connection: request() sends a request and resolves with its reply (or rejects after `timeoutMs`). */
export class Connection {
  private socket: net.Socket;
  private nextId = 1;
  private waiting = new Map<
    number,
    { resolve: (reply: Message) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  closed = false;

  /** `onMessage` receives what is not a reply (the WAL stream). */
  constructor(
    readonly address: string,
    onMessage: (message: Message) => void = () => {},
    private onClose: (error?: Error) => void = () => {},
  ) {
    this.socket = connect(address);
    this.socket.setNoDelay(true);
    readLines(
      this.socket,
      (message) => {
        const pending = typeof message.id === 'number' ? this.waiting.get(message.id) : undefined;
        if (!pending) return onMessage(message);
        this.waiting.delete(message.id as number);
        clearTimeout(pending.timer);
        pending.resolve(message);
      },
      (problem) => this.close(new Error(`bad reply from ${address}: ${problem}`)),
    );
    this.socket.on('error', (error) => this.close(error));
    this.socket.on('close', () => this.close(new Error(`connection to ${address} closed`)));
  }

  request(message: Message, timeoutMs = 5000): Promise<Message> {
    if (this.closed) return Promise.reject(new Error(`connection to ${this.address} is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`timeout: no reply from ${this.address} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      send(this.socket, { id, ...message });
    });
  }

  /** Sends a message that expects no reply (standby status updates). */
  post(message: Message): void {
    send(this.socket, message);
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    for (const { reject, timer } of this.waiting.values()) {
      clearTimeout(timer);
      reject(error ?? new Error(`connection to ${this.address} closed`));
    }
    this.waiting.clear();
    this.onClose(error);
  }
}
