// A node's firewall in the spirit of ufw (ufw(8); FIDELITY.md 4.1): a default incoming policy and an ordered list of
// rules, the first match deciding. `deny` drops silently (the caller times out), `reject` refuses at once
// ("Connection refused"), `limit` allows a source up to 5 new connections per 30 s and rejects the 6th, as ufw's
// `-m recent --hitcount 6 --seconds 30` rule does. Pure: no files or sockets here (see rules-file.ts, ../net.ts).

export type Action = 'allow' | 'deny' | 'reject' | 'limit';
export type Policy = 'allow' | 'deny' | 'reject';

export interface Rule {
  action: Action;
  /** The destination port; undefined = every port. */
  port?: number;
  /** 'any' when no protocol was given; 'vrrp' matches keepalived's adverts (port 112 in the sandbox). */
  proto: 'tcp' | 'udp' | 'vrrp' | 'any';
  /** A source address or network (10.0.0.0/24), or 'any'. */
  from: string;
}

export interface Ruleset {
  enabled: boolean;
  incoming: Policy;
  outgoing: Policy;
  rules: Rule[];
}

/** What a fresh Ubuntu has: ufw installed but inactive, deny incoming / allow outgoing once enabled. */
export const INSTALLED: Ruleset = { enabled: false, incoming: 'deny', outgoing: 'allow', rules: [] };

export const LIMIT_HITS = 6;
export const LIMIT_SECONDS = 30;
export const VRRP_PORT = 112;

export type Verdict = 'accept' | 'drop' | 'reject';

const ipValue = (ip: string) => ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0) >>> 0;

/** Does `ip` fall in `network` ("any", "10.0.0.2" or "10.0.0.0/24")? */
export function inNetwork(ip: string, network: string): boolean {
  if (network === 'any') return true;
  const [base, bits = '32'] = network.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (ipValue(ip) & mask) === (ipValue(base) & mask);
}

export function matches(rule: Rule, source: string, port: number): boolean {
  if (!inNetwork(source, rule.from)) return false;
  if (rule.proto === 'vrrp') return port === VRRP_PORT;
  if (rule.proto === 'udp') return false; // every sandbox connection is TCP
  return rule.port === undefined || rule.port === port;
}

/**
 * Decides about a new incoming connection. `recentHits` is how many connections this source started to a
 * `limit` rule's port in the last 30 s, this one included (only asked for when a limit rule matches).
 */
export function decide(
  ruleset: Ruleset,
  source: string,
  destination: string,
  port: number,
  recentHits: () => number,
): { verdict: Verdict; rule?: Rule } {
  // ufw's before.rules accept loopback traffic: a node can always reach itself.
  if (!ruleset.enabled || source === destination || source === '127.0.0.1') return { verdict: 'accept' };
  const index = ruleset.rules.findIndex((rule) => matches(rule, source, port));
  if (index < 0)
    return { verdict: ruleset.incoming === 'allow' ? 'accept' : ruleset.incoming === 'deny' ? 'drop' : 'reject' };
  const rule = ruleset.rules[index];
  const verdict =
    rule.action === 'allow'
      ? 'accept'
      : rule.action === 'deny'
        ? 'drop'
        : rule.action === 'reject'
          ? 'reject'
          : recentHits() >= LIMIT_HITS
            ? 'reject'
            : 'accept';
  return { verdict, rule };
}
