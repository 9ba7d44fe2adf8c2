// The `ufw` command's grammar and its exact messages (ufw(8); FIDELITY.md 4.1), as a pure function from the
// arguments and the current rules to the new rules and what ufw prints. The sandbox is IPv4-only, so ufw's
// "(v6)" twins of each rule are left out.
import { INSTALLED, type Action, type Policy, type Rule, type Ruleset } from './ruleset';

export interface UfwResult {
  ruleset: Ruleset;
  output: string;
  /** ufw's exit status: 0, or 1 after an ERROR. */
  status: number;
}

// The services ufw reads from /etc/services that this course uses.
const SERVICES: Record<string, number> = { ssh: 22, http: 80, https: 443, postgresql: 5432, mysql: 3306 };

const USAGE = `Usage: ufw COMMAND

Commands:
 enable                          enables the firewall
 disable                         disables the firewall
 default ARG                     set default policy
 allow|deny|reject|limit ARGS    add a rule, e.g. "allow 80/tcp" or "allow from 10.0.0.2 to any port 80 proto tcp"
 insert NUM RULE                 insert RULE at NUM
 delete RULE|NUM                 delete RULE
 status                          show firewall status
 status numbered                 show firewall status as numbered list of RULES
 status verbose                  show verbose firewall status
 reset                           reset firewall`;

class UfwError extends Error {}

/** "80", "80/tcp", "ssh", "http/tcp" -> port and protocol. */
function portSpec(text: string): { port: number; proto: Rule['proto'] } {
  const [name, proto] = text.split('/');
  const port = SERVICES[name] ?? Number(name);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UfwError(
      SERVICES[name] === undefined && !/^\d+$/.test(name)
        ? `ERROR: Could not find a profile matching '${text}'`
        : 'ERROR: Bad port',
    );
  if (proto !== undefined && proto !== 'tcp' && proto !== 'udp')
    throw new UfwError(`ERROR: Unsupported protocol '${proto}'`);
  return { port, proto: (proto as Rule['proto']) ?? 'any' };
}

function address(text: string | undefined): string {
  if (text === 'any') return 'any';
  const [ip, bits] = (text ?? '').split('/');
  const valid =
    /^\d{1,3}(\.\d{1,3}){3}$/.test(ip) &&
    ip.split('.').every((o) => Number(o) <= 255) &&
    (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= 32));
  if (!text || !valid) throw new UfwError(`ERROR: Bad source address${text ? ` '${text}'` : ''}`);
  return text;
}

/** Parses the words of a rule after its action: "80/tcp", or "from X [to any] [port N] [proto P]". */
function parseRule(action: Action, words: string[]): Rule {
  if (words[0] === 'in') words = words.slice(1);
  if (words.length === 1) return { action, from: 'any', ...portSpec(words[0]) };
  const rule: Rule = { action, from: 'any', proto: 'any' };
  for (let i = 0; i < words.length; i += 2) {
    const [key, value] = [words[i], words[i + 1]];
    if (value === undefined) throw new UfwError('ERROR: Invalid syntax');
    if (key === 'from') rule.from = address(value);
    else if (key === 'to') {
      if (value !== 'any')
        throw new UfwError(`ERROR: this sandbox only supports "to any" (a node has one address), not '${value}'`);
    } else if (key === 'port') rule.port = portSpec(value).port;
    else if (key === 'proto') {
      if (!['tcp', 'udp', 'vrrp'].includes(value)) throw new UfwError(`ERROR: Unsupported protocol '${value}'`);
      rule.proto = value as Rule['proto'];
    } else throw new UfwError('ERROR: Invalid syntax');
  }
  return rule;
}

const same = (a: Rule, b: Rule) =>
  a.action === b.action && a.port === b.port && a.proto === b.proto && a.from === b.from;

/** The rule as ufw shows it: To, Action, From. */
function columns(rule: Rule, withDirection: boolean): [string, string, string] {
  const to =
    rule.proto === 'vrrp'
      ? 'Anywhere/vrrp'
      : rule.port === undefined
        ? 'Anywhere'
        : rule.proto === 'any'
          ? String(rule.port)
          : `${rule.port}/${rule.proto}`;
  return [to, rule.action.toUpperCase() + (withDirection ? ' IN' : ''), rule.from === 'any' ? 'Anywhere' : rule.from];
}

