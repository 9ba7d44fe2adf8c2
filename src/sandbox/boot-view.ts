// What the lesson panel and the probe page both show while a runtime boots and a program runs: named parts of the
// markup, the list of boot steps with the notices that explain a failure, and a process's output read as lines.
import type { RuntimeKind } from '../runtime/types';
import type { Notice } from '../runtime/visit';

/** The element marked `data-part="name"` inside `root`. */
export function part<T extends HTMLElement>(root: HTMLElement, name: string): T {
  return root.querySelector<T>(`[data-part="${name}"]`)!;
}

/**
 * The boot steps as a list: a step is marked done when the next one begins, and failed (never done) when a notice
 * tells what went wrong; each notice is a paragraph naming the runtime tried next, if any. A quiet notice (no local
 * bridge on a static host, the usual case) adds no paragraph but marks its step as fallen back, never done.
 */
export function bootProgress(steps: HTMLOListElement, notices: HTMLElement) {
  let current: HTMLLIElement | undefined;
  return {
    step(label: string): void {
      current?.setAttribute('data-done', '');
      current = document.createElement('li');
      current.textContent = label;
      steps.append(current);
    },
    notice(problem: Notice, fallback?: RuntimeKind, quiet = false): void {
      current?.setAttribute(quiet ? 'data-fell-back' : 'data-failed', '');
      current = undefined;
      if (quiet) return;
      const p = document.createElement('p');
      p.textContent = [problem.message, problem.advice, fallback && `Trying the ${fallback} runtime instead.`]
        .filter(Boolean)
        .join(' ');
      notices.append(p);
      notices.hidden = false;
    },
    /** Marks the last step done (the runtime and its program are up). */
    done(): void {
      current?.setAttribute('data-done', '');
    },
  };
}

/** Reads a process's output as whole lines (a terminal's \r\n read as \n), until it ends. */
export async function eachLine(output: ReadableStream<string>, onLine: (line: string) => void): Promise<void> {
  let pending = '';
  const reader = output.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (pending + value).replace(/\r/g, '').split('\n');
    pending = lines.pop() ?? '';
    lines.filter((line) => line.trim()).forEach(onLine);
  }
  if (pending.trim()) onLine(pending);
}
