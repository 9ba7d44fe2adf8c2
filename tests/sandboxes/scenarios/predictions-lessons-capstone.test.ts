// The overview's prediction measured from a real run, driven through the shell as a learner does: web-01 is killed,
// three requests follow at once, and the supervisor publishes what they got as a `prediction` event. (The capstone's
// two predictions are measured in capstone.test.ts, on the runs that prove its goals.)
import { describe, expect, it } from 'vitest';
import { AFTER_THE_DEATH } from '../../../sandboxes/scenarios/two-servers';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { scenarioWithShell } from '../../support/supervisor';

type PredictionEvent = Extract<SandboxEvent, { type: 'prediction' }>;

describe("the overview's prediction: what the next three requests get once web-01 is dead", () => {
  const lab = scenarioWithShell('two-servers');

  it('is web-02 answering all three: option redispatch sends the refused connection to web-02 at once', async () => {
    const measured = () =>
      lab.scenario.events.filter((e) => e.type === 'prediction' && e.id === 'after-the-death').at(-1) as
        PredictionEvent | undefined;
    expect(await lab.shell.command('curl http://10.0.0.2/')).toMatch(/web-0[12]/);
    expect(await lab.shell.command('infra kill web-01')).toMatch(/web-01/);
    for (let i = 0; i < 3; i++) expect(await lab.shell.command('curl http://10.0.0.2/', 30_000)).toMatch(/web-02/);
    await lab.scenario.until(measured, 10_000);
    const { value, how } = measured()!;
    expect(value).toBe(AFTER_THE_DEATH[0]);
    expect(how).toBe("lb-01's first 3 answers after web-01 died: 200 from web-02, 200 from web-02, 200 from web-02");
  }, 90_000);
});