/** The rule as ufw's own command syntax, for "Deleting:" lines. */
function asCommand(rule: Rule): string {
  if (rule.from === 'any' && rule.port !== undefined && rule.proto !== 'vrrp')
    return `${rule.action} ${rule.port}${rule.proto === 'any' ? '' : `/${rule.proto}`}`;
  return [
    rule.action,
    `from ${rule.from}`,
    'to any',
    rule.port !== undefined ? `port ${rule.port}` : '',
    rule.proto !== 'any' ? `proto ${rule.proto}` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function status(ruleset: Ruleset, mode: string | undefined): string {
  if (!ruleset.enabled) return 'Status: inactive';
  const lines = ['Status: active'];
  if (mode === 'verbose') {
    lines.push(
      'Logging: on (low)',
      `Default: ${ruleset.incoming} (incoming), ${ruleset.outgoing} (outgoing), disabled (routed)`,
      'New profiles: skip',
    );
  }
  if (ruleset.rules.length === 0) return lines.join('\n');
  const indent = mode === 'numbered' ? '     ' : '';
  lines.push(
    '',
    `${indent}${'To'.padEnd(27)}${'Action'.padEnd(12)}From`,
    `${indent}${'--'.padEnd(27)}${'------'.padEnd(12)}----`,
  );
  ruleset.rules.forEach((rule, i) => {
    const [to, action, from] = columns(rule, mode !== undefined);
    lines.push(
      `${mode === 'numbered' ? `[${String(i + 1).padStart(2)}] ` : ''}${to.padEnd(27)}${action.padEnd(12)}${from}`,
    );
  });
  return lines.join('\n') + '\n';
}

export function ufw(args: string[], current: Ruleset): UfwResult {
  const ok = (ruleset: Ruleset, output: string): UfwResult => ({ ruleset, output, status: 0 });
  try {
    const [command, ...rest] = args;
    switch (command) {
      case 'enable':
        return ok({ ...current, enabled: true }, 'Firewall is active and enabled on system startup');
      case 'disable':
        return ok({ ...current, enabled: false }, 'Firewall stopped and disabled on system startup');
      case 'status':
        if (rest[0] !== undefined && rest[0] !== 'verbose' && rest[0] !== 'numbered')
          throw new UfwError('ERROR: Invalid syntax');
        return ok(current, status(current, rest[0]));
      case 'default': {
        const [policy, direction = 'incoming'] = rest;
        if (!['allow', 'deny', 'reject'].includes(policy) || !['incoming', 'outgoing', 'routed'].includes(direction))
          throw new UfwError('ERROR: Invalid syntax');
        if (direction === 'routed')
          throw new UfwError('ERROR: this sandbox does not route between networks (no "routed" policy)');
        return ok(
          { ...current, [direction]: policy as Policy },
          `Default ${direction} policy changed to '${policy}'\n(be sure to update your rules accordingly)`,
        );
      }
      case 'allow':
      case 'deny':
      case 'reject':
      case 'limit':
      case 'insert': {
        const position = command === 'insert' ? Number(rest.shift()) : current.rules.length + 1;
        const action = (command === 'insert' ? rest.shift() : command) as Action;
        if (!['allow', 'deny', 'reject', 'limit'].includes(action) || rest.length === 0)
          throw new UfwError('ERROR: Invalid syntax');
        if (!(position >= 1 && position <= current.rules.length + 1))
          throw new UfwError(`ERROR: Invalid position '${position}'`);
        const rule = parseRule(action, rest);
        if (current.rules.some((r) => same(r, rule))) return ok(current, 'Skipping adding existing rule');
        const rules = [...current.rules];
        rules.splice(position - 1, 0, rule);
        return ok({ ...current, rules }, command === 'insert' ? 'Rule inserted' : 'Rules updated');
      }
      case 'delete': {
        if (rest.length === 1 && /^\d+$/.test(rest[0])) {
          const index = Number(rest[0]) - 1;
          const rule = current.rules[index] ?? null;
          if (!rule) throw new UfwError(`ERROR: Could not find rule '${rest[0]}'`);
          return ok(
            { ...current, rules: current.rules.filter((_, i) => i !== index) },
            `Deleting:\n ${asCommand(rule)}\nRule deleted`,
          );
        }
        const rule = parseRule(rest[0] as Action, rest.slice(1));
        if (!['allow', 'deny', 'reject', 'limit'].includes(rest[0]) || !current.rules.some((r) => same(r, rule)))
          return ok(current, 'Could not delete non-existent rule');
        return ok({ ...current, rules: current.rules.filter((r) => !same(r, rule)) }, 'Rule deleted');
      }
      case 'reset':
        return ok(INSTALLED, 'Resetting all rules to installed defaults.');
      default:
        throw new UfwError(command ? `ERROR: Invalid syntax\n\n${USAGE}` : USAGE);
    }
  } catch (error) {
    if (!(error instanceof UfwError)) throw error;
    return { ruleset: current, output: error.message, status: 1 };
  }
}
