// A session folder can see several scenarios one after another (the course keeps one runtime for a whole visit and
// starts each lesson's scenario in it). Nothing of an earlier run may carry over: its lab files, its network state
// (addresses, cut links, firewalls), its databases' data, its control.json. The supervisor notes what it writes, and
// the next one removes it before starting.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NOTE = 'lab.json';

/** Removes what an earlier supervisor left in the session folder (`state` is its .sandbox folder). */
export function clearEarlierRun(session: string, state: string): void {
  const note = join(state, NOTE);
  // Only plain names the earlier scenario wrote, never a path out of the session folder.
  for (const file of notedFiles(note).filter((f) => /^[\w.-]+$/.test(f) && f !== '.' && f !== '..'))
    rmSync(join(session, file), { force: true });
  rmSync(state, { recursive: true, force: true });
}

/** The files an earlier run noted; none when there is no note (or only a torn one, which the rename below prevents). */
function notedFiles(note: string): string[] {
  if (!existsSync(note)) return [];
  try {
    const { files } = JSON.parse(readFileSync(note, 'utf8')) as { files?: unknown };
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/** Notes the lab files this run writes, for the next run to remove; written whole or not at all. */
export function noteLabFiles(state: string, scenario: string, files: string[]): void {
  const note = join(state, NOTE);
  writeFileSync(`${note}.tmp`, JSON.stringify({ scenario, files }) + '\n');
  renameSync(`${note}.tmp`, note);
}
