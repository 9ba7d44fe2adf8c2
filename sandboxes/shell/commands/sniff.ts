// `sniff NODE [EXPRESSION]`: what an observer on NODE's network link sees (a port mirror, like running tcpdump -A on
// the switch): every chunk of every connection to or from the node, plain HTTP as readable text, TLS as records;
// with an expression, only the chunks it matches, as tcpdump's filter (see ../capture-filter.ts).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { describeBytes } from '../../network/tls/wire';
import { compileFilter, FilterError, type Filter } from '../capture-filter';
import { wrap } from '../wrap';
import type { Command, CommandIO } from '../command';
import { nodeNames, status } from '../control-client';
import { waitForSandbox } from '../wait';
import { nodeAddress } from './ufw';

interface Packet {
  t: number;
  src: string;
  dst: string;
  data: string;
}

/** tcpdump's address notation: 10.0.0.2.80 for 10.0.0.2:80. */
const dotted = (endpoint: string) => endpoint.replace(/:(\d+)$/, '.$1');

/** `describe`: ../../network/tls/wire.ts's, loaded by the first sniff rather than by every shell's start (../http-client.ts). */
export function formatPacket(packet: Packet, describe: typeof describeBytes): string {
  const data = Buffer.from(packet.data, 'base64');
  const time = new Date(packet.t).toISOString().slice(11, 23);
  const lines = describe(data).map((line) => `    ${line}`);
  return [`${time} IP ${dotted(packet.src)} > ${dotted(packet.dst)}: length ${data.length}`, ...lines].join('\n');
}

// Captures running in this shell, per address: the capture file goes when the last of them stops (a sniff in the
// background and another in the foreground may watch the same node).
const capturing = new Map<string, number>();

/** The filter of an expression; host names in it are the nodes' names, asked of the supervisor only if it has some. */
async function filterFor(io: CommandIO, expression: string): Promise<Filter> {
  const names: string[] = [];
  compileFilter(expression, (name) => (names.push(name), '0.0.0.0')); // syntax first, without the sandbox
  if (names.length === 0) return compileFilter(expression, () => undefined);
  const { nodes } = await status(io);
  return compileFilter(expression, (name) => nodes.find((n) => n.name === name)?.address);
}

export const sniff: Command = {
  name: 'sniff',
  summary: 'watch a link, as tcpdump',
  usage: [
    'usage: sniff [-c COUNT] NODE [EXPRESSION]',
    '',
    'Captures every connection to or from NODE (a name or an address) until Ctrl-C, or COUNT chunks with -c.',
    'Plain HTTP shows as text (passwords included); TLS shows the handshake, then only ciphertext.',
    'EXPRESSION keeps only some chunks, as in tcpdump: host ADDR, port N, net ADDR/BITS, each maybe after src or',
    'dst, joined with and, or, not (&&, ||, !) and parentheses. A node name may stand for its address.',
    'Examples:',
    "  sniff lb-01                          everything on lb-01's link (health checks included)",
    '  sniff -c 4 lb-01 host 203.0.113.10   only your own connections (you are 203.0.113.10)',
    '  sniff lb-01 port 443 &               TLS only, in the background while you type (fg, then Ctrl-C, stops it)',
  ].join('\n'),
  async run(args, io) {
    let count = Infinity;
    const rest: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-c') {
        count = Number(args[++i]);
        if (!Number.isInteger(count) || count < 1) {
          io.err('sniff: -c needs a whole number of packets, e.g. -c 10\n');
          return 2;
        }
      } else rest.push(args[i]);
    }
    if (rest.length === 0) {
      io.err(`${wrap(this.usage, io.columns)}\n`);
      return 2;
    }
    const expression = rest.slice(1).join(' ');
    let filter: Filter;
    try {
      filter = await filterFor(io, expression);
    } catch (error) {
      if (!(error instanceof FilterError)) throw error;
      io.err(`sniff: ${error.message}\n`); // tcpdump's own words after its name
      return 1;
    }
    const control = await waitForSandbox(io);
    let address: string;
    try {
      address = await nodeAddress(io, rest[0]);
    } catch (error) {
      io.err(`sniff: ${(error as Error).message}\n`);
      return 1;
    }
    const folder = join(control.net, 'capture');
    const file = join(folder, `${address}.jsonl`);
    mkdirSync(folder, { recursive: true });
    if (!existsSync(file)) writeFileSync(file, '');
    capturing.set(file, (capturing.get(file) ?? 0) + 1);
    const what = expression ? `keeping what matches '${expression}'` : 'capturing every connection to or from it';
    io.out(`listening on ${rest[0]} (${address}), ${what}; Ctrl-C to stop\n`);
    let seen = 0;
    let offset = readFileSync(file, 'utf8').length;
    const { describeBytes } = await import('../../network/tls/wire');
    try {
      while (seen < count && !io.signal.aborted) {
        const text = readFileSync(file, 'utf8');
        const complete = text.slice(offset, text.lastIndexOf('\n') + 1);
        offset += complete.length;
        for (const line of complete.split('\n').filter(Boolean)) {
          const packet = JSON.parse(line) as Packet;
          if (seen >= count || !filter(packet)) continue;
          io.out(`${formatPacket(packet, describeBytes)}\n`);
          seen += 1;
        }
        if (seen < count) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      const left = (capturing.get(file) ?? 1) - 1;
      capturing.set(file, left);
      // Stop capturing: connections opened from now on are not copied.
      if (left === 0) rmSync(file, { force: true });
    }
    io.out(`${seen} packet${seen === 1 ? '' : 's'} captured\n`);
    return 0;
  },
  complete: (args, io) => (args.length === 1 ? nodeNames(io.session) : []),
};
