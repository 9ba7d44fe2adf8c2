// `db`: the learner's client for the replicated store (sandboxes/store), with outputs modelled on psql and
// pg_ctl: `INSERT 0 1`, errors as `ERROR:  ...` with DETAIL and HINT, pg_stat_replication in psql's expanded
// display, `server promoted`. It talks to the store nodes over the sandbox network, as the learner's terminal.
import type { NodeStatus } from '../../contracts/commands';
import { StoreClient, StoreError, type ReplicationRow, type Status } from '../../store/client';
import { readFileSync, writeFileSync } from 'node:fs';
import { wrap } from '../wrap';
import type { Command, CommandIO } from '../command';
import { sessionFile } from '../files';
import { withSetting } from '../../store/conf';
import { MODES, type Mode } from '../../store/syncrep';
import { didYouMean } from '../../shared/suggest';
import { chooseSwitchoverCandidate, type SwitchoverView } from '../../store/failover';
import { formatLsn, parseLsn } from '../../contracts/lsn';
import { nodeNames, status } from '../control-client';

interface DbNode {
  name: string;
  address: string;
}

const endpoint = (n: NodeStatus): DbNode => ({ name: n.name, address: `${n.address}:${n.ports[0] ?? 5432}` });

async function dbNodes(io: CommandIO): Promise<DbNode[]> {
  return (await status(io)).nodes.filter((n) => n.role === 'store').map(endpoint);
}

