// The replica's decisions (sandboxes/store/replica.ts), replayed from the transcripts in testdata/: each file feeds
// the pure core events (start, heartbeats, the clock, writes, promotion, hand-over, a primary's history) and lists
// the actions it must return, one per line. See transcript.ts for the format. `npm run coverage:replica` checks that
// they exercise every line and branch of replica.ts.
//
// Commands (every one takes `at=MS`, which moves the clock forward first; it starts at 0):
//   start address=HOST:PORT [standby-of=HOST:PORT]                          a fresh data directory
//   start address=.. role=primary|standby [primary=..] [timeline=N] [history=TLI@LSN,..] [leased]   a restart
//   heartbeat [primary=..] [timeline=N] [fencing] [lease=MS] [sent=MS]    sent defaults to the clock
//   tick                                                                    the lease timer fired
//   write set|del KEY
//   acknowledge timeline=N                 a commit written on timeline N may be acknowledged by the mode
//   promote [lease=MS] [sent=MS]  /  promoted end=LSN
//   rejoin primary=..
//   demote candidate=.. [timeout=MS]  /  handed-over candidate=.. confirmed|timed-out end=LSN [timeout=MS]
//   adopt timeline=N [history=..]
//   identify timeline=N [history=..] flush=LSN   the primary's IDENTIFY_SYSTEM, against this standby's end of log
//   state
//   replay delay=MS commits=MS,MS,..    which received records recovery_min_apply_delay lets a standby replay
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import type { Control, TimelineSwitch } from '../../../sandboxes/store/control';
import { formatLsn, parseLsn } from '../../../sandboxes/contracts/lsn';
import {
  divergence,
  dueForReplay,
  freshControl,
  Replica,
  terminated,
  type Action,
} from '../../../sandboxes/store/replica';
import type { Message } from '../../../sandboxes/store/wire';
import { replay, title, type Command } from './transcript';

const folder = join(import.meta.dirname, 'testdata');
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.txt'))
  .sort();

describe('the replica, replayed from its transcripts', () => {
  it.each(files.map((name) => [title(join(folder, name)), name]))('%s (%s)', (_title, name) => {
    const session = new Session();
    replay(join(folder, name), (command) => session.run(command));
  });
});

class Session {
  private replica?: Replica;
  private now = 0;

  run(command: Command): string[] {
    const at = command.named.get('at');
    if (at !== undefined) {
      if (Number(at) < this.now) throw new Error(`the clock only moves forward (it is at ${this.now})`);
      this.now = Number(at);
    }
    if (command.name === 'start') return this.start(command);
    if (command.name === 'replay') return this.replay(command);
    const replica = this.replica;
    if (!replica) throw new Error('start the replica first');
    const get = (key: string) => {
      const value = command.named.get(key);
      if (value === undefined) throw new Error(`${command.name} needs ${key}=`);
      return value;
    };
    const number = (key: string, otherwise: number) =>
      command.named.has(key) ? Number(command.named.get(key)) : otherwise;
    switch (command.name) {
      case 'heartbeat':
        return this.show(
          replica.heartbeat(
            {
              primary: command.named.get('primary'),
              timeline: number('timeline', 0),
              fencing: command.bare.includes('fencing'),
              lease_ms: number('lease', NaN),
              sent_at: number('sent', this.now),
            },
            this.now,
          ),
        );
      case 'tick':
        return this.show(replica.tick(this.now));
      case 'write': {
        const [op, key] = command.bare;
        if (op !== 'set' && op !== 'del') throw new Error('write set|del KEY');
        return this.show(replica.write(op === 'set' ? { op, key, value: 'v' } : { op, key }, this.now));
      }
      case 'acknowledge': {
        const why = replica.acknowledgement(Number(get('timeline')), this.now);
        return why === undefined ? ['acknowledge'] : reply(terminated(why));
      }
      case 'promote':
        return this.show(replica.promote(number('lease', 0), number('sent', this.now)));
      case 'promoted':
        return this.show(
          replica.promoted(parseLsn(get('end')), number('lease', 0), number('sent', this.now), this.now),
        );
      case 'rejoin':
        return this.show(replica.rejoin(get('primary')));
      case 'demote':
        return this.show(replica.demote(get('candidate'), number('timeout', 5000)));
      case 'handed-over':
        return this.show(
          replica.handedOver(
            get('candidate'),
            command.bare.includes('confirmed'),
            parseLsn(get('end')),
            number('timeout', 5000),
          ),
        );
      case 'adopt':
        return this.show(replica.adoptTimeline(Number(get('timeline')), history(command.named.get('history'))));
      case 'identify': {
        const found = divergence(
          { timeline: replica.timeline, flushLsn: parseLsn(get('flush')) },
          { timeline: Number(get('timeline')), history: history(command.named.get('history')) },
        );
        if (found.kind === 'none') return ['in step: stream from here'];
        if (found.kind === 'unknown-timeline') return [`refuse to stream: ${found.error}`];
        return [...found.logs.map((text) => `log ${text}`), `rewind to ${formatLsn(found.at)}`];
      }
      case 'state':
        return this.state(replica);
      default:
        throw new Error(`unknown command "${command.name}"`);
    }
  }

