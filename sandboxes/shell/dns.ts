// The sandbox's DNS: the answers a name server gives from a zone file in the session folder (dns.zone, BIND's
// master-file format), for `dig` and for the names `curl` and `load` resolve.
//
//   $TTL 60
//   www.example.com.   IN  A   10.0.0.10
//   www.example.com.   IN  A   10.0.0.20
//
// Two A records for one name is DNS round robin: every answer carries both addresses, and the server rotates
// their order from one query to the next (cyclic order, as BIND's `rrset-order { order cyclic; }`), so clients,
// which mostly use the first address, spread over both. The name server has no idea whether an address works:
// it keeps handing out a dead balancer's address until someone edits the zone, and resolvers cache the answer
// for its TTL.
import { sessionFile } from './files';

export const ZONE_FILE = 'dns.zone';
/** Where `dig` says the answer came from: the sandbox's name server (a built-in service, not a node). */
export const NAME_SERVER = '10.0.0.53';

export interface Answer {
  /** The name as asked, fully qualified with its trailing dot: `www.example.com.`. */
  name: string;
  ttl: number;
  /** The A records, in this answer's order. */
  addresses: string[];
}

interface ARecord {
  name: string;
  ttl: number;
  address: string;
}

/** The A records of a zone file; `;` starts a comment, `$TTL` sets the default TTL, the class IN may be left out. */
export function parseZone(text: string): ARecord[] {
  let defaultTtl = 3600;
  const records: ARecord[] = [];
  for (const raw of text.split('\n')) {
    const words = raw.replace(/;.*$/, '').trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    if (words[0] === '$TTL') {
      defaultTtl = Number(words[1]) || defaultTtl;
      continue;
    }
    const [name, ...rest] = words;
    const ttl = /^\d+$/.test(rest[0] ?? '') ? Number(rest.shift()) : defaultTtl;
    if (rest[0] === 'IN') rest.shift();
    if (rest[0] === 'A' && rest[1]) records.push({ name: fqdn(name), ttl, address: rest[1] });
  }
  return records;
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

// How many times each name was asked: the start of the next answer's rotation.
const asked = new Map<string, number>();

/** Answers an A query from the session's zone file; undefined when the name does not exist (NXDOMAIN). */
export function query(folder: string, name: string): Answer | undefined {
  const zone = sessionFile(folder, ZONE_FILE);
  if (!('text' in zone)) return undefined;
  const wanted = fqdn(name);
  const records = parseZone(zone.text).filter((r) => r.name === wanted);
  if (records.length === 0) return undefined;
  const turn = asked.get(wanted) ?? 0;
  asked.set(wanted, turn + 1);
  const start = turn % records.length;
  const rotated = [...records.slice(start), ...records.slice(0, start)];
  return { name: wanted, ttl: Math.min(...records.map((r) => r.ttl)), addresses: rotated.map((r) => r.address) };
}
