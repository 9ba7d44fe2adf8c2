// `sniff NODE`: what an observer on NODE's network link sees (a port mirror, like running tcpdump -A on the
// switch): every chunk of every connection to or from the node, plain HTTP as readable text, TLS as records.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeBytes } from '../../tls/wire';
import type { Command } from '../command';
import { nodeNames } from '../supervisor';
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

export function formatPacket(packet: Packet): string {
  const data = Buffer.from(packet.data, 'base64');
  const time = new Date(packet.t).toISOString().slice(11, 23);
  const lines = describeBytes(data).map((line) => `    ${line}`);
  return [`${time} IP ${dotted(packet.src)} > ${dotted(packet.dst)}: length ${data.length}`, ...lines].join('\n');
}

export const sniff: Command = {
  name: 'sniff',
  summary: 'show the traffic on a node\'s network link, as tcpdump -A would (sniff lb-01)',
  usage: [
    'usage: sniff [-c COUNT] NODE',
    '',
    'Captures every connection to or from NODE (a name or an address) until Ctrl-C, or COUNT chunks with -c.',
    'Plain HTTP shows as text (passwords included); TLS shows the handshake, then only ciphertext.',
    'Example:',
    '  sniff lb-01            (then, in the exercise, log in with curl over http:// and over https://)',
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
    if (rest.length !== 1) {
      io.err(`${this.usage}\n`);
      return 2;
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
    io.out(`listening on ${rest[0]} (${address}), capturing every connection to or from it; Ctrl-C to stop\n`);
    let seen = 0;
    let offset = readFileSync(file, 'utf8').length;
    try {
      while (seen < count && !io.signal.aborted) {
        const text = readFileSync(file, 'utf8');
        const complete = text.slice(offset, text.lastIndexOf('\n') + 1);
        offset += complete.length;
        for (const line of complete.split('\n').filter(Boolean)) {
          if (seen >= count) break;
          io.out(`${formatPacket(JSON.parse(line) as Packet)}\n`);
          seen += 1;
        }
        if (seen < count) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      rmSync(file, { force: true }); // stop capturing: connections opened from now on are not copied
    }
    io.out(`${seen} packet${seen === 1 ? '' : 's'} captured\n`);
    return 0;
  },
  complete: (args, io) => (args.length === 1 ? nodeNames(io.session) : []),
};
