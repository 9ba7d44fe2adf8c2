// Fast, without processes: every solution of every scenario can be followed as written (each edit's instructions
// quote lines its file really has), and the editor keys worked out for an edit, decoded and applied by the shell's
// own key decoder and editor model, make exactly the change the instructions describe. solutions.test.ts then
// types them into the real shell.
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../sandboxes/scenarios/index';
import { EditorModel } from '../../../sandboxes/shell/editor';
import { KeyDecoder } from '../../../sandboxes/shell/keys';
import { steps, terminalBytes } from '../../support/solution';

const goals = Object.values(scenarios).flatMap((scenario) =>
  scenario.goals.map((goal) => [`${scenario.name}/${goal.id}`, scenario, goal] as const),
);

describe('following the solutions', () => {
  it.each(goals)('%s: every line is a command, an edit the test can make, or a wait', (_, scenario, goal) => {
    expect(() => steps(scenario, goal)).not.toThrow();
  });

  it.each(goals.filter(([, , g]) => g.solution.some((line) => line.startsWith('edit '))))(
    '%s: the editor keys make the described change',
    (_, scenario, goal) => {
      const files = { ...scenario.files };
      for (const step of steps(scenario, goal)) {
        if (step.kind !== 'edit') continue;
        const model = new EditorModel(files[step.file]);
        const typed = step.keys.map((key) => ('press' in key ? terminalBytes[key.press] : key.text)).join('');
        const keys = new KeyDecoder().feed(typed);
        expect(keys.slice(-2).map((k) => k.name)).toEqual(['ctrl-s', 'ctrl-x']); // saved, then closed
        for (const key of keys.slice(0, -2)) expect(model.apply(key, 20), JSON.stringify(key)).toBe(true);
        expect(model.text).toBe(step.text);
        expect(model.text).not.toBe(files[step.file]);
        files[step.file] = model.text;
      }
    },
  );
});
