// The sandbox's network: every node has its own address (10.0.0.11) that learners see in configs, logs and
// firewall rules, but all nodes run on one machine (or one WebContainer) and share loopback. This module maps the
// virtual addresses onto loopback ports and carries the caller's virtual address across the hop, so the code of
// the balancer, the web servers and the store can be written as if the network were real.
//
// With SANDBOX_NET unset (a program started by hand in a terminal) it is a thin pass-through to node:net, on this
// computer's loopback only: `listen(server, ':8080')` listens on 127.0.0.1:8080 and `connect('127.0.0.1:8080')`
// connects to it. A sandbox program is never reachable from the network around the computer, and never reaches it.
//
// With SANDBOX_NET set (the supervisor starts every node that way) the network is a folder that plays the
// part of the switch and the ARP tables:
//   ports/<ip>_<port>   the loopback port where the node that owns <ip>:<port> listens (written by listen())
//   vip/<ip>            the address of the node that currently holds a virtual IP (written by keepalived-like nodes)
//   cut/<ipA>~<ipB>     a cut link between two nodes (written by the supervisor); `*` stands for every node. This
//                       module owns partitions: a new connection across a cut is never answered, and what is
//                       written on one already open is lost (program code never checks a cut itself)
//   capture/<ip>.jsonl  while it exists, the bytes of every connection to or from <ip> (written by connect(), read
//                       by the `sniff` command)
//   firewall/<ip>.json  the node's ufw-like rules (written by the `ufw` command; see ./firewall), applied by
//                       connect() to every new connection towards that node
// One file per entry, written atomically, so several processes can update the network without locks. Entry names
// are addresses and ports, checked as such before use (a name from a config file must never become `../../x`), and
// under the local bridge the folder itself must lie inside the session folder (SANDBOX_ROOT).
//
// Each connection starts with a PROXY protocol v1 line (HAProxy's own way to pass a client's address over a
// hop). The listening side reads it and makes socket.remoteAddress report the caller's virtual address.
import net from 'node:net';
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { join } from 'node:path';
import { decide } from './firewall/ruleset';
import { readRuleset, recordHit } from './firewall/rules-file';
import { report } from '../shared/report';
import { holdWhileFrozen, whenRunning } from '../shared/freeze';
import { sessionPath } from '../shared/session-folder';

const { isIPv4 } = net;

// Read when used, not at import, so a program may set them first (the shell does, from its session folder); checked
// once per value.
let checkedFolder: { given: string; real: string } | undefined;
function networkFolder(): string | undefined {
  const given = process.env.SANDBOX_NET;
  if (!given) return undefined;
  if (checkedFolder?.given !== given) {
    try {
      checkedFolder = { given, real: sessionPath(given) };
    } catch {
      throw new Error(
        `SANDBOX_NET=${given}: the network folder must be inside the session folder ${process.env.SANDBOX_ROOT}`,
      );
    }
  }
  return checkedFolder.real;
}

