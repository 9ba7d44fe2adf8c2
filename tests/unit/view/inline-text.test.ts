import { describe, expect, it } from 'vitest';
import { inlineRuns } from '../../../src/sandbox/view/inline-text';

describe("the panel's inline Markdown", () => {
  it('renders `code`, **strong** and *emphasis* as runs, and keeps the rest as typed', () => {
    expect(inlineRuns('Run `infra kill lb-01`, then **watch** the *VIP*.')).toEqual([
      { kind: 'text', text: 'Run ' },
      { kind: 'code', text: 'infra kill lb-01' },
      { kind: 'text', text: ', then ' },
      { kind: 'strong', text: 'watch' },
      { kind: 'text', text: ' the ' },
      { kind: 'em', text: 'VIP' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('leaves markup inside code, underscores in names, lone asterisks and HTML as text', () => {
    expect(inlineRuns('`load -r 20 *` for VI_1 and VI_2, 5 * 3, <img src=x onerror=alert(1)>')).toEqual([
      { kind: 'code', text: 'load -r 20 *' },
      { kind: 'text', text: ' for VI_1 and VI_2, 5 * 3, <img src=x onerror=alert(1)>' },
    ]);
    expect(inlineRuns('an unclosed `tick')).toEqual([{ kind: 'text', text: 'an unclosed `tick' }]);
    expect(inlineRuns('')).toEqual([]);
  });
});
