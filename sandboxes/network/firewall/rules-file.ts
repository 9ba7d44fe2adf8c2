// Where a node's firewall rules live: <network folder>/firewall/<address>.json, so that every process of the
// sandbox (whoever opens a connection) applies the destination's rules, as packets meet them on the way in.
// `limit` needs memory of recent attempts: one small file per (destination, source), appended to by the caller.
// Addresses become file names here, so anything but an IPv4 address is refused before it reaches the disk.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { INSTALLED, LIMIT_SECONDS, type Ruleset } from './ruleset';

const folder = (net: string) => join(net, 'firewall');

export function readRuleset(net: string, address: string): Ruleset {
  if (!isIPv4(address)) return INSTALLED;
  try {
    return { ...INSTALLED, ...JSON.parse(readFileSync(join(folder(net), `${address}.json`), 'utf8')) };
  } catch {
    return INSTALLED;
  }
}

export function writeRuleset(net: string, address: string, ruleset: Ruleset): void {
  if (!isIPv4(address)) throw new Error(`ufw: ${address}: not an IPv4 address`);
  mkdirSync(folder(net), { recursive: true });
  const file = join(folder(net), `${address}.json`);
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(ruleset, null, 2));
  renameSync(`${file}.${process.pid}.tmp`, file);
}

/** Records one connection attempt from `source` to `destination` and returns how many fell in the last 30 s. */
export function recordHit(net: string, destination: string, source: string, now = Date.now()): number {
  if (!isIPv4(destination) || !isIPv4(source)) return 0;
  const dir = join(folder(net), 'recent', destination);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, source);
  appendFileSync(file, `${now}\n`);
  const recent = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line && Number(line) > now - LIMIT_SECONDS * 1000);
  if (recent.length > 50) writeFileSync(file, recent.join('\n') + '\n'); // keep the file short
  return recent.length;
}
