// The probe page's report: the probe program's JSON lines (sandboxes/probe/runner.ts) turned into rows, the page's
// own rows and figures added, one summary over all of it, and the whole as plain text to copy into an issue or into
// the compatibility notes. No DOM here: page.ts draws it.
import type { Row, Summary } from '../../sandboxes/probe/runner';
import { allPass, someFail } from '../../sandboxes/probe/verdict';
import type { Prompt } from '../../sandboxes/probe/terminal';

export type { Row, Summary, Prompt };

/** One line of the probe's output, sorted by what it is. Anything that is not one of its JSON lines is `other`. */
export type ProbeLine =
  | { kind: 'row'; row: Row }
  | { kind: 'prompt'; prompt: Prompt }
  | { kind: 'summary'; summary: Summary }
  | { kind: 'other'; text: string };

export function readLine(text: string): ProbeLine {
  const start = text.indexOf('{');
  if (start !== -1) {
    try {
      const value = JSON.parse(text.slice(start)) as Record<string, unknown>;
      // Text before the JSON (a terminal's echo landing on the same line) still counts as other output.
      const before = text.slice(0, start);
      if (before.trim()) return { kind: 'other', text };
      if (typeof value.check === 'string') return { kind: 'row', row: value as unknown as Row };
      if (typeof value.prompt === 'string') return { kind: 'prompt', prompt: value as unknown as Prompt };
      if (typeof value.summary === 'string') return { kind: 'summary', summary: value as unknown as Summary };
    } catch {
      // not JSON: other output
    }
  }
  return { kind: 'other', text };
}

/** The one-sentence verdict over every row, as the page shows it and the report ends with it. */
export function verdict(rows: Row[]): { text: string; failed: Row[] } {
  const needed = rows.filter((row) => row.needed);
  const failed = needed.filter((row) => row.result !== 'pass');
  const sentence = failed.length ? someFail(failed.map((row) => row.check)) : allPass(needed.length);
  const text = sentence.replace(/^./, (first) => first.toUpperCase());
  return { text, failed };
}

export const RESULT_LABEL: Record<Row['result'], string> = { pass: 'PASS', fail: 'FAIL', info: 'INFO' };

/** The whole report as text: where it ran, the page's figures, every row, the verdict. */
export function reportText({
  page,
  figures,
  rows,
}: {
  page: string;
  figures: [string, string][];
  rows: Row[];
}): string {
  const width = Math.max(...rows.map((row) => row.check.length), 5);
  return [
    `Capability probe report: ${page}`,
    `Taken ${new Date().toISOString()} with ${navigator.userAgent}`,
    '',
    ...figures.map(([name, value]) => `${name}: ${value}`),
    '',
    ...rows.map((row) =>
      [
        `${RESULT_LABEL[row.result]} ${row.check.padEnd(width)} ${row.needed ? 'needed' : '      '}`,
        row.title,
        row.figure && `figure: ${row.figure}`,
        row.detail,
      ]
        .filter(Boolean)
        .join(' | '),
    ),
    '',
    verdict(rows).text,
    '',
  ].join('\n');
}
