// The requests a store node answers (the protocol of wire.ts): each line is checked, then handed to the node.
// A connection that asks for START_REPLICATION becomes a WAL stream, whose lines are then standby status updates.
import type net from 'node:net';
import { parseLsn } from '../contracts/lsn';
import { sentAt, type StoreNode } from './node';
import type { WalSender } from './walsender';
import { readLines, send, type Message } from './wire';

export function serveConnection(node: StoreNode, socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let sender: WalSender | undefined;
  const gone = new AbortController();
  readLines(
    socket,
    (message) => {
      if (sender) return node.standbyReplied(sender, message);
      const reply = (answer: Message) => send(socket, { id: message.id, ...answer });
      try {
        sender = handle(node, message, reply, socket, gone.signal);
      } catch (error) {
        reply({ ok: false, error: `ERROR:  ${(error as Error).message}` });
      }
    },
    (problem) => send(socket, { ok: false, error: `ERROR:  ${problem}` }),
  );
  socket.on('close', () => {
    gone.abort();
    if (sender) node.standbyGone(sender);
  });
}

/** Answers one request; returns a WalSender when the connection becomes a replication stream. */
function handle(
  node: StoreNode,
  message: Message,
  reply: (answer: Message) => void,
  socket: net.Socket,
  gone: AbortSignal,
): WalSender | undefined {
  switch (message.op) {
    case 'get':
      return void node.read(
        checkKey(message.key),
        message.after === undefined ? undefined : parseLsn(String(message.after)),
        Number(message.timeout_ms ?? 1000),
        reply,
        gone,
      );
    case 'set':
      return void node.write(
        { op: 'set', key: checkKey(message.key), value: checkValue(message.value, node.maxValueBytes) },
        reply,
      );
    case 'del':
      return void node.write({ op: 'del', key: checkKey(message.key) }, reply);
    case 'status':
      return void reply({ ok: true, ...node.status() });
    case 'heartbeat':
      node.heartbeat(message);
      return void reply({ ok: true, ...node.status() });
    case 'promote':
      return void node.promote(Number(message.lease_ms ?? 0), sentAt(message), reply);
    case 'rejoin':
      if (typeof message.primary !== 'string' || !/:\d+$/.test(message.primary))
        throw new Error('rejoin: expected "primary": "HOST:PORT"');
      if (message.primary === node.address) throw new Error('rejoin: a node cannot follow itself');
      node.rejoin(message.primary);
      return void reply({ ok: true, ...node.status() });
    case 'demote':
      if (typeof message.candidate !== 'string' || !/:\d+$/.test(message.candidate))
        throw new Error('demote: expected "candidate": "HOST:PORT"');
      if (message.candidate === node.address) throw new Error('demote: a node cannot hand over to itself');
      return void node.demote(message.candidate, Math.min(Number(message.timeout_ms ?? 5000) || 5000, 60_000), reply);
    case 'set_config':
      return void reply(node.setConfig(message));
    case 'reload':
      return void reply(node.reload());
    case 'identify_system':
      return void reply(node.identify());
    case 'start_replication':
      return node.startReplication(message, reply, socket);
    default:
      throw new Error(
        `unknown op ${JSON.stringify(message.op)}: expected get, set, del, status, promote, rejoin, demote, heartbeat, set_config, reload, identify_system or start_replication`,
      );
  }
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key === '' || key.length > 256) {
    throw new Error(
      `invalid key ${JSON.stringify(key) ?? '(missing)'}: expected a non-empty string of at most 256 characters`,
    );
  }
  return key;
}

function checkValue(value: unknown, max: number): string {
  if (typeof value !== 'string')
    throw new Error(`invalid value: expected a string, got ${JSON.stringify(value) ?? 'nothing'}`);
  const bytes = Buffer.byteLength(value);
  if (bytes > max) throw new Error(`value too long: ${bytes} bytes, the limit is ${max} (store --max-value-bytes)`);
  return value;
}
