// The part of tcpdump's filter language (pcap-filter(7)) that a capture in this sandbox needs: `host ADDR`, `port N`,
// `net ADDR/BITS`, each with an optional `src`/`dst` (or `src or dst`, `src and dst`) and `tcp`/`ip` in front,
// combined with `and`/`&&`, `or`/`||`, `not`/`!` and parentheses. As in libpcap, `not` binds tightest and `and` and
// `or` have the same precedence, read left to right; a bare id after and/or takes the qualifiers of the primitive
// before it (`port 80 or 443`). Errors are worded as tcpdump 4.99 (libpcap 1.10) words them.
import { isIPv4 } from 'node:net';

/** One captured chunk's ends, "10.0.0.2:80". */
export interface Ends {
  src: string;
  dst: string;
}

export type Filter = (packet: Ends) => boolean;

type Dir = 'src' | 'dst' | 'src or dst' | 'src and dst';
type Kind = 'host' | 'port' | 'net';
interface Qualifiers {
  proto?: 'tcp' | 'ip' | 'udp';
  dir?: Dir;
  kind?: Kind;
}

export class FilterError extends Error {}

// The services of /etc/services a learner may name here.
const SERVICES: Record<string, number> = { http: 80, https: 443, postgresql: 5432, ssh: 22, domain: 53 };
const KINDS = new Set(['host', 'port', 'net']);
const PROTOS = new Set(['tcp', 'ip', 'udp']);
const AND = new Set(['and', '&&']);
const OR = new Set(['or', '||']);
const NOT = new Set(['not', '!']);
/** Words that are the language's own, never an id. */
const RESERVED = new Set([...KINDS, ...PROTOS, ...AND, ...OR, ...NOT, 'src', 'dst', '(', ')']);

const syntax = () => new FilterError("can't parse filter expression: syntax error");

/**
 * Compiles an expression (the words after the node, joined) into a test on a packet's ends. `lookup` gives the
 * address of a host name (the sandbox's node names), as tcpdump asks the resolver.
 */
export function compileFilter(expression: string, lookup: (name: string) => string | undefined): Filter {
  const tokens = expression.match(/&&|\|\||[()!]|[^\s()!]+/g) ?? [];
  if (tokens.length === 0) return () => true;
  let at = 0;
  let last: Qualifiers | undefined;
  const peek = () => tokens[at];

  function expr(): Filter {
    let left = term();
    while (peek() !== undefined && (AND.has(peek()) || OR.has(peek()))) {
      const both = AND.has(tokens[at++]);
      const [a, b] = [left, term()];
      left = both ? (p) => a(p) && b(p) : (p) => a(p) || b(p);
    }
    return left;
  }

  function term(): Filter {
    const token = tokens[at];
    if (token === undefined) throw syntax();
    if (NOT.has(token)) {
      at++;
      const inner = term();
      return (p) => !inner(p);
    }
    if (token === '(') {
      at++;
      const inner = expr();
      if (tokens[at++] !== ')') throw syntax();
      last = undefined; // qualifiers are not carried out of parentheses
      return inner;
    }
    return primitive();
  }

  function primitive(): Filter {
    const q: Qualifiers = {};
    if (PROTOS.has(peek())) q.proto = tokens[at++] as Qualifiers['proto'];
    if (peek() === 'src' || peek() === 'dst') {
      q.dir = tokens[at++] as Dir;
      // "src or dst" / "src and dst" are one qualifier when the word after the and/or is the other direction.
      if ((peek() === 'or' || peek() === 'and') && tokens[at + 1] === (q.dir === 'src' ? 'dst' : 'src')) {
        q.dir = `src ${tokens[at]} dst` as Dir;
        at += 2;
      }
    }
    if (KINDS.has(peek())) q.kind = tokens[at++] as Kind;
    const id = peek();
    if (id === undefined || RESERVED.has(id)) {
      // A protocol alone ("tcp") is a whole primitive; every connection here is TCP over IP.
      if (q.proto && !q.dir && !q.kind) return () => q.proto !== 'udp';
      throw syntax();
    }
    if (!q.proto && !q.dir && !q.kind) {
      // A bare id continues the primitive before it ("port 80 or 443"); with nothing before, it means nothing.
      const before = tokens[at - 1];
      if (!last || !(AND.has(before) || OR.has(before) || NOT.has(before))) throw syntax();
      Object.assign(q, last);
    }
    at++;
    last = q;
    return test(q, id);
  }

  const filter = expr();
  if (at < tokens.length) throw syntax();
  return filter;

  function test(q: Qualifiers, id: string): Filter {
    const kind = q.kind ?? 'host';
    let matches: (end: string) => boolean;
    if (kind === 'port') {
      const port = portNumber(id);
      matches = (end) => Number(end.slice(end.lastIndexOf(':') + 1)) === port;
    } else if (kind === 'net') {
      const inNet = network(id);
      matches = (end) => inNet(hostOf(end));
    } else {
      const address = isIPv4(id) ? id : /^[\d.]+$/.test(id) ? invalid(id) : lookup(id);
      if (address === undefined) throw new FilterError(`unknown host '${id}'`);
      matches = (end) => hostOf(end) === address;
    }
    const dir = q.dir ?? 'src or dst';
    const udp = q.proto === 'udp';
    return (p) => {
      if (udp) return false;
      const [s, d] = [matches(p.src), matches(p.dst)];
      return dir === 'src' ? s : dir === 'dst' ? d : dir === 'src and dst' ? s && d : s || d;
    };
  }
}

const hostOf = (end: string) => end.slice(0, end.lastIndexOf(':'));

function invalid(id: string): never {
  throw new FilterError(`invalid IPv4 address '${id}'`);
}

function portNumber(id: string): number {
  if (/^\d+$/.test(id)) {
    const port = Number(id);
    if (port > 65535) throw new FilterError(`illegal port number ${port} > 65535`);
    return port;
  }
  if (id in SERVICES) return SERVICES[id];
  throw new FilterError(`unknown port '${id}'`);
}

/** `net 10.0.0.0/24` (or a dotted prefix such as `10.0.0`, as libpcap reads it). */
function network(id: string): (host: string) => boolean {
  const [base, bitsText] = id.split('/');
  const parts = base.split('.');
  if (parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    throw new FilterError(`invalid IPv4 address '${id}'`);
  const bits = bitsText === undefined ? parts.length * 8 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new FilterError(`mask length must be <= 32`);
  const value = (address: string) =>
    address.split('.').reduce((n, p) => n * 256 + Number(p), 0) * 256 ** (4 - address.split('.').length);
  const mask = (n: number) => (bits === 0 ? 0 : Math.floor(n / 2 ** (32 - bits)));
  const want = mask(value(base));
  if (want * 2 ** (32 - bits) !== value(base)) throw new FilterError(`non-network bits set in "${id}"`);
  return (host) => isIPv4(host) && mask(value(host)) === want;
}