/** This node's own virtual address (e.g. 10.0.0.11); 127.0.0.1 outside a sandbox. */
export function myAddress(): string {
  const address = process.env.SANDBOX_ADDR ?? '127.0.0.1';
  if (!isIPv4(address))
    throw new Error(`SANDBOX_ADDR=${address}: not an IPv4 address (four numbers from 0 to 255, e.g. 10.0.0.11)`);
  return address;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** What a listener decides about a new connection: let it in, drop it silently, or refuse it. */
export type Admission = 'accept' | 'drop' | 'reject';
export interface Arrival {
  source: Endpoint;
  destination: Endpoint;
}
let admission: (arrival: Arrival) => Admission = () => 'accept';

/** Lets a firewall decide about every connection this process accepts. */
export function setAdmission(decide: (arrival: Arrival) => Admission): void {
  admission = decide;
}

/** Parses "10.0.0.11:80", ":80", "*:80", "[::]:80" or "80" into an endpoint; an empty host means every address of the node. */
export function parseEndpoint(text: string): Endpoint {
  const at = text.lastIndexOf(':');
  const host = at < 0 ? '' : text.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(at < 0 ? text : text.slice(at + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid address '${text}': expected host:port with a port from 0 to 65535`);
  }
  return { host: host === '*' || host === '0.0.0.0' || host === '::' ? '' : host, port };
}

// What each kind of entry is named after: an address, an address and a port, a link between two addresses.
const isPort = (text: string) => /^\d{1,5}$/.test(text) && Number(text) <= 65535;
const isLinkEnd = (text: string) => text === '*' || isIPv4(text);
const ENTRY_NAMES = {
  ports: (name) => /^[^_]+_[^_]+$/.test(name) && isIPv4(name.split('_')[0]) && isPort(name.split('_')[1]),
  vip: isIPv4,
  cut: (name) => /^[^~]+~[^~]+$/.test(name) && name.split('~').every(isLinkEnd),
  capture: (name) => name.endsWith('.jsonl') && isIPv4(name.slice(0, -'.jsonl'.length)),
} satisfies Record<string, (name: string) => boolean>;

function entry(kind: keyof typeof ENTRY_NAMES, name: string): string {
  if (!ENTRY_NAMES[kind](name))
    throw new Error(`${kind}/${name}: not a name of the sandbox network (an IPv4 address such as 10.0.0.11)`);
  return join(networkFolder()!, kind, name);
}

function writeEntry(kind: keyof typeof ENTRY_NAMES, name: string, value: string): void {
  mkdirSync(join(networkFolder()!, kind), { recursive: true });
  const tmp = `${entry(kind, name)}.${process.pid}.tmp`;
  writeFileSync(tmp, value);
  renameSync(tmp, entry(kind, name));
}

function readEntry(kind: keyof typeof ENTRY_NAMES, name: string): string | undefined {
  try {
    return readFileSync(entry(kind, name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * A node whose process ended listens nowhere any more: its entries go. A connection to it is then refused at once,
 * as a host whose server process died resets it, and never dialled through the loopback port it had, which another
 * process may have taken since (or which the caller's own connection may get as its source port: a TCP
 * self-connect). Used by the supervisor when a node exits.
 */
export function forgetListener(ip: string): void {
  if (!networkFolder()) return;
  let names: string[];
  try {
    names = readdirSync(join(networkFolder()!, 'ports'));
  } catch {
    return; // nothing has listened yet
  }
  for (const name of names.filter((n) => n.startsWith(`${ip}_`))) rmSync(entry('ports', name), { force: true });
}

/** Records that `ip` now holds the virtual IP `vip` (what a gratuitous ARP announces); undefined releases it. */
export function announceVip(vip: string, ip: string | undefined): void {
  if (!networkFolder()) return;
  if (ip === undefined) rmSync(entry('vip', vip), { force: true });
  else writeEntry('vip', vip, ip);
}

/** The address of the node holding a virtual IP, or undefined when nobody announced it. */
export function vipHolder(vip: string): string | undefined {
  return networkFolder() ? readEntry('vip', vip) : undefined;
}

/** Every node address that listens on `port` (how a multicast group such as VRRP's 224.0.0.18 reaches its members). */
export function listeners(port: number): string[] {
  if (!networkFolder()) return [];
  const suffix = `_${port}`;
  try {
    return readdirSync(join(networkFolder()!, 'ports'))
      .filter((name) => name.endsWith(suffix))
      .map((name) => name.slice(0, -suffix.length))
      .filter(isIPv4);
  } catch {
    return [];
  }
}

/** Cuts or heals the link between two nodes (by address; '*' for all). Used by the supervisor. */
export function setLinkCut(a: string, b: string, cut: boolean): void {
  if (!networkFolder()) return;
  for (const name of [`${a}~${b}`, `${b}~${a}`]) {
    if (cut) writeEntry('cut', name, '');
    else rmSync(entry('cut', name), { force: true });
  }
}

export function isLinkCut(a: string, b: string): boolean {
  if (!networkFolder() || !isLinkEnd(a) || !isLinkEnd(b)) return false;
  return [`${a}~${b}`, `${a}~*`, `*~${b}`].some((name) => existsSync(entry('cut', name)));
}

/** Which node answers for an address: a virtual IP resolves to the node holding it. */
function owner(ip: string): string {
  const holder = readEntry('vip', ip);
  return holder !== undefined && isIPv4(holder) ? holder : ip;
}

/** The loopback port behind a virtual endpoint, or undefined when nothing ever listened there. */
export function localPort(target: Endpoint): number | undefined {
  const port = readEntry('ports', `${owner(target.host)}_${target.port}`);
  return port !== undefined && isPort(port) && Number(port) > 0 ? Number(port) : undefined;
}

let nextSourcePort = 32768;

/**
 * Opens a TCP connection to a virtual "host:port", like net.connect. A connection over a cut link is never
 * answered (as across a real partition), so the caller's connect timeout is what ends it.
 */
export function connect(address: string | Endpoint): net.Socket {
  const socket = open(address);
  holdWhileFrozen(socket);
  return socket;
}

function open(address: string | Endpoint): net.Socket {
  const target = typeof address === 'string' ? parseEndpoint(address) : address;
  if (!networkFolder()) {
    // By hand, a sandbox program reaches this computer only: a config pasted from elsewhere must not make it a
    // client of the learner's network.
    if (isLoopback(target.host))
      return net.connect(target.port, target.host && target.host !== 'localhost' ? target.host : '127.0.0.1');
    return failing(
      'ENETUNREACH',
      target,
      ` (outside a sandbox, its programs connect to this computer's loopback only, e.g. 127.0.0.1:${target.port})`,
    );
  }
  // Inside the sandbox only the topology's own addresses exist; anything else is refused as a closed port.
  if (!isIPv4(target.host)) return failing('ECONNREFUSED', target);

  if (isLinkCut(myAddress(), owner(target.host))) return unanswered();
  // The destination's firewall meets the connection on its way in: a dropped SYN is never answered, a rejected
  // one is refused, as a port scanner sees them (filtered / closed).
  const verdict = firewall(owner(target.host), target.port);
  if (verdict === 'drop') return unanswered();
  const port = localPort(target);
  if (port === undefined || verdict === 'reject') {
    // Nothing listens there (never did, or its node has ended; or the firewall rejects): the host answers with a
    // reset, which Node reports as ECONNREFUSED.
    return failing('ECONNREFUSED', target);
  }
  const socket = net.connect(port, '127.0.0.1');
  // When the node behind that port is gone, the refusal must name the address the caller dialled, as a real host's
  // reset would, not the loopback port of this machinery.
  socket.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (error.syscall === 'connect') asDialled(error, target);
  });
  // Like an ephemeral port; unique enough to tell a node's connections apart in logs.
  const sourcePort = (nextSourcePort = nextSourcePort >= 60999 ? 32768 : nextSourcePort + 1);
  socket.write(`PROXY TCP4 ${myAddress()} ${target.host} ${sourcePort} ${target.port}\r\n`);
  pretend(socket, { host: myAddress(), port: sourcePort }, target, 'local');
  tap(socket, { host: myAddress(), port: sourcePort }, target, owner(target.host));
  partitioned(socket);
  return socket;
}

