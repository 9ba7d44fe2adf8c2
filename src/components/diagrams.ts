// Draws the page's ```mermaid diagrams in the browser. Starlight renders a fence as a highlighted code block (which
// stays as the fallback without JavaScript); this replaces each one with the diagram. Mermaid is a large library, and
// evaluating it and laying out a diagram are long tasks of the page's main thread (0.1-0.4 s each on a mid-range
// phone): so it is fetched only on pages that have a diagram, only once a diagram has stayed within a window's height
// of the learner's view for a moment (as a lazy image would, but not for a page scrolled past), and each diagram is
// drawn in tasks of its own when the page is idle, once the page's sandbox has started.

const FENCE = '.expressive-code:has(pre[data-language="mermaid"])';
/** How far ahead of the view a diagram is drawn: a window's height, so that scrolling reaches it drawn. */
const AHEAD = '100% 0px';
/**
 * How long a diagram stays that near before it is drawn. A learner who scrolls to a sandbox and presses its Start
 * brings the diagram below it near too: mermaid's evaluation, begun then, would take the CPU from the sandbox's start
 * (its stop of the sandbox before took 90-100 ms longer, measured). Within this moment the sandbox is starting, and
 * the diagram waits for it.
 */
const NEAR_FOR_MS = 1000;
/** The longest a diagram in view waits for the page to be idle. */
const IDLE_WAIT_MS = 2000;
/** The longest a diagram waits for a starting sandbox (one that never comes up must not hide the diagrams). */
const SANDBOX_WAIT_MS = 15_000;

type Mermaid = typeof import('mermaid').default;
interface Diagram {
  block: Element;
  box: HTMLElement;
}

function theme(): 'dark' | 'default' {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'default';
}

/** The diagram's source, line by line as the author wrote it. */
function source(block: Element): string {
  return [...block.querySelectorAll('.ec-line')].map((line) => line.textContent ?? '').join('\n');
}

function idle(): Promise<void> {
  return new Promise((resolve) =>
    'requestIdleCallback' in globalThis
      ? requestIdleCallback(() => resolve(), { timeout: IDLE_WAIT_MS })
      : setTimeout(resolve),
  );
}

/**
 * Resolves once no sandbox of the page is starting (src/sandbox/start-panel.ts marks one data-ready when its topology is
 * up), or after SANDBOX_WAIT_MS: its start is what the learner waits for, and a diagram's long tasks would delay it.
 */
function sandboxesStarted(): Promise<void> {
  const starting = () => document.querySelector('[data-sandbox][data-state="running"]:not([data-ready])');
  if (!starting()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      watcher.disconnect();
      clearTimeout(timer);
      resolve();
    };
    const watcher = new MutationObserver(() => starting() || done());
    watcher.observe(document.body, { subtree: true, attributeFilter: ['data-ready', 'data-state'] });
    const timer = setTimeout(done, SANDBOX_WAIT_MS);
  });
}

let mermaidModule: Promise<Mermaid> | undefined;
/**
 * The page before, when client-side navigation swaps in a new one: its watchers stop and its queued draws are dropped.
 * One being drawn then fails (mermaid lays out in a scratch element of the old body, which is gone): that is not an
 * error of the new page.
 */
let previous: (() => void) | undefined;

export function renderDiagrams(): void {
  previous?.();
  let left = false;
  let queue = Promise.resolve();
  const diagrams: Diagram[] = [...document.querySelectorAll(FENCE)].map((block, i) => {
    const box = document.createElement('div');
    box.className = 'mermaid-diagram not-content';
    box.dataset.source = source(block);
    box.dataset.index = String(i);
    return { block, box };
  });
  if (diagrams.length === 0) return;
  // One diagram at a time, each in tasks of its own (mermaid's evaluation, its layout), and each of those only when no
  // sandbox is starting and the page is idle: asked again before the layout, since the learner may start a sandbox
  // while mermaid is fetched (scrolling to a sandbox brings the diagram below it near, and its button is then clicked).
  const quiet = async () => {
    await sandboxesStarted();
    await idle();
  };
  const drawOne = async (diagram: Diagram) => {
    if (left) return;
    await quiet();
    mermaidModule ??= import('mermaid').then(({ default: mermaid }) => mermaid);
    const mermaid = await mermaidModule;
    await quiet();
    if (left) return;
    // dagre, not mermaid 12's default elk: the same flowcharts at well under half the JavaScript.
    // Mermaid's dark theme writes edge labels #ccc on #585858, a contrast of 4.43 (WCAG AA asks 4.5): darker here.
    const themeVariables = theme() === 'dark' ? { edgeLabelBackground: '#404040' } : {};
    mermaid.initialize({
      startOnLoad: false,
      theme: theme(),
      themeVariables,
      layout: 'dagre',
      securityLevel: 'strict',
    });
    // Lessons give each diagram accTitle/accDescr lines, which mermaid turns into the SVG's accessible name.
    const { svg } = await mermaid.render(`diagram-${diagram.box.dataset.index}`, diagram.box.dataset.source ?? '');
    diagram.box.innerHTML = svg;
    if (diagram.block.isConnected) diagram.block.replaceWith(diagram.box);
  };
  // A diagram that cannot be drawn stays the code block it was written as, and the ones after it are still drawn.
  const draw = (diagram: Diagram) =>
    (queue = queue.then(() =>
      drawOne(diagram).catch((error: unknown) => {
        if (!left)
          console.warn(
            `Diagram ${Number(diagram.box.dataset.index) + 1} could not be drawn; its source is shown.`,
            error,
          );
      }),
    ));

  const nearSince = new Map<Element, ReturnType<typeof setTimeout>>();
  const watcher = new IntersectionObserver(
    (entries) => {
      for (const { target, isIntersecting } of entries) {
        clearTimeout(nearSince.get(target));
        nearSince.delete(target);
        if (!isIntersecting) continue;
        const near = () => {
          watcher.unobserve(target);
          void draw(diagrams.find((d) => d.block === target)!);
        };
        nearSince.set(target, setTimeout(near, NEAR_FOR_MS));
      }
    },
    { rootMargin: AHEAD },
  );
  for (const { block } of diagrams) watcher.observe(block);
  // Redraw in the new colours the diagrams already drawn when the learner switches between light and dark.
  const themes = new MutationObserver(() => diagrams.filter((d) => d.box.isConnected).forEach((d) => void draw(d)));
  themes.observe(document.documentElement, { attributeFilter: ['data-theme'] });
  previous = () => {
    left = true;
    nearSince.forEach((timer) => clearTimeout(timer));
    watcher.disconnect();
    themes.disconnect();
  };
}
