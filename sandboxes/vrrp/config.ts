// The subset of keepalived.conf this sandbox understands: global_defs, vrrp_script and vrrp_instance blocks, with
// keepalived's keywords and defaults (keepalived.conf(5); FIDELITY.md 2.1). Keywords keepalived knows but the sandbox
// ignores are warned about, never silently dropped; anything keepalived itself would reject is an error with its line.
import { isIPv4 } from 'node:net';
import type { ParsedConfig } from '../shared/parsed-config';

export interface TrackScriptConfig {
  name: string;
  /** The command line, e.g. "pidof haproxy" or "nc -z 127.0.0.1 80"; see track.ts for what the sandbox can run. */
  script: string;
  /** Seconds between runs (keepalived default 1). */
  interval: number;
  /** Seconds a run may take before it counts as a failure (default: interval). */
  timeout: number;
  /** Priority change: negative = subtract while failing, positive = add while succeeding, 0 = FAULT on failure. */
  weight: number;
  fall: number;
  rise: number;
}

export interface InstanceConfig {
  name: string;
  /** The state the instance wishes to start in; only priority 255 makes MASTER immediate. */
  state: 'MASTER' | 'BACKUP';
  interface: string;
  virtual_router_id: number;
  priority: number;
  advert_int: number;
  nopreempt: boolean;
  preempt_delay: number;
  virtual_ipaddress: string[];
  /** Adverts go to these addresses; empty means multicast to every VRRP speaker on the segment (224.0.0.18). */
  unicast_peer: string[];
  /** Tracked scripts with the weight used for this instance (a `weight` inside track_script overrides the script's). */
  track_script: { script: TrackScriptConfig; weight: number }[];
}

export interface KeepalivedConfig {
  router_id?: string;
  scripts: Map<string, TrackScriptConfig>;
  instances: InstanceConfig[];
}

interface Token {
  text: string;
  line: number;
}

class ConfigError extends Error {}

/** Splits the file into words, braces and quoted strings; `#` and `!` start comments, as in keepalived. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  text.split('\n').forEach((raw, i) => {
    // A comment runs to the end of the line whatever it holds: `[\s\S]*`, not `.*`, which stops at a CR (a file
    // with CRLF line ends) and would make the rest of the comment words, and a line of them quadratic.
    const pattern = /"([^"]*)"|([{}])|([^\s{}"#!]+)|[#!][\s\S]*/g;
    for (const m of raw.matchAll(pattern)) {
      const word = m[1] ?? m[2] ?? m[3];
      if (word !== undefined) tokens.push({ text: word, line: i + 1 });
    }
  });
  return tokens;
}

/**
 * Parses keepalived.conf text; `file` names it in the messages (file:line). keepalived's own warnings (unknown
 * keywords, settings cleared) come with the configuration; the first error refuses the file.
 */
export function parseConfig(text: string, file = 'keepalived.conf'): ParsedConfig<KeepalivedConfig> {
  const warnings: string[] = [];
  try {
    return { config: parse(text, file, warnings), errors: [], warnings };
  } catch (error) {
    if (error instanceof ConfigError) return { errors: [error.message], warnings };
    throw error;
  }
}