/**
 * A partition reaches the connections already open across it too: what either end writes while their link is cut
 * is lost, as packets are, and nothing is closed. Requests then time out, and a stream sees a gap once the link
 * heals (the store's standby drops its connection on one and reconnects). Set last, so the capture tap records only
 * what got through.
 */
function partitioned(socket: net.Socket): void {
  const { write } = socket;
  socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    const cut = isLinkCut(myAddress(), this.remoteAddress ?? '');
    if (!cut) return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    // Sent, as far as the writer can tell: the callback runs and nothing waits to drain.
    const sent = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (sent) process.nextTick(sent);
    return true;
  } as typeof socket.write;
}

/**
 * Copies the bytes of a connection into the capture file of either end while someone sniffs there (the `sniff`
 * command creates capture/<ip>.jsonl), as a port mirror on the switch would: one JSON line per chunk.
 */
function tap(socket: net.Socket, source: Endpoint, destination: Endpoint, destinationNode: string): void {
  const files = [source.host, destinationNode]
    .map((ip) => entry('capture', `${ip}.jsonl`))
    .filter((file) => existsSync(file));
  if (files.length === 0) return;
  const record = (from: Endpoint, to: Endpoint, chunk: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    const line =
      JSON.stringify({
        t: Date.now(),
        src: `${from.host}:${from.port}`,
        dst: `${to.host}:${to.port}`,
        data: data.toString('base64'),
      }) + '\n';
    // Only while the capture lasts: `sniff` removes the file when it stops.
    for (const file of files) if (existsSync(file)) appendFileSync(file, line);
  };
  const { write, end } = socket;
  socket.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
    record(source, destination, chunk);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof socket.write;
  socket.end = function (this: net.Socket, chunk?: unknown, ...rest: unknown[]) {
    record(source, destination, chunk);
    return (end as (...a: unknown[]) => net.Socket).call(this, chunk, ...rest);
  } as typeof socket.end;
  socket.on('data', (chunk: Buffer) => record(destination, source, chunk));
}

