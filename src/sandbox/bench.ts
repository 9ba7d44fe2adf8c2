// One sandbox at a time on a page. Each <Sandbox> is a topology of several Node.js processes (up to 17 on a page of
// three), and in a WebContainer they all share the tab's memory: so a page runs only the sandbox the learner is
// using. The first one starts once the learner reads within a screen of it (so that it is up when they reach it), or
// at once when the learner comes from a lesson whose sandbox was running (the lab follows them to the next lesson),
// unless starting is costly on this device; every other one
// (and the first, on such a device) waits for its "Start this sandbox" button. Starting one stops the one running,
// which says why. The first one is readied as soon as it joins the page (its code loaded, its runtime connected and its
// supervisor loaded when that is cheap: src/runtime/visit.ts), so that coming into view starts its nodes at once.

/** A sandbox on the page, as the bench drives it (the <course-sandbox> element: src/components/Sandbox.astro). */
export interface Bench {
  /** Starts this sandbox's panel; `leaving` aborts when it must stop. */
  start(leaving: AbortSignal): void;
  /** Shows that it stopped and why, with its start button. */
  stopped(why: string): void;
  /** Shows its start button (with why it did not start by itself). */
  waiting(why: string): void;
  /** Readies its start while the learner reads on: its code, its runtime's connection and (local) its supervisor. */
  prepare(): void;
  readonly element: Element;
}

/**
 * Why starting a sandbox without being asked would cost too much on this device, or undefined when it would not.
 * Found by feature, never by user agent: a touch-only device (a phone or tablet), little memory, or iOS/iPadOS, where
 * WebContainers are known to crash tabs (TutorialKit gates boot on a click there). Every iOS browser is WebKit, and
 * only WebKit has GestureEvent; a touch screen tells an iPad or iPhone from a Mac, whose Safari has it too.
 */
export function autoStartCost(): string | undefined {
  const nav = navigator as Navigator & { deviceMemory?: number };
  if (nav.maxTouchPoints > 1 && 'GestureEvent' in globalThis)
    return 'On iPhone and iPad a sandbox starts only when you ask, since it can use more memory than a tab is allowed.';
  if (matchMedia('(pointer: coarse) and (hover: none)').matches)
    return 'On a touch device a sandbox starts only when you ask: it runs several programs at once.';
  if (nav.deviceMemory !== undefined && nav.deviceMemory < 4)
    return 'On a device with little memory a sandbox starts only when you ask: it runs several programs at once.';
  return undefined;
}

/** How far below the screen the first sandbox starts: one screen, the time a learner takes to read it. */
const AHEAD_OF_VIEW = '0px 0px 100% 0px';

const benches: Bench[] = [];
let running: { bench: Bench; leaving: AbortController } | undefined;
/** Once the learner has started or stopped a sandbox, none starts by itself any more on this page. */
let chosen = false;
let watcher: IntersectionObserver | undefined;
/** The page the learner just left (client-side navigation) had a sandbox running: the next page's first one takes over. */
let carried = false;
// Set while the old page's sandboxes leave and read as the new page's join, both before the new page has loaded.
document.addEventListener('astro:page-load', () => (carried = false));

/** Starts `bench`, stopping the sandbox running on the page first. */
export function startSandbox(bench: Bench, byHand = true): void {
  chosen ||= byHand;
  watcher?.disconnect();
  if (running?.bench === bench) return;
  if (running) {
    const other = running;
    other.leaving.abort();
    const before = other.bench.element.compareDocumentPosition(bench.element) & Node.DOCUMENT_POSITION_FOLLOWING;
    other.bench.stopped(
      `Stopped because you started the sandbox ${before ? 'below' : 'above'}; start it again to continue.`,
    );
  }
  const leaving = new AbortController();
  running = { bench, leaving };
  bench.start(leaving.signal);
}

/** A sandbox appeared on the page (a page load, or client-side navigation). */
export function join(bench: Bench): void {
  // The previous page's sandboxes, if the swap connected this page's before it disconnected theirs.
  for (const gone of benches.filter((b) => !b.element.isConnected)) leave(gone);
  benches.push(bench);
  benches.sort((a, b) => (a.element.compareDocumentPosition(b.element) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  const cost = autoStartCost();
  if (benches[0] !== bench || chosen || running) return bench.waiting('');
  if (cost) return bench.waiting(cost);
  bench.waiting('');
  if (carried) return startSandbox(bench, false);
  bench.prepare();
  watcher?.disconnect();
  watcher = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !chosen && !running) startSandbox(bench, false);
    },
    { rootMargin: AHEAD_OF_VIEW },
  );
  watcher.observe(bench.element);
}

/** A sandbox left the page (client-side navigation): its processes stop, and the next page starts afresh. */
export function leave(bench: Bench): void {
  benches.splice(benches.indexOf(bench), 1);
  if (running?.bench === bench) {
    running.leaving.abort();
    running = undefined;
    carried = true;
  }
  if (!benches.length) {
    chosen = false;
    watcher?.disconnect();
  }
}
