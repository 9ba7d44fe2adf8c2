// Draws the page's ```mermaid diagrams in the browser. Starlight renders a fence as a highlighted code block (which
// stays as the fallback without JavaScript); this replaces each one with the diagram. Mermaid is a large library, so
// it is fetched only on pages that have a diagram.
const FENCE = '.expressive-code:has(pre[data-language="mermaid"])';

function theme(): 'dark' | 'default' {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'default';
}

/** The diagram's source, line by line as the author wrote it. */
function source(block: Element): string {
  return [...block.querySelectorAll('.ec-line')].map((line) => line.textContent ?? '').join('\n');
}

export async function renderDiagrams(): Promise<void> {
  const blocks = [...document.querySelectorAll(FENCE)];
  if (blocks.length === 0) return;
  const diagrams = blocks.map((block) => {
    const box = document.createElement('div');
    box.className = 'mermaid-diagram not-content';
    box.dataset.source = source(block);
    return { block, box };
  });
  const { default: mermaid } = await import('mermaid');
  const draw = async () => {
    // dagre, not mermaid 12's default elk: the same flowcharts at well under half the JavaScript.
    // Mermaid's dark theme writes edge labels #ccc on #585858, a contrast of 4.43 (WCAG AA asks 4.5): darker here.
    const themeVariables = theme() === 'dark' ? { edgeLabelBackground: '#404040' } : {};
    mermaid.initialize({ startOnLoad: false, theme: theme(), themeVariables, layout: 'dagre', securityLevel: 'strict' });
    // Lessons give each diagram accTitle/accDescr lines, which mermaid turns into the SVG's accessible name.
    for (const [i, { block, box }] of diagrams.entries()) {
      const { svg } = await mermaid.render(`diagram-${i}`, box.dataset.source ?? '');
      box.innerHTML = svg;
      if (block.isConnected) block.replaceWith(box);
    }
  };
  await draw();
  // Redraw in the new colours when the learner switches between light and dark, while this page is shown.
  const observer = new MutationObserver(() => {
    if (diagrams.some(({ block, box }) => block.isConnected || box.isConnected)) void draw();
    else observer.disconnect(); // client-side navigation replaced the page
  });
  observer.observe(document.documentElement, { attributeFilter: ['data-theme'] });
}