/** What the destination node's firewall (see ./firewall) does with a new connection from this node. */
function firewall(destination: string, port: number): 'accept' | 'drop' | 'reject' {
  const folder = networkFolder()!;
  const { verdict, rule } = decide(readRuleset(folder, destination), myAddress(), destination, port, () =>
    recordHit(folder, destination, myAddress()),
  );
  if (verdict !== 'accept') {
    // ufw logs blocked packets as [UFW BLOCK] (and [UFW LIMIT BLOCK]); here the event says who was stopped where.
    const action = verdict === 'drop' ? 'DROP' : rule?.action === 'limit' ? 'LIMIT' : 'REJECT';
    report({ type: 'firewall.block', action, source: myAddress(), destination: `${destination}:${port}` });
  }
  return verdict;
}

/**
 * A failed connection's error as node:net words it, naming the address the caller dialled (`connect ECONNREFUSED
 * 10.0.0.21:5432`, with syscall, address and port, which psql's message in the shell reads), never the loopback
 * port of this machinery; `why` is said after it.
 */
function asDialled(error: NodeJS.ErrnoException, target: Endpoint, why = ''): NodeJS.ErrnoException {
  return Object.assign(error, {
    message: `connect ${error.code} ${target.host}:${target.port}${why}`,
    syscall: 'connect',
    address: target.host,
    port: target.port,
  });
}

/** A socket whose connection attempt to `target` fails at once with `code`, as node:net's would. */
function failing(code: string, target: Endpoint, why?: string): net.Socket {
  const socket = new net.Socket();
  const error = asDialled(Object.assign(new Error(), { code }), target, why);
  queueMicrotask(() => socket.destroy(error));
  return socket;
}

/** This computer's own addresses, the only ones a program outside a sandbox network may use. */
function isLoopback(host: string): boolean {
  return host === '' || host === 'localhost' || host === '::1' || (isIPv4(host) && host.startsWith('127.'));
}

/** A socket whose connection attempt never completes, like a SYN lost in a partition: writes wait, nothing arrives. */
function unanswered(): net.Socket {
  const socket = new net.Socket();
  // node:net queues writes while `connecting` is true; it stays true until the caller gives up and destroys it.
  Object.assign(socket, { connecting: true });
  return socket;
}

/** Makes a socket report virtual addresses, so code reading socket.remoteAddress sees the sandbox's network. */
function pretend(socket: net.Socket, source: Endpoint, destination: Endpoint, side: 'local' | 'remote'): void {
  const [mine, theirs] = side === 'remote' ? [destination, source] : [source, destination];
  Object.defineProperties(socket, {
    remoteAddress: { value: theirs.host, configurable: true },
    remotePort: { value: theirs.port, configurable: true },
    localAddress: { value: mine.host, configurable: true },
    localPort: { value: mine.port, configurable: true },
  });
}

