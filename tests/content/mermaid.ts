// Mermaid's own parser, run in Node. Mermaid sanitises label text with DOMPurify, which needs a browser DOM; a
// syntax check renders nothing, so sanitising is replaced by the identity before mermaid is loaded. The grammar
// that parses the diagrams is mermaid's real one (the version the site renders with).
import DOMPurify from 'dompurify';

type Parse = (text: string) => Promise<{ diagramType: string }>;
let parser: Promise<Parse> | undefined;

export function mermaidParser(): Promise<Parse> {
  parser ??= (async () => {
    const purify = DOMPurify as unknown as { addHook: () => void; sanitize: (text: string) => string };
    purify.addHook = () => {};
    purify.sanitize = (text: string) => text;
    const { default: mermaid } = await import('mermaid');
    return (text: string) => mermaid.parse(text) as Promise<{ diagramType: string }>;
  })();
  return parser;
}