  private start(command: Command): string[] {
    const role = command.named.get('role');
    let control: Control;
    if (role === undefined) control = freshControl(command.named.get('standby-of'));
    else {
      if (role !== 'primary' && role !== 'standby') throw new Error('role=primary|standby');
      control = {
        role,
        primary_conninfo: command.named.get('primary'),
        timeline: Number(command.named.get('timeline') ?? 1),
        history: history(command.named.get('history')),
        state: 'shut down',
        leased: command.bare.includes('leased'),
      };
    }
    this.replica = new Replica(control);
    const address = command.named.get('address');
    if (!address) throw new Error('start needs address=HOST:PORT');
    return this.show(this.replica.start(address));
  }

  private replay(command: Command): string[] {
    const commits = (command.named.get('commits') ?? '')
      .split(',')
      .filter(Boolean)
      .map((ts) => ({ ts: Number(ts) }));
    const { due, wakeAt } = dueForReplay(commits, Number(command.named.get('delay') ?? 0), this.now);
    return [`replay ${due} of ${commits.length}${wakeAt === undefined ? '' : `, the next at ${wakeAt}`}`];
  }

  private state(replica: Replica): string[] {
    const expiry = replica.leaseExpiry;
    const refused = replica.refusal(this.now);
    return [
      identity(replica.control),
      `lease: ${expiry === undefined ? 'none' : `held until ${expiry}`}`,
      `writes at ${this.now}: ${refused ? `refused (${refused})` : 'accepted'}`,
    ];
  }

  /** One line per action; `persist` shows what the node writes to its control file once the event is handled. */
  private show(actions: Action[]): string[] {
    return actions.flatMap((action): string[] => {
      switch (action.kind) {
        case 'log':
          return [`log${action.level ? `[${action.level}]` : ''} ${action.text}`];
        case 'report': {
          const { type, ...fields } = action.event;
          return [`report ${type}${pairs(fields)}`];
        }
        case 'persist':
          return [`persist ${identity(this.replica!.control)}`];
        case 'cancel-commits':
          return [`cancel-commits: ${action.why}`];
        case 'stream':
          return [`stream from ${action.primary}`];
        case 'append':
          return [`append ${action.change.op} ${action.change.key}`];
        case 'finish-recovery':
          return [`finish-recovery lease=${action.lease_ms} sent=${action.sent_at}`];
        case 'hand-over':
          return [`hand-over to ${action.candidate} within ${action.timeout_ms} ms`];
        case 'reply':
          return reply(action.message);
        default:
          return [action.kind];
      }
    });
  }
}

/** A reply as psql shows an error (ERROR/DETAIL/HINT lines), or `reply ok` with its fields. */
function reply(message: Message): string[] {
  const { ok, error, sqlstate, detail, hint, ...rest } = message;
  if (ok) return [`reply ok${pairs(rest)}`];
  const lines = [`reply ${error}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}${pairs(rest)}`];
  if (detail) lines.push(`  DETAIL:  ${detail}`);
  if (hint) lines.push(`  HINT:  ${hint}`);
  return lines;
}

function pairs(fields: object): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(
      ([key, value]) =>
        ` ${key}=${key === 'lsn' && typeof value === 'number' ? formatLsn(value) : typeof value === 'string' ? value : JSON.stringify(value)}`,
    )
    .join('');
}

function identity(control: Control): string {
  const history = control.history.map((h) => `${h.tli}@${formatLsn(h.end)}`).join(',') || '-';
  return `role=${control.role} timeline=${control.timeline} history=${history} primary=${control.primary_conninfo ?? '-'} leased=${control.leased}`;
}

/** "1@0/300,2@0/500": timeline 1 ended at 0/300, timeline 2 at 0/500. */
function history(text: string | undefined): TimelineSwitch[] {
  if (!text) return [];
  return text.split(',').map((entry) => {
    const [tli, end] = entry.split('@');
    return { tli: Number(tli), end: parseLsn(end) };
  });
}
