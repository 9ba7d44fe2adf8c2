// Keeps one element alive, with its state, across Astro's client-side navigation (<ClientRouter />, see
// src/components/Head.astro). Astro's `transition:persist` keeps an element that both pages render under the same
// name: it moves the live element into the incoming page in place of its twin. This gives the incoming page that
// twin for elements no page renders (the WebContainer's iframe, added by its boot script) or whose copy on the next
// page must never start (Starlight's search, whose script would add a second Ctrl+K handler).
import type { TransitionBeforeSwapEvent } from 'astro:transitions/client';

const PERSIST = 'data-astro-transition-persist';

/**
 * From now on, `element` moves into every page the visitor navigates to. `counterpart` (a selector) names the
 * incoming page's own copy, which it replaces; without one, the element goes at the end of the incoming body.
 */
export function persistAcrossNavigation(element: Element, name: string, counterpart?: string): void {
  element.setAttribute(PERSIST, name);
  document.addEventListener('astro:before-swap', (event) => {
    if (!element.isConnected) return;
    const next = (event as TransitionBeforeSwapEvent).newDocument;
    if (next.querySelector(`[${PERSIST}="${name}"]`)) return;
    const twin = next.createElement('div');
    twin.setAttribute(PERSIST, name);
    const copy = counterpart ? next.querySelector(counterpart) : null;
    if (copy) copy.replaceWith(twin);
    else next.body.append(twin);
  });
}

/**
 * Whether a persisted element keeps its state while Astro moves it: with `moveBefore` (Chromium 133 and later; other
 * engines are adding it) it does; without, Astro re-inserts it, and an iframe re-inserted into a page loads again from scratch.
 */
export const movesKeepState = typeof Element !== 'undefined' && 'moveBefore' in Element.prototype;
