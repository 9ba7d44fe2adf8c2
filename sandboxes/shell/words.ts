// Splits a command line into words the way a POSIX shell does for the cases learners type: 'single quotes',
// "double quotes" (backslash escapes \" \\ \$ \`), backslash outside quotes, `|` between commands, and a trailing `&`
// that runs the line in the background (see jobs.ts).
// No variables, globbing or redirections: the sandbox has no files worth globbing and no environment to expand.

export interface Parsed {
  /** The commands of a pipeline, each a list of words. */
  pipeline: string[][];
  /** Whether the line ended inside a word (so completion knows the last word is being typed). */
  openWord: boolean;
  /** Whether the line ended with `&`: run it as a background job. */
  background: boolean;
}

export class ParseError extends Error {}

export function parseLine(line: string): Parsed {
  const pipeline: string[][] = [[]];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  let background = false;
  const endWord = () => {
    if (word !== undefined) pipeline[pipeline.length - 1].push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (background && c !== ' ' && c !== '\t') {
      // bash would run what follows as a second command; this shell runs one command line at a time.
      throw new ParseError("`&' must end the line: it runs the command before it in the background (one job per line)");
    }
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && '"\\$`'.includes(line[i + 1] ?? '')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\') {
      word = (word ?? '') + (line[++i] ?? '');
    } else if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === '&') {
      endWord();
      if (pipeline[pipeline.length - 1].length === 0) throw new ParseError("syntax error near unexpected token `&'");
      background = true;
    } else if (c === '|') {
      endWord();
      if (pipeline[pipeline.length - 1].length === 0) throw new ParseError("syntax error near unexpected token `|'");
      pipeline.push([]);
    } else {
      word = (word ?? '') + c;
    }
  }
  // bash's own wording for an unclosed quote.
  if (quote) throw new ParseError(`unexpected EOF while looking for matching \`${quote}'`);
  const openWord = word !== undefined;
  endWord();
  if (pipeline.length > 1 && pipeline[pipeline.length - 1].length === 0) {
    throw new ParseError("syntax error: unexpected end of line after `|'");
  }
  return { pipeline, openWord, background };
}

/** Quotes a word for display or completion so that parseLine gives it back unchanged. */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
