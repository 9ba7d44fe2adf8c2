// The lessons' inline Markdown in texts the panel shows (hints, goal titles, summaries): `code`, **strong** and
// *emphasis*, nothing else. The text comes from scenario files, so it is never parsed as HTML: it is cut into runs
// that become text nodes inside <code>, <strong> and <em>, and anything not matched stays as typed.

export type Run = { kind: 'text' | 'code' | 'strong' | 'em'; text: string };

// A code span first (nothing inside it is markup), then ** and * around text that does not start or end with a
// space (so "5 * 3" and a lone asterisk stay text). Underscores are left alone: VI_1 and store_conf are names.
const INLINE = /`([^`]+)`|\*\*(\S(?:[^*]*\S)?)\*\*|\*(\S(?:[^*]*\S)?)\*/g;

export function inlineRuns(text: string): Run[] {
  const runs: Run[] = [];
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > at) runs.push({ kind: 'text', text: text.slice(at, match.index) });
    const [, code, strong, em] = match;
    runs.push(
      code !== undefined
        ? { kind: 'code', text: code }
        : strong !== undefined
          ? { kind: 'strong', text: strong }
          : { kind: 'em', text: em },
    );
    at = match.index + match[0].length;
  }
  if (at < text.length) runs.push({ kind: 'text', text: text.slice(at) });
  return runs;
}

/** Replaces an element's content with the text, its inline Markdown rendered. */
export function setInlineText(element: Element, text: string): void {
  element.replaceChildren(
    ...inlineRuns(text).map((run) => {
      if (run.kind === 'text') return document.createTextNode(run.text);
      const node = document.createElement(run.kind);
      node.textContent = run.text;
      return node;
    }),
  );
}
