// The reducer and the sentences over a real recorded run: `node sandboxes/dist/supervisor.js --scenario two-servers`,
// web-01 killed through the control API, then started again (fixtures/two-servers-kill.jsonl, the supervisor's stdout).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SandboxEvent } from '../../../sandboxes/contracts/events/index';
import { Replay } from '../../../src/sandbox/view/replay';
import { describe as sentence } from '../../../src/sandbox/view/sentences';
import { reduceAll } from '../../../src/sandbox/view/state';

const events: SandboxEvent[] = readFileSync(new URL('./fixtures/two-servers-kill.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

const at = (predicate: (e: SandboxEvent) => boolean) => events.findIndex(predicate) + 1;
const check = (count: number, node: string) => new Replay(events).stateAfter(count).nodes.find((n) => n.name === node);

describe('a recorded two-servers run', () => {
  it('shows web-01 stopped at once, then counting down UP 2/3, UP 1/3 to DOWN, then back UP once restarted', () => {
    const killed = at((e) => e.type === 'node.exited' && e.name === 'web-01');
    expect(check(killed, 'web-01')).toMatchObject({ process: 'stopped', check: 'UP' });
    const seen = events
      .filter((e) => e.type === 'balancer.server' && e.server === 'web-01')
      .map((e) => (e.type === 'balancer.server' ? e.status : ''));
    expect(seen).toEqual(['UP', 'UP 2/3', 'UP 1/3', 'DOWN', 'DOWN 1/2', 'UP']);
    const down = at((e) => e.type === 'balancer.server' && e.status === 'DOWN');
    expect(check(down, 'web-01')?.check).toBe('DOWN');
    expect(check(down, 'web-02')).toMatchObject({ process: 'running', check: 'UP' });
    expect(reduceAll(events).nodes.find((n) => n.name === 'web-01')).toMatchObject({ check: 'UP' });
  });

  it("counts none of the balancer's health checks as traffic", () => {
    expect(events.some((e) => e.type === 'web.request' && e.path !== '/')).toBe(true);
    expect(reduceAll(events).requests).toEqual([]);
  });

  it("has a sentence for every event it shows, with HAProxy's DOWN line as the balancer wrote it", () => {
    const lines = events.map(sentence).filter((l) => l !== undefined);
    expect(lines.find((l) => l.text.startsWith('Server be_app/web-01 is DOWN'))).toMatchObject({
      category: 'health',
      level: 'error',
      node: 'lb-01',
    });
    expect(lines.map((l) => l.text)).toContain('web-01 stopped: killed by SIGKILL.');
    expect(lines.every((l) => l.text.length > 0)).toBe(true);
  });
});
