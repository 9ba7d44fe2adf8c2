// What a page of the course needs around client-side navigation (ClientNavigation.astro). Astro swaps <html>'s
// attributes and the whole <body> for the incoming page's; Starlight restores some state only on a full page load.
import type { TransitionBeforeSwapEvent } from 'astro:transitions/client';
import { markSidebar } from '../sandbox/view/sidebar';

const sidebar = () => document.getElementById('starlight__sidebar');
let sidebarScroll = 0;

document.addEventListener('astro:before-swap', (e) => {
  const next = (e as TransitionBeforeSwapEvent).newDocument;
  // The incoming page is rendered dark; keep the learner's theme so nothing flashes (Starlight's theme picker would
  // set it again as it starts, one step later: the diagrams would be drawn twice).
  next.documentElement.dataset.theme = document.documentElement.dataset.theme;
  // Starlight restores the sidebar's scroll position from an inline script that runs once per full page load.
  sidebarScroll = sidebar()?.scrollTop ?? 0;
});

document.addEventListener('astro:after-swap', () => {
  const pane = sidebar();
  if (pane) pane.scrollTop = sidebarScroll;
  markSidebar();
});

// Exercise progress next to each lesson, on every page with a sidebar, sandbox or not.
markSidebar();
