// `dig NAME`: ask the sandbox's name server for a name's addresses, with dig's own layout (BIND 9.18, Debian 12),
// so a learner sees DNS round robin at work: both A records in every answer, their order rotating per query.
import type { Command } from '../command';
import { NAME_SERVER, query, type Answer } from '../dns';

const VERSION = '9.18.49-1~deb12u3-Debian';

/** BIND lines up a record's fields on tab stops: the name to column 24 (32 in the question), then one tab each. */
function padded(text: string, column: number): string {
  return text + '\t'.repeat(Math.max(1, Math.ceil((column - text.length) / 8)));
}

/** The reply's size on the wire: header, question, one 16-byte A record each (the name compressed), EDNS's OPT. */
function messageSize(name: string, answers: number): number {
  const encodedName = name
    .split('.')
    .filter(Boolean)
    .reduce((sum, label) => sum + 1 + label.length, 1);
  return 12 + encodedName + 4 + 16 * answers + 11;
}

function full(name: string, answer: Answer | undefined, command: string): string {
  const count = answer?.addresses.length ?? 0;
  const lines = [
    '',
    `; <<>> DiG ${VERSION} <<>> ${command}`,
    ';; global options: +cmd',
    ';; Got answer:',
    `;; ->>HEADER<<- opcode: QUERY, status: ${answer ? 'NOERROR' : 'NXDOMAIN'}, id: ${Math.floor(Math.random() * 65536)}`,
    `;; flags: qr aa rd; QUERY: 1, ANSWER: ${count}, AUTHORITY: 0, ADDITIONAL: 1`,
    // Asked directly of the server that holds the zone (authoritative, "aa"), which does not recurse for others.
    ';; WARNING: recursion requested but not available',
    '',
    ';; OPT PSEUDOSECTION:',
    '; EDNS: version: 0, flags:; udp: 1232',
    ';; QUESTION SECTION:',
    `${padded(`;${name}`, 32)}IN\tA`,
    '',
  ];
  if (answer) {
    lines.push(
      ';; ANSWER SECTION:',
      ...answer.addresses.map((a) => `${padded(name, 24)}${answer.ttl}\tIN\tA\t${a}`),
      '',
    );
  }
  const when = new Date().toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1 $3 $2 $5 UTC $4');
  lines.push(
    ';; Query time: 0 msec',
    `;; SERVER: ${NAME_SERVER}#53(${NAME_SERVER}) (UDP)`,
    `;; WHEN: ${when}`,
    `;; MSG SIZE  rcvd: ${messageSize(name, count)}`,
    '',
  );
  return lines.join('\n') + '\n';
}

export const dig: Command = {
  name: 'dig',
  summary: 'look a name up in DNS',
  usage: `dig [@${NAME_SERVER}] NAME [A] [+short]
Asks the sandbox's name server (${NAME_SERVER}) for NAME's A records. It answers from the session file dns.zone
(cat dns.zone); a name it does not have gets status NXDOMAIN. With two A records (DNS round robin) every answer
holds both, and their order turns by one at each query: run dig twice.
  +short    print only the addresses
Example: dig www.example.com +short`,
  async run(args, io) {
    const short = args.includes('+short');
    const words = args.filter((a) => !a.startsWith('+'));
    const server = words.find((w) => w.startsWith('@'));
    if (server && server !== `@${NAME_SERVER}`) {
      io.err(`dig: this sandbox has one name server, ${NAME_SERVER}; leave out ${server} or write @${NAME_SERVER}\n`);
      return 1;
    }
    const [name, type = 'A', ...extra] = words.filter((w) => !w.startsWith('@'));
    if (!name || extra.length) {
      io.err(`usage: dig [@${NAME_SERVER}] NAME [A] [+short]\n`);
      return 1;
    }
    if (type.toUpperCase() !== 'A') {
      io.err(`dig: the sandbox's name server holds A records only (the IPv4 addresses of names), not ${type}\n`);
      return 1;
    }
    const fqdn = name.endsWith('.') ? name : `${name}.`;
    const answer = query(io.session.folder, name);
    io.out(short ? (answer?.addresses ?? []).map((a) => `${a}\n`).join('') : full(fqdn, answer, args.join(' ')));
    return 0;
  },
  complete: (args) => (args.length === 1 ? ['www.example.com'] : ['+short']),
};