/** libpq's words for a node that refuses the connection, as psql prints them; other errors as they come. */
function unreachable(error: Error): string {
  const { syscall, code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (syscall !== 'connect' || code !== 'ECONNREFUSED') return error.message;
  return `connection to server at "${address}", port ${port} failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?`;
}

/** Runs `fn` with a client for `node`, closing it afterwards. */
async function using<T>(node: DbNode, fn: (client: StoreClient) => Promise<T>): Promise<T> {
  const client = new StoreClient(node.address, 2000);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

async function statuses(nodes: DbNode[]): Promise<(Status | Error)[]> {
  return Promise.all(nodes.map((n) => using(n, (c) => c.status()).catch((e: Error) => e)));
}

/** The index of the node that accepts writes: a primary, not fenced, on the newest timeline. */
function writablePrimary(all: (Status | Error)[]): number | undefined {
  let best: number | undefined;
  all.forEach((s, i) => {
    if (s instanceof Error || s.role !== 'primary' || s.fenced) return;
    if (best === undefined || s.timeline > (all[best] as Status).timeline) best = i;
  });
  return best;
}

async function findPrimary(nodes: DbNode[]): Promise<DbNode> {
  const best = writablePrimary(await statuses(nodes));
  if (best === undefined) throw new Error('no primary is accepting writes (try db status)');
  return nodes[best];
}

/** How long a switchover waits for the candidate to confirm it flushed the whole log before it is called off. */
const HANDOVER_MS = 5000;

/** How long a switchover waits for the new primary's lease from the failover monitor (its heartbeat is every second). */
const LEASE_WAIT_MS = 5000;

/** Whether `node` is a primary accepting writes within `ms` (polled: it says so in its status). */
async function writableWithin(node: DbNode, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await using(node, (c) => c.status()).catch(() => undefined);
    if (s && s.role === 'primary' && !s.fenced) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Takes `--flag VALUE` pairs out of the words; a usage error for anything else. */
function options(words: string[], known: string[]): Record<string, string | undefined> | string {
  const found: Record<string, string | undefined> = {};
  for (let i = 0; i < words.length; i += 2) {
    if (!known.includes(words[i]) || words[i + 1] === undefined) return `unexpected '${words[i]}'`;
    found[words[i]] = words[i + 1];
  }
  return found;
}

function pick(name: string, nodes: DbNode[]): DbNode {
  const node = nodes.find((n) => n.name === name);
  if (!node)
    throw new Error(
      `no database node named '${name}'${didYouMean(
        name,
        nodes.map((n) => n.name),
      )}. Database nodes: ${nodes.map((n) => n.name).join(', ') || 'none'}`,
    );
  return node;
}

/** Splits off `--on NODE` from the words. */
function target(words: string[]): { words: string[]; on?: string } {
  const at = words.indexOf('--on');
  if (at < 0) return { words };
  return { words: [...words.slice(0, at), ...words.slice(at + 2)], on: words[at + 1] ?? '' };
}

/** psql shows intervals as HH:MM:SS.micro. */
function interval(ms: number | null): string {
  if (ms === null) return '';
  const s = ms / 1000;
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${(s % 60).toFixed(6).padStart(9, '0')}`;
}

/** psql's expanded display (\x): one block per row. */
function expanded(rows: Record<string, string | number>[]): string {
  if (!rows.length) return '(0 rows)\n';
  const width = Math.max(...Object.keys(rows[0]).map((k) => k.length));
  return (
    rows
      .map((row, i) => {
        const header = `-[ RECORD ${i + 1} ]${'-'.repeat(Math.max(1, width - 10))}+${'-'.repeat(20)}`;
        return [header, ...Object.entries(row).map(([k, v]) => `${k.padEnd(width)} | ${v}`)].join('\n');
      })
      .join('\n') + '\n'
  );
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 2)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function describe(s: Status): string {
  if (s.role === 'primary') {
    if (s.fenced) return 'fenced: refusing writes';
    const waiting = s.waiting_commits ? `, ${s.waiting_commits} commits waiting for a standby` : '';
    const semi = s.semi_sync_status ? `, semi-sync ${s.semi_sync_status}` : '';
    return `accepting writes, ${s.replication.length} standby(s)${semi}${waiting}`;
  }
  const r = s.wal_receiver;
  const delay = s.recovery_min_apply_delay ? `, recovery_min_apply_delay ${s.recovery_min_apply_delay}ms` : '';
  return `${r ? `${r.status} from ${r.sender}` : 'no WAL receiver'}, replay ${s.replay_lsn}${delay}`;
}

type Action = (words: string[], nodes: DbNode[], io: CommandIO) => Promise<number>;

const ACTIONS: Record<string, { usage: string; help: string; run: Action }> = {
  get: {
    usage: 'db get KEY [--on NODE]',
    help: 'read a key (from the primary, or from NODE: a standby may be behind)',
    async run(args, nodes, io) {
      const { words, on } = target(args);
      if (words.length !== 1) return usage(io, 'get');
      const node = on !== undefined ? pick(on, nodes) : await findPrimary(nodes);
      const { value, replay_lsn } = await using(node, (c) => c.get(words[0]));
      const rows = value === null ? [] : [[words[0], value]];
      const widths = [Math.max(3, ...rows.map((r) => r[0].length)), Math.max(5, ...rows.map((r) => r[1].length))];
      io.out(
        ` ${'key'.padEnd(widths[0])} | ${'value'.padEnd(widths[1])}\n-${'-'.repeat(widths[0])}-+-${'-'.repeat(widths[1])}-\n`,
      );
      for (const [k, v] of rows) io.out(` ${k.padEnd(widths[0])} | ${v}\n`);
      io.out(
        `(${rows.length} row${rows.length === 1 ? '' : 's'})  -- read on ${node.name} at replay_lsn ${replay_lsn}\n`,
      );
      return 0;
    },
  },
  set: {
    usage: 'db set KEY VALUE [--on NODE]',
    help: 'write a key on the primary (or try it on NODE: a standby refuses)',
    async run(args, nodes, io) {
      const { words, on } = target(args);
      if (words.length < 2) return usage(io, 'set');
      const node = on !== undefined ? pick(on, nodes) : await findPrimary(nodes);
      const lsn = await using(node, (c) => c.set(words[0], words.slice(1).join(' ')));
      io.out(`INSERT 0 1  -- on ${node.name}, commit lsn ${lsn}\n`);
      return 0;
    },
  },
  del: {
    usage: 'db del KEY [--on NODE]',
    help: 'delete a key on the primary',
    async run(args, nodes, io) {
      const { words, on } = target(args);
      if (words.length !== 1) return usage(io, 'del');
      const node = on !== undefined ? pick(on, nodes) : await findPrimary(nodes);
      const lsn = await using(node, (c) => c.del(words[0]));
      io.out(`DELETE  -- on ${node.name}, commit lsn ${lsn}\n`);
      return 0;
    },
  },
  status: {
    usage: 'db status',
    help: 'every database node: role, timeline, position, replication mode',
    async run(args, nodes, io) {
      if (args.length) return usage(io, 'status');
      const all = await statuses(nodes);
      const rows = [['NODE', 'ADDRESS', 'ROLE', 'TIMELINE', 'LSN', 'MODE', 'STATE']];
      all.forEach((s, i) =>
        rows.push(
          s instanceof Error
            ? [nodes[i].name, nodes[i].address, '-', '-', '-', '-', `not answering (${s.message})`]
            : [
                nodes[i].name,
                nodes[i].address,
                s.role,
                String(s.timeline),
                s.flush_lsn,
                s.role === 'primary' ? s.mode : '',
                describe(s),
              ],
        ),
      );
      io.out(table(rows));
      return 0;
    },
  },
  lag: {
    usage: 'db lag [NODE MS]',
    help: 'pg_stat_replication on the primary; with NODE MS, delay replay on a standby (recovery_min_apply_delay)',
    async run(args, nodes, io) {
      if (args.length === 2) {
        const delay = Number(args[1].replace(/ms$/, ''));
        if (!Number.isInteger(delay) || delay < 0) return usage(io, 'lag');
        const node = pick(args[0], nodes);
        await using(node, (c) => c.setConfig({ recovery_min_apply_delay: delay }));
        io.out(`ALTER SYSTEM  -- recovery_min_apply_delay = '${delay}ms' on ${node.name}\n`);
        return 0;
      }
      if (args.length) return usage(io, 'lag');
      const primary = await findPrimary(nodes);
      const s = await using(primary, (c) => c.status());
      io.out(`pg_stat_replication on ${primary.name} (pg_current_wal_lsn ${s.current_lsn}):\n`);
      io.out(
        expanded(
          s.replication.map((r: ReplicationRow) => ({
            ...r,
            write_lag: interval(r.write_lag),
            flush_lag: interval(r.flush_lag),
            replay_lag: interval(r.replay_lag),
          })),
        ),
      );
      return 0;
    },
  },
  promote: {
    usage: 'db promote NODE',
    help: 'promote a standby to primary on a new timeline (pg_ctl promote)',
    async run(args, nodes, io) {
      if (args.length !== 1) return usage(io, 'promote');
      const node = pick(args[0], nodes);
      io.out('waiting for server to promote....');
      const timeline = await using(node, (c) => c.promote());
      io.out(` done\nserver promoted  -- ${node.name} is a primary on timeline ${timeline}\n`);
      return 0;
    },
  },
  mode: {
    usage: 'db mode async|semi-sync|sync',
    help: 'replication mode of every node, kept in store.conf: when a write is acknowledged',
    // ALTER SYSTEM then pg_reload_conf(): the setting is in the file every node reads at start, so it survives a
    // restart and a failover (a promoted standby acknowledges as the file says). Nodes that are down read it when
    // they start.
    async run(args, nodes, io) {
      if (args.length !== 1) return usage(io, 'mode');
      const mode = args[0];
      if (!MODES.includes(mode as Mode)) {
        io.err(
          `ERROR:  invalid value for parameter "mode": "${mode}"\nHINT:  Available values: ${MODES.join(', ')}.\n`,
        );
        return 1;
      }
      const file = sessionFile(io.session.folder, 'store.conf');
      if ('error' in file) throw new Error(file.error);
      writeFileSync(file.path, withSetting(readFileSync(file.path, 'utf8'), 'mode', mode));
      const reloaded = await Promise.all(
        nodes.map((n) =>
          using(n, (c) => c.reload()).then(
            () => n.name,
            (e: Error) => `${n.name} (not reloaded: ${e.message})`,
          ),
        ),
      );
      io.out(`ALTER SYSTEM  -- mode = '${mode}' in store.conf; pg_reload_conf() on ${reloaded.join(', ')}\n`);
      return 0;
    },
  },
  switchover: {
    usage: 'db switchover [--candidate NODE]',
    help: 'planned handover: the primary stops writing, a caught-up standby gets everything and is promoted, the old primary follows it (patronictl switchover)',
    async run(args, nodes, io) {
      const flags = options(args, ['--candidate', '--leader']);
      if (typeof flags === 'string') return usage(io, 'switchover');
      const all = await statuses(nodes);
      const primary = writablePrimary(all);
      if (primary === undefined) throw new Error('Switchover failed: no primary is accepting writes (try db status)');
      const leader = all[primary] as Status;
      if (flags['--leader'] !== undefined && flags['--leader'] !== nodes[primary].name) {
        throw new Error(
          `Switchover failed, details: 412, leader name does not match: the primary is ${nodes[primary].name}`,
        );
      }
      if (flags['--candidate'] !== undefined) pick(flags['--candidate'], nodes);
      const standbys = nodes.flatMap((node, i): SwitchoverView[] => {
        if (i === primary) return [];
        const s = all[i];
        const host = node.address.slice(0, node.address.lastIndexOf(':'));
        if (s instanceof Error) return [{ name: node.name, host, unreachable: s.message }];
        const row = leader.replication.find((r) => r.client_addr === host);
        return [
          {
            name: node.name,
            host,
            role: s.role,
            ...(row && { stream: { state: row.state, flush_lsn: parseLsn(row.flush_lsn) } }),
          },
        ];
      });
      const choice = chooseSwitchoverCandidate(standbys, flags['--candidate']);
      if ('reason' in choice) throw new Error(`Switchover failed, details: 412, ${choice.reason}`);
      const [from, to] = [nodes[primary], pick(choice.candidate.name, nodes)];
      io.out(
        `Switching over from ${from.name} (primary at ${leader.current_lsn}) to ${to.name} (flushed up to ${formatLsn(choice.candidate.stream!.flush_lsn)})\n`,
      );
      const end = await using(from, (c) => c.demote(to.address, HANDOVER_MS)).catch((error: Error) => {
        throw new Error(`Switchover failed, details: ${error instanceof StoreError ? error.text : error.message}`);
      });
      io.out(`${from.name} stopped taking writes; ${to.name} has flushed its whole log, up to ${end}\n`);
      io.out('waiting for server to promote....');
      let timeline: number;
      try {
        timeline = await using(to, (c) => c.promote());
      } catch (error) {
        // Nobody takes writes now: the old primary, which has every record, takes the role back (on a new timeline).
        const back = await using(from, (c) => c.promote()).then(
          (t) => `${from.name} is the primary again, on timeline ${t}`,
          (e: Error) =>
            `${from.name} could not take the role back either (${e.message}): promote a node with db promote`,
        );
        throw new Error(`Switchover failed: ${to.name} was not promoted (${(error as Error).message}); ${back}`);
      }
      io.out(' done\n');
      // Under a failover monitor with fencing, the new primary takes writes once the monitor's next heartbeat
      // grants it a lease: the switchover is over when it does (Patroni: when the new leader holds the leader key).
      if (!(await writableWithin(to, LEASE_WAIT_MS))) {
        io.out(
          `${to.name} is the primary but not accepting writes yet: no lease from the failover monitor within ${LEASE_WAIT_MS / 1000} s (db status shows it)\n`,
        );
      }
      // The old primary and every other standby follow the new one (Patroni repoints them; repmgr with
      // --siblings-follow). None has a record past the switchpoint, so none has anything to rewind.
      const others = nodes.filter((n, i) => n !== to && (i === primary || !(all[i] instanceof Error)));
      const repointed = await Promise.all(
        others.map((n) =>
          using(n, (c) => c.rejoin(to.address)).then(
            () => n.name,
            (e: Error) => `not ${n.name} (${e.message}: db rejoin ${n.name} later)`,
          ),
        ),
      );
      io.out(`${new Date().toISOString().replace('T', ' ').slice(0, 23)} Successfully switched over to "${to.name}"\n`);
      io.out(
        `${to.name} is the primary on timeline ${timeline}; ${repointed.join(', ')} follow it, with nothing to rewind\n\n`,
      );
      return ACTIONS.status.run([], nodes, io);
    },
  },
  rejoin: {
    usage: 'db rejoin NODE',
    help: 'make an old primary a standby of the current primary, discarding its divergent writes (pg_rewind)',
    async run(args, nodes, io) {
      if (args.length !== 1) return usage(io, 'rejoin');
      const node = pick(args[0], nodes);
      const primary = await findPrimary(nodes.filter((n) => n !== node));
      await using(node, (c) => c.rejoin(primary.address));
      io.out(`${node.name} now follows ${primary.name} (${primary.address}); its log shows what pg_rewind discarded\n`);
      return 0;
    },
  },
};

function usage(io: CommandIO, name: string): number {
  io.err(`usage: ${ACTIONS[name].usage}\n`);
  return 2;
}

export const db: Command = {
  name: 'db',
  summary: 'use the replicated store',
  usage: [
    ...Object.values(ACTIONS).map((a) => `${a.usage.padEnd(36)}${a.help}`),
    'Examples: db set user:1 alice   db get user:1 --on db-02   db lag db-02 2000   db switchover --candidate db-02',
  ].join('\n'),
  async run([name, ...words], io) {
    const action = name ? ACTIONS[name] : undefined;
    if (!action) {
      io.err(
        name
          ? `db: unknown sub-command '${name}'${didYouMean(name, Object.keys(ACTIONS))}. Type 'help db' for the list.\n`
          : `${wrap(db.usage, io.columns)}\n`,
      );
      return 2;
    }
    try {
      return await action.run(words, await dbNodes(io), io);
    } catch (error) {
      io.err(error instanceof StoreError ? `${error.text}\n` : `db ${name}: ${unreachable(error as Error)}\n`);
      return 1;
    }
  },
  async complete(args, io) {
    if (args.length === 1) return Object.keys(ACTIONS);
    if (
      ['--on', '--candidate', '--leader'].includes(args.at(-2) ?? '') ||
      ['promote', 'rejoin', 'lag'].includes(args[0])
    )
      return nodeNames(io.session);
    return [];
  },
};
