/**
 * Lets the page handle input and paint before the next large piece of work, so that no two of them make one long
 * task (scrolling and typing stay smooth while a sandbox starts or a diagram is drawn). Chromium's scheduler.yield()
 * keeps the caller's place at the front of the queue; elsewhere a new task.
 */
export function yieldToPage(): Promise<void> {
  const { scheduler } = globalThis as { scheduler?: { yield?: () => Promise<void> } };
  return scheduler?.yield ? scheduler.yield() : new Promise((resolve) => setTimeout(resolve));
}
