// Tab completion: the word under the cursor is completed from the command names (first word) or from what the
// command itself offers (sub-commands, node names, file names). One candidate completes the word; several are
// completed as far as they agree, and listed when that adds nothing, as bash does.
import type { CompletionIO } from './command';
import { parseLine, quoteWord } from './words';

export interface Completion {
  /** Index in the line where the word being completed starts. */
  start: number;
  /** The text that replaces line[start, cursor]. */
  replacement: string;
  /** Candidates to list under the prompt, when completing cannot choose. */
  listing: string[];
}

export async function complete(before: string, io: CompletionIO): Promise<Completion | undefined> {
  let words: string[];
  try {
    const parsed = parseLine(before);
    words = parsed.pipeline[parsed.pipeline.length - 1];
    if (!parsed.openWord) words = [...words, ''];
  } catch {
    return undefined; // inside an unclosed quote: nothing sensible to offer
  }
  const current = words[words.length - 1];
  let candidates: string[];
  if (words.length === 1) {
    candidates = io.commands.map((c) => c.name);
  } else {
    const command = io.commands.find((c) => c.name === words[0]);
    candidates = command?.complete ? await command.complete(words.slice(1), io) : [];
  }
  const matches = [...new Set(candidates.filter((c) => c.startsWith(current)))].sort();
  if (matches.length === 0) return undefined;
  const start = wordStart(before);
  if (matches.length === 1) {
    const done = matches[0];
    return { start, replacement: quoteWord(done) + (done.endsWith('/') ? '' : ' '), listing: [] };
  }
  const common = commonPrefix(matches);
  if (common.length > current.length) return { start, replacement: quoteWord(common), listing: [] };
  return { start, replacement: before.slice(start), listing: matches };
}

/** Where the last word of `text` starts: after the last space that is not inside quotes. */
function wordStart(text: string): number {
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === ' ' || c === '|') start = i + 1;
  }
  return start;
}

function commonPrefix(words: string[]): string {
  let prefix = words[0];
  for (const word of words) while (!word.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
