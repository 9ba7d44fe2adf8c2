// Transcript files, in the format etcd's raft tests its state machine with (raft's testdata/*.txt, read by
// cockroachdb's datadriven): each case is a command line, a line "----", and the output it must produce, up to a
// blank line. Lines starting with "#" between cases are comments; the file's first one says what it shows.
//
//   # A fenced primary refuses writes.
//   write set k
//   ----
//   reply ERROR:  cannot execute INSERT in a read-only transaction (SQLSTATE 25006)
//
// A command is a word, then arguments: `key=value`, or a bare word (a flag or a positional value).
// With TRANSCRIPTS=rewrite in the environment, the actual output is written into the file instead of compared
// (after a deliberate change: review it with git diff), as datadriven's -rewrite does.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { expect } from 'vitest';

export interface Command {
  name: string;
  /** `key=value` arguments. */
  named: Map<string, string>;
  /** Bare words, in order. */
  bare: string[];
  /** 1-based line of the command in its file. */
  line: number;
  text: string;
}

interface Case {
  command: Command;
  expected: string[];
  /** Where the expected output starts and ends (0-based line indexes, end exclusive), for a rewrite. */
  from: number;
  to: number;
}

/** The first comment of a transcript: the sentence its test is named by. */
export function title(file: string): string {
  const first = readFileSync(file, 'utf8')
    .split('\n')
    .find((line) => line.startsWith('#'));
  if (!first) throw new Error(`${file}: a transcript starts with a "#" line saying what it shows`);
  return first.replace(/^#\s*/, '');
}

function parse(file: string, lines: string[]): Case[] {
  const cases: Case[] = [];
  let i = 0;
  while (i < lines.length) {
    const text = lines[i].trim();
    if (text === '' || text.startsWith('#')) {
      i++;
      continue;
    }
    if (lines[i + 1]?.trim() !== '----')
      throw new Error(`${file}:${i + 2}: expected "----" after the command "${text}"`);
    const [name, ...words] = text.split(/\s+/);
    const named = new Map<string, string>();
    const bare: string[] = [];
    for (const word of words) {
      const eq = word.indexOf('=');
      if (eq > 0) named.set(word.slice(0, eq), word.slice(eq + 1));
      else bare.push(word);
    }
    const from = i + 2;
    let to = from;
    while (to < lines.length && lines[to].trim() !== '') to++;
    cases.push({ command: { name, named, bare, line: i + 1, text }, expected: lines.slice(from, to), from, to });
    i = to;
  }
  return cases;
}

/**
 * Runs every case of `file` in order through `run` (which keeps whatever state the cases share) and compares what it
 * returns with the expected lines: the first mismatch fails with the file, the line, the command and a diff.
 */
export function replay(file: string, run: (command: Command) => string[]): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const where = (command: Command) => `${relative(process.cwd(), file)}:${command.line}: ${command.text}`;
  const rewrite = process.env.TRANSCRIPTS === 'rewrite';
  const outputs: { at: Case; actual: string[] }[] = [];
  for (const at of parse(file, lines)) {
    let actual: string[];
    try {
      actual = run(at.command);
    } catch (error) {
      throw new Error(`${where(at.command)}: ${(error as Error).message}`, { cause: error });
    }
    if (actual.length === 0) actual = ['ok'];
    if (rewrite) outputs.push({ at, actual });
    else expect(actual.join('\n'), where(at.command)).toBe(at.expected.join('\n'));
  }
  if (!rewrite) return;
  for (const { at, actual } of outputs.reverse()) lines.splice(at.from, at.to - at.from, ...actual);
  writeFileSync(file, lines.join('\n'));
}