const IP = '(\\d{1,3}(?:\\.\\d{1,3}){3})';
const PROXY_LINE = new RegExp(`^PROXY TCP4 ${IP} ${IP} (\\d{1,5}) (\\d{1,5})\r\n`);

/**
 * Makes `server` (a net.Server or http.Server) accept connections at a virtual "host:port" (":80" means every
 * address of this node). Resolves once it listens; rejects with EADDRINUSE-style errors as node:net does.
 */
export function listen(server: net.Server, address: string): Promise<Endpoint> {
  try {
    const wanted = parseEndpoint(address);
    return networkFolder() ? listenInSandbox(server, wanted) : listenOnLoopback(server, wanted);
  } catch (error) {
    return Promise.reject(error); // a bad address or a bad SANDBOX_NET / SANDBOX_ADDR
  }
}

const unavailable = (host: string, port: number, why: string) =>
  Promise.reject(
    Object.assign(new Error(`listen EADDRNOTAVAIL: address not available ${host}:${port} (${why})`), {
      code: 'EADDRNOTAVAIL',
    }),
  );

/** By hand: on 127.0.0.1 whatever the address says (":80", "*:80", "0.0.0.0:80"), never on the computer's network. */
function listenOnLoopback(server: net.Server, wanted: Endpoint): Promise<Endpoint> {
  if (!isLoopback(wanted.host)) {
    return unavailable(
      wanted.host,
      wanted.port,
      `outside a sandbox, its programs listen on this computer's loopback only: use :${wanted.port} or 127.0.0.1:${wanted.port}`,
    );
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted.port, wanted.host && wanted.host !== 'localhost' ? wanted.host : '127.0.0.1', () => {
      server.off('error', reject);
      const bound = server.address() as net.AddressInfo;
      resolve({ host: wanted.host || myAddress(), port: bound.port });
    });
  });
}

function listenInSandbox(server: net.Server, wanted: Endpoint): Promise<Endpoint> {
  const host = wanted.host || myAddress();
  if (host !== myAddress() && !(isIPv4(host) && readEntry('vip', host) === myAddress()))
    return unavailable(host, wanted.port, `this node is ${myAddress()}`);
  // A frozen node's kernel still accepts the connection (the backlog); the node looks at it once resumed.
  const front = net.createServer((socket) => whenRunning(() => admit(server, socket, { host, port: wanted.port })));
  server.once('close', () => front.close());
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => {
      front.off('error', reject);
      writeEntry('ports', `${myAddress()}_${wanted.port}`, String((front.address() as net.AddressInfo).port));
      resolve({ host, port: wanted.port });
    });
  });
}

/** Reads the PROXY line, asks the firewall, then hands the socket to the real server. */
function admit(server: net.Server, socket: net.Socket, destination: Endpoint): void {
  holdWhileFrozen(socket);
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const match = PROXY_LINE.exec(text);
    if (!match && text.length < 108 && !text.includes('\n')) return; // the line is not complete yet
    socket.off('data', onData);
    socket.pause();
    // Connections from outside the sandbox (no PROXY line) keep their real loopback address.
    const source = match
      ? { host: match[1], port: Number(match[3]) }
      : { host: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0 };
    const rest = match ? head.subarray(match[0].length) : head;
    const verdict = isLinkCut(source.host, myAddress()) ? 'drop' : admission({ source, destination });
    if (verdict === 'reject') return void socket.destroy();
    if (verdict === 'drop') return void socket.resume(); // read and ignore, never answer: the caller times out
    pretend(socket, source, destination, 'remote');
    partitioned(socket);
    if (rest.length) socket.unshift(rest);
    server.emit('connection', socket);
    socket.resume();
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}
