// Shows exercise progress next to each lesson in Starlight's sidebar ("2/2 ✔"), from what this browser saved.
import { loadProgress, progressByPage } from './progress';

export function markSidebar(doc: Document = document, storage: Storage = localStorage): void {
  const pages = progressByPage(loadProgress(storage));
  for (const link of doc.querySelectorAll<HTMLAnchorElement>('#starlight__sidebar a[href], nav.sidebar a[href]')) {
    const page = new URL(link.href, doc.baseURI).pathname.replace(/\/?$/, '/');
    const entry = pages.get(page);
    let badge = link.querySelector<HTMLElement>('.lesson-progress');
    if (!entry) {
      badge?.remove();
      continue;
    }
    if (!badge) {
      badge = doc.createElement('span');
      badge.className = 'lesson-progress';
      link.appendChild(badge);
    }
    const complete = entry.done >= entry.total;
    badge.textContent = ` ${entry.done}/${entry.total}${complete ? ' ✔' : ''}`;
    badge.setAttribute('aria-label', `, exercises: ${entry.done} of ${entry.total} done`);
  }
}