function parse(text: string, file: string, warnings: string[]): KeepalivedConfig {
  const tokens = tokenize(text);
  let at = 0;
  const config: KeepalivedConfig = { scripts: new Map(), instances: [] };
  const fail = (token: Token | undefined, message: string): never => {
    throw new ConfigError(`${file}:${token?.line ?? 'end'}: ${message}`);
  };
  const next = () => tokens[at++] ?? fail(undefined, 'unexpected end of file: a block is missing its closing "}"');
  const peek = () => tokens[at];

  /** Reads `{ ... }` as lines of words, keeping nested blocks as their own entries. */
  interface Statement {
    key: Token;
    args: Token[];
    block?: Statement[];
  }
  // keepalived's blocks nest three deep at most (vrrp_instance { track_script { } }); deeper is a mistake, and
  // reading it recursively without a bound would exhaust the stack.
  const MAX_DEPTH = 8;
  function readBlock(depth = 1): Statement[] {
    const open = next();
    if (depth > MAX_DEPTH) fail(open, `blocks nested more than ${MAX_DEPTH} deep: a "}" is missing above`);
    if (open.text !== '{') fail(open, `expected "{" but found "${open.text}"`);
    const statements: Statement[] = [];
    for (;;) {
      const key = next();
      if (key.text === '}') return statements;
      if (key.text === '{') fail(key, 'unexpected "{": a block needs a keyword before it');
      const args: Token[] = [];
      while (peek() && peek().line === key.line && peek().text !== '{' && peek().text !== '}') args.push(next());
      const block = peek()?.text === '{' ? readBlock(depth + 1) : undefined;
      statements.push({ key, args, block });
    }
  }

  const number = (s: Statement, min: number, max: number): number => {
    const value = Number(s.args[0]?.text);
    if (!s.args[0] || !Number.isFinite(value) || value < min || value > max) {
      fail(s.key, `${s.key.text} needs a number from ${min} to ${max}, got "${s.args[0]?.text ?? ''}"`);
    }
    return value;
  };
  /**
   * The addresses of a virtual_ipaddress or unicast_peer block (10.0.0.10/24 dev eth0: the address, without its
   * prefix). keepalived reports a malformed one and skips it; the sandbox refuses the file (as `keepalived -t` does),
   * since an address here also names a file of the sandbox network.
   */
  const addresses = (s: Statement, problem: (ip: string) => string): string[] =>
    (s.block ?? fail(s.key, `${s.key.text} needs a { ... } block`)).map((item) => {
      const ip = item.key.text.replace(/\/\d{1,2}$/, '');
      return isIPv4(ip)
        ? ip
        : fail(item.key, `${problem(item.key.text)}: an IPv4 address is four numbers from 0 to 255, e.g. 10.0.0.10/24`);
    });
  const unknown = (s: Statement, where: string) =>
    warnings.push(`${file}:${s.key.line}: Unknown keyword '${s.key.text}' in ${where} (ignored by this sandbox)`);

  const pendingTracks: { instance: InstanceConfig; name: Token; weight?: number }[] = [];

  while (at < tokens.length) {
    const head = next();
    if (head.text === 'global_defs') {
      for (const s of readBlock()) {
        if (s.key.text === 'router_id') config.router_id = s.args[0]?.text;
        else if (!['script_user', 'enable_script_security', 'vrrp_version'].includes(s.key.text))
          unknown(s, 'global_defs');
      }
    } else if (head.text === 'vrrp_script') {
      const name = next();
      if (name.text === '{') fail(name, 'vrrp_script needs a name, e.g. "vrrp_script chk_haproxy {"');
      const script: TrackScriptConfig = {
        name: name.text,
        script: '',
        interval: 1,
        timeout: 0,
        weight: 0,
        fall: 1,
        rise: 1,
      };
      for (const s of readBlock()) {
        if (s.key.text === 'script') script.script = s.args.map((a) => a.text).join(' ');
        else if (s.key.text === 'interval') script.interval = number(s, 1, 86400);
        else if (s.key.text === 'timeout') script.timeout = number(s, 1, 86400);
        else if (s.key.text === 'weight') script.weight = number(s, -253, 253);
        else if (s.key.text === 'fall') script.fall = number(s, 1, 255);
        else if (s.key.text === 'rise') script.rise = number(s, 1, 255);
        else unknown(s, `vrrp_script ${name.text}`);
      }
      if (!script.script) fail(name, `vrrp_script ${name.text} has no "script" line`);
      script.timeout ||= script.interval;
      config.scripts.set(name.text, script);
    } else if (head.text === 'vrrp_instance') {
      const name = next();
      if (name.text === '{') fail(name, 'vrrp_instance needs a name, e.g. "vrrp_instance VI_1 {"');
      const instance: InstanceConfig = {
        name: name.text,
        state: 'BACKUP',
        interface: '',
        virtual_router_id: 0,
        priority: 100, // VRRP_PRIO_DFL
        advert_int: 1, // VRRP_ADVER_DFL
        nopreempt: false,
        preempt_delay: 0,
        virtual_ipaddress: [],
        unicast_peer: [],
        track_script: [],
      };
      for (const s of readBlock()) {
        const k = s.key.text;
        if (k === 'state') {
          const v = s.args[0]?.text;
          if (v !== 'MASTER' && v !== 'BACKUP') fail(s.key, `state must be MASTER or BACKUP, got "${v ?? ''}"`);
          instance.state = v as 'MASTER' | 'BACKUP';
        } else if (k === 'interface') instance.interface = s.args[0]?.text ?? '';
        else if (k === 'virtual_router_id') instance.virtual_router_id = number(s, 1, 255);
        else if (k === 'priority') instance.priority = number(s, 1, 255);
        else if (k === 'advert_int') instance.advert_int = number(s, 0.01, 255);
        else if (k === 'nopreempt') instance.nopreempt = true;
        else if (k === 'preempt') instance.nopreempt = false;
        else if (k === 'preempt_delay') instance.preempt_delay = number(s, 0, 1000);
        else if (k === 'virtual_ipaddress')
          instance.virtual_ipaddress = addresses(s, (ip) => `VRRP parsed invalid IP ${ip}`);
        else if (k === 'unicast_peer')
          instance.unicast_peer = addresses(
            s,
            (ip) => `Configuration error: VRRP instance[${name.text}] malformed unicast peer address[${ip}]`,
          );
        else if (k === 'track_script') {
          for (const t of s.block ?? fail(s.key, 'track_script needs a { ... } block')) {
            const w = t.args.findIndex((a) => a.text === 'weight');
            pendingTracks.push({ instance, name: t.key, weight: w >= 0 ? Number(t.args[w + 1]?.text) : undefined });
          }
        } else if (
          k === 'unicast_src_ip' ||
          k === 'authentication' ||
          k.startsWith('notify') ||
          k === 'garp_master_delay'
        ) {
          warnings.push(`${file}:${s.key.line}: '${k}' is accepted but has no effect in this sandbox`);
        } else unknown(s, `vrrp_instance ${name.text}`);
      }
      if (!instance.virtual_router_id)
        fail(name, `vrrp_instance ${name.text} needs "virtual_router_id" (1-255, the same on both nodes)`);
      if (!instance.interface) fail(name, `vrrp_instance ${name.text} needs "interface" (e.g. "interface eth0")`);
      if (instance.virtual_ipaddress.length === 0)
        fail(name, `vrrp_instance ${name.text} has no virtual_ipaddress block`);
      if (instance.nopreempt && instance.state === 'MASTER') {
        // keepalived vrrp.c: nopreempt only makes sense for a node that starts as BACKUP.
        warnings.push(`(${instance.name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
        instance.nopreempt = false;
      }
      config.instances.push(instance);
    } else {
      fail(
        head,
        `unknown top-level block "${head.text}": this sandbox knows global_defs, vrrp_script and vrrp_instance`,
      );
    }
  }

  for (const { instance, name, weight } of pendingTracks) {
    const script =
      config.scripts.get(name.text) ??
      fail(name, `track_script "${name.text}" is not defined by any vrrp_script block`);
    if (weight !== undefined && !(Number.isInteger(weight) && weight >= -253 && weight <= 253)) {
      fail(name, `track_script ${name.text} weight must be from -253 to 253`);
    }
    instance.track_script.push({ script, weight: weight ?? script.weight });
  }
  if (config.instances.length === 0) throw new ConfigError(`${file}: no vrrp_instance block: nothing to do`);
  return config;
}
