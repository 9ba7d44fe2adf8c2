// A goal's solution as a learner follows it, step by step: each command line typed at the prompt; an `edit FILE`
// line, with the comment lines after it saying what to change, done with the editor's own keys (arrows, End, typing,
// ^S to save, ^X to exit); a "# wait ..." line waited out. The keys are worked out from the scenario's file as it
// starts, so a comment that quotes a line the file does not have fails here, as it would stop a learner.
import type { Goal, Scenario } from '../../sandboxes/contracts/scenario';
import type { SandboxEvent } from '../../sandboxes/contracts/events/index';

/** A key by Playwright's name (what page.keyboard.press takes), or text to type. */
export type EditorKey =
  | { press: 'ArrowDown' | 'ArrowRight' | 'Home' | 'End' | 'Delete' | 'Enter' | 'Control+s' | 'Control+x' }
  | { text: string };

export type Step =
  | { kind: 'command'; line: string }
  | { kind: 'edit'; file: string; keys: EditorKey[]; text: string } // text: the file as the edit leaves it
  | { kind: 'wait'; until: string };

/** What a terminal sends for each key (xterm.js's normal cursor mode): for driving the shell through a pipe. */
export const terminalBytes: Record<Extract<EditorKey, { press: string }>['press'], string> = {
  ArrowDown: '\x1b[B',
  ArrowRight: '\x1b[C',
  Home: '\x1b[H',
  End: '\x1b[F',
  Delete: '\x1b[3~',
  Enter: '\r',
  'Control+s': '\x13',
  'Control+x': '\x18',
};

export function steps(scenario: Scenario, goal: Goal): Step[] {
  const files = { ...scenario.files }; // as they are after each edit of this solution
  const lines = goal.solution.map((line) => line.trim());
  const result: Step[] = [];
  for (let i = 0; i < lines.length; i++) {
    const edit = /^edit (\S+)$/.exec(lines[i]);
    if (edit) {
      const said: string[] = [];
      while (lines[i + 1]?.startsWith('#') && !isWait(lines[i + 1])) said.push(lines[++i].replace(/^#\s*/, ''));
      const file = edit[1];
      if (files[file] === undefined) throw new Error(`${goal.id}: the scenario has no file ${file}`);
      const change = editorKeys(files[file], said, `${goal.id}: edit ${file}`);
      files[file] = change.text;
      result.push({ kind: 'edit', file, keys: change.keys, text: change.text });
    } else if (isWait(lines[i])) {
      result.push({ kind: 'wait', until: lines[i].replace(/^#\s*/, '') });
    } else if (lines[i].startsWith('#')) {
      throw new Error(`${goal.id}: a comment that is neither an edit's instruction nor a wait: ${lines[i]}`);
    } else {
      result.push({ kind: 'command', line: lines[i] });
    }
  }
  return result;
}

const isWait = (line: string) => /^#\s*wait\b/.test(line);

/**
 * The keys that make the change the comment lines describe, in one of the phrasings the solutions use:
 *   add "weight 3" at the end of the line "server web-02 ...", save
 *   add the line "option redispatch" under "retries 3" in backend be_app, save
 *   change "balance roundrobin" to "balance leastconn", save
 *   under "bind :80" in frontend fe_web add:   (then one comment line per line to add)
 */
function editorKeys(text: string, said: string[], what: string): { keys: EditorKey[]; text: string } {
  const lines = text.split('\n');
  const [first = '', ...more] = said;
  const only = (quoted: string, matches: (line: string) => boolean) => {
    const rows = lines.flatMap((line, row) => (matches(line) ? [row] : []));
    if (rows.length !== 1) throw new Error(`${what}: "${quoted}" is on ${rows.length} lines of the file, not one`);
    return rows[0];
  };
  const lineRow = (quoted: string) => only(quoted, (line) => line.trim() === quoted);
  const down = (row: number): EditorKey[] => Array.from({ length: row }, () => ({ press: 'ArrowDown' }));
  const save: EditorKey[] = [{ press: 'Control+s' }, { press: 'Control+x' }];
  let m: RegExpExecArray | null;

  if ((m = /^add "(.+)" at the end of the line "(.+)", save$/.exec(first)) && !more.length) {
    const [, added, quoted] = m;
    const row = lineRow(quoted);
    lines[row] += ` ${added}`;
    return { keys: [...down(row), { press: 'End' }, { text: ` ${added}` }, ...save], text: lines.join('\n') };
  }
  if ((m = /^change "(.+)" to "(.+)", save$/.exec(first)) && !more.length) {
    const [, from, to] = m;
    const row = only(from, (line) => line.includes(from));
    const column = lines[row].indexOf(from);
    lines[row] = lines[row].replace(from, to);
    const right: EditorKey[] = Array.from({ length: column }, () => ({ press: 'ArrowRight' }));
    const erase: EditorKey[] = Array.from({ length: from.length }, () => ({ press: 'Delete' }));
    return {
      keys: [...down(row), { press: 'Home' }, ...right, ...erase, { text: to }, ...save],
      text: lines.join('\n'),
    };
  }
  const insertUnder = (quoted: string, added: string[]): { keys: EditorKey[]; text: string } => {
    const row = lineRow(quoted);
    const indent = /^\s*/.exec(lines[row])![0]; // typed as the lines around it are indented
    lines.splice(row + 1, 0, ...added.map((line) => indent + line));
    const typed = added.flatMap((line): EditorKey[] => [{ press: 'Enter' }, { text: indent + line }]);
    return { keys: [...down(row), { press: 'End' }, ...typed, ...save], text: lines.join('\n') };
  };
  if ((m = /^add the line "(.+)" under "(.+?)"(?: in [\w ]+)?, save$/.exec(first)) && !more.length)
    return insertUnder(m[2], [m[1]]);
  if ((m = /^under "(.+?)"(?: in [\w ]+)? add:$/.exec(first)) && more.length) return insertUnder(m[1], more);
  throw new Error(`${what}: the test cannot follow these instructions: ${said.join(' / ') || '(none)'}`);
}

/** What the solutions' "# wait ..." lines wait for, as the events that show it happened. */
const WAITS: [RegExp, (said: RegExpExecArray) => (e: SandboxEvent) => boolean][] = [
  [/promote a standby/, () => (e) => e.type === 'store.promote'],
  [
    /until (\S+) has started/,
    ([, node]) =>
      (e) =>
        e.type === 'store.ready' && e.node === node,
  ],
];

/** The event a "# wait ..." step waits for; an error for a wait no one taught this test to recognise. */
export function awaited(step: Extract<Step, { kind: 'wait' }>): (e: SandboxEvent) => boolean {
  const wait = WAITS.find(([said]) => said.test(step.until));
  if (!wait) throw new Error(`the test does not know what "# ${step.until}" waits for`);
  return wait[1](wait[0].exec(step.until)!);
}
