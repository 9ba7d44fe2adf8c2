// Every scenario is well formed, its balancer config is one the balancer accepts, and no goal is met before the
// learner does anything.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../sandboxes/scenarios/index';
import { defineScenario, describeScenario, type Scenario } from '../../../sandboxes/contracts/scenario';
import { dist } from '../../support/sandbox-node';

const all = Object.entries(scenarios);

describe('the scenarios', () => {
  it('include the traffic lessons, each under its own name', () => {
    expect(Object.keys(scenarios)).toEqual(
      expect.arrayContaining([
        'one-server',
        'two-servers',
        'server-dies',
        'weighted-servers',
        'uneven-servers',
        'spof',
      ]),
    );
    for (const [name, scenario] of all) expect(scenario.name).toBe(name);
  });

  it.each(all)('%s gives the page what it shows: goals with hints and a solution, as plain data', (_, scenario) => {
    const described = describeScenario(scenario);
    expect(JSON.parse(JSON.stringify(described))).toEqual(described);
    expect(described.goals.length).toBeGreaterThanOrEqual(2);
    for (const goal of described.goals) {
      expect(goal.hints.length).toBeGreaterThan(0);
      expect(goal.solution.length).toBeGreaterThan(0);
    }
  });

  it.each(all)('%s meets none of its goals before anything happens', (_, scenario) => {
    const world = { events: [], now: 0, nodes: [], cuts: [], file: () => undefined };
    for (const goal of scenario.goals) expect(goal.check(world), goal.id).toMatchObject({ met: false });
  });

  it.each(all.filter(([, s]) => 'haproxy.cfg' in s.files))(
    '%s has a haproxy.cfg the balancer accepts (balancer -c)',
    (_, scenario) => {
      const folder = mkdtempSync(join(tmpdir(), 'cfg-'));
      try {
        // The session folder as the scenario writes it: haproxy.cfg with the files it names (a crt's site.pem).
        for (const [name, text] of Object.entries(scenario.files)) writeFileSync(join(folder, name), text);
        const out = execFileSync(process.execPath, [join(dist, 'balancer.js'), '-c', '-f', 'haproxy.cfg'], {
          cwd: folder,
          encoding: 'utf8',
          stdio: 'pipe',
        });
        expect(out).toContain('Configuration file is valid');
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );

  it('refuses a malformed scenario, naming it and the field', () => {
    const base = scenarios['one-server'];
    const broken = (change: Partial<Scenario>) => () => defineScenario({ ...base, ...change });
    expect(broken({ goals: base.goals.slice(0, 1) })).toThrow(
      "scenario 'one-server': goals: every scenario has two or more exercise goals",
    );
    expect(broken({ nodes: [{ ...base.nodes[0], address: '10.0.0' }] })).toThrow(
      "scenario 'one-server': nodes.0.address: a dotted IPv4 address",
    );
    expect(broken({ nodes: [base.nodes[0], base.nodes[0]] })).toThrow(
      "scenario 'one-server': node 'web-01' is declared twice",
    );
    expect(broken({ nodes: [{ ...base.nodes[0], config: 'haproxy.cfg' }] })).toThrow(
      "node 'web-01' reads haproxy.cfg, which is not in files",
    );
  });
});
