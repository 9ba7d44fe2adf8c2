// The processes of this computer as a tree, so the bridge can count and end everything a session started: not only
// its process groups, which a program leaves with setsid() or a detached child, but every descendant. Linux: /proc;
// elsewhere: `ps`. A process is named by its pid and its start time, so a pid the system has reused since is never
// taken for the one the bridge saw.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  ppid: number;
  /** When it started, in the system's own terms (clock ticks since boot on Linux, a date elsewhere). */
  started: string;
}

const HAS_PROC = process.platform === 'linux';

/** Every process of the computer the bridge can see: pid → parent and start time. */
export function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  if (HAS_PROC) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const info = procStat(Number(name));
      if (info) table.set(Number(name), info);
    }
    return table;
  }
  const listing = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,lstart='], { encoding: 'utf8' });
  for (const line of listing.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.+?)\s*$/.exec(line);
    if (match) table.set(Number(match[1]), { ppid: Number(match[2]), started: match[3] });
  }
  return table;
}

/** The command line of a process, '' when it cannot be read. */
export function commandOf(pid: number): string {
  try {
    if (HAS_PROC) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Parent and start time from /proc/<pid>/stat (fields 4 and 22; the name in field 2 may hold spaces and parentheses). */
function procStat(pid: number): ProcessInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), started: fields[19] };
  } catch {
    return null; // ended meanwhile
  }
}

/** The processes that descend from `roots` (not the roots themselves), with their start times. */
export function descendantsOf(roots: Iterable<number>, table = processTable()): Map<number, string> {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Map<number, string>();
  const queue = [...roots];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (found.has(child)) continue;
      found.set(child, table.get(child)!.started);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Linux only: the processes whose environment (as they were started) holds `marker`, the variable the bridge gives
 * every process of a session and their children inherit. Finds the ones that left the tree (a double fork).
 */
export function markedProcesses(marker: string, table = processTable()): Map<number, string> {
  const found = new Map<number, string>();
  if (!HAS_PROC) return found;
  const needle = Buffer.from(`\0${marker}\0`);
  for (const [pid, { started }] of table) {
    try {
      if (Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${pid}/environ`), Buffer.from('\0')]).includes(needle))
        found.set(pid, started);
    } catch {
      // another user's process, or ended meanwhile
    }
  }
  return found;
}

/** SIGKILL to each process that is still the one seen (same pid, same start time). */
export function killSeen(seen: Map<number, string>, table = processTable()): void {
  for (const [pid, started] of seen) {
    if (table.get(pid)?.started !== started) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
}
