import { describe, expect, it } from 'vitest';
import { loadLessons } from './lessons';
import { mermaidParser } from './mermaid';

const diagrams = loadLessons().flatMap((lesson) =>
  lesson.blocks
    .filter((b) => b.lang === 'mermaid')
    .map((block) => [`${lesson.file}:${block.line}`, block.body] as const),
);

describe('mermaid diagrams', () => {
  it('the parser rejects a broken diagram (so a pass below means something)', async () => {
    const parse = await mermaidParser();
    await expect(parse('flowchart LR\n  a[web-01 --> b')).rejects.toThrow(/Parse error/);
  });

  it.each(diagrams)('%s parses with mermaid', async (_, text) => {
    const parse = await mermaidParser();
    const { diagramType } = await parse(text);
    expect(['flowchart-v2', 'flowchart', 'sequence']).toContain(diagramType);
  });

  it.each(diagrams)('%s has an accessible title and description (accTitle, accDescr)', (_, text) => {
    expect(text).toMatch(/^\s*accTitle:\s*\S.{5,}$/m);
    expect(text).toMatch(/^\s*accDescr:\s*\S.{20,}$/m);
  });
});
