// Help and usage texts fitted to the terminal, as man(1) fills them: lines too long for the width are broken between
// words, never inside one, and the rest of an option's description lines up under its start (the column after the
// first gap of two spaces, "  -r RATE       requests per second ..."), or else under the line's own start.

/** `text` with every line no wider than `width` (a word longer than the width stands alone on its line). */
export function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => wrapLine(line, Math.max(20, width - 1))) // the last column left free, so no line ends exactly at it
    .join('\n');
}

function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  const indent = line.length - line.trimStart().length;
  const gap = /\S {2,}(?=\S)/.exec(line.slice(indent));
  const column = gap ? indent + gap.index + gap[0].length : indent;
  const hanging = column <= width / 2 ? column : indent;
  const lines: string[] = [];
  let current = line.slice(0, indent);
  // Each word with the spaces before it, so that aligned columns within a line survive.
  for (const [piece, , word] of line.slice(indent).matchAll(/( *)(\S+)/g)) {
    if (current.trim() && current.length + piece.length > width) {
      lines.push(current);
      // A word too long for the aligned column starts at the line's own indentation instead.
      current = ' '.repeat(hanging + word.length <= width ? hanging : indent) + word;
    } else current += piece;
  }
  lines.push(current);
  return lines.join('\n');
}
