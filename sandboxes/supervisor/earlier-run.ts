// A session folder can see several scenarios one after another (the course keeps one runtime for a whole visit and
// starts each lesson's scenario in it). Nothing of an earlier run may carry over: its lab files, its network state
// (addresses, cut links, firewalls), its databases' data, its control.json. The supervisor notes what it writes, and
// the next one removes it before starting.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const NOTE = 'lab.json';

/** Removes what an earlier supervisor left in the session folder (`state` is its .sandbox folder). */
export function clearEarlierRun(session: string, state: string): void {
  const note = join(state, NOTE);
  if (existsSync(note)) {
    const { files } = JSON.parse(readFileSync(note, 'utf8')) as { files: string[] };
    // Only plain names the earlier scenario wrote, never a path out of the session folder.
    for (const file of files.filter((f) => /^[\w.-]+$/.test(f))) rmSync(join(session, file), { force: true });
  }
  rmSync(state, { recursive: true, force: true });
}

/** Notes the lab files this run writes, for the next run to remove. */
export function noteLabFiles(state: string, scenario: string, files: string[]): void {
  writeFileSync(join(state, NOTE), JSON.stringify({ scenario, files }) + '\n');
}
