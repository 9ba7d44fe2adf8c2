// Every configuration file a lesson shows for learners to copy must pass the sandbox program's own config check,
// as it would pass the real tool's: `haproxy -c -f haproxy.cfg` (balancer -c) and `keepalived -t -f keepalived.conf`
// (vrrp -t). A block is recognised by its fence title (```ini title="haproxy.cfg") or by the language ```haproxy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../sandboxes/monitor/config';
import { SITE_PEM } from '../../sandboxes/scenarios/build/certificates';
import { loadLessons, root, type CodeBlock } from './lessons';

interface Checker {
  file: string;
  program: string;
  args: string[];
  /** What the program prints when the configuration is valid. */
  valid: string;
  /** A configuration the check must refuse, so that a pass means something. */
  broken: string;
  /** How many blocks of this kind the lessons show at least. */
  atLeast: number;
  matches(block: CodeBlock): boolean;
}

const CHECKERS: Checker[] = [
  {
    file: 'haproxy.cfg',
    program: 'balancer',
    args: ['-c', '-f'],
    valid: 'Configuration file is valid',
    broken: 'backend be_app\n    balance roundrobin\n    server web-01 10.0.0.11:80 chekc\n',
    atLeast: 8,
    matches: (b) => b.lang === 'haproxy' || b.title === 'haproxy.cfg',
  },
  {
    file: 'keepalived.conf',
    program: 'vrrp',
    args: ['-t', '-f'],
    valid: 'Configuration is OK',
    broken: 'vrrp_instance VI_1 {\n    state MASTER\n    priority 300\n',
    atLeast: 1,
    matches: (b) => b.lang === 'keepalived' || b.title === 'keepalived.conf',
  },
];

const lessons = loadLessons();
const folder = mkdtempSync(join(tmpdir(), 'lesson-configs-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

// The files a configuration names live on the server it is written for (HAProxy's `crt /etc/haproxy/certs/site.pem`,
// which `haproxy -c` stats): the check gets them in its folder, with a certificate of the sandbox's.
function withServerFiles(text: string): string {
  return text.replace(/(\bcrt )(\S+)/g, (_, keyword: string, path: string) => {
    const local = join(folder, `crt-${path.replace(/[^\w.-]/g, '_')}`);
    writeFileSync(local, SITE_PEM);
    return keyword + local;
  });
}

function check(checker: Checker, name: string, text: string) {
  const file = join(folder, `${name.replace(/[^\w.-]/g, '_')}-${checker.file}`);
  writeFileSync(file, withServerFiles(text));
  const bundle = join(root, 'sandboxes', 'dist', `${checker.program}.js`);
  const run = spawnSync(process.execPath, [bundle, ...checker.args, file], {
    cwd: folder,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

for (const checker of CHECKERS) {
  const blocks = lessons.flatMap((lesson) =>
    lesson.blocks.filter(checker.matches).map((block) => [`${lesson.file}:${block.line}`, block.body] as const),
  );
  describe(`${checker.file} blocks in the lessons pass ${checker.program} ${checker.args[0]}`, () => {
    it(`the lessons show ${checker.file} blocks and the ${checker.program} bundle exists`, () => {
      expect(blocks.length).toBeGreaterThanOrEqual(checker.atLeast);
      expect(existsSync(join(root, 'sandboxes', 'dist', `${checker.program}.js`)), 'run npm run build:sandboxes').toBe(
        true,
      );
    });

    it.each(blocks)(`%s is valid`, (where, text) => {
      const { status, output } = check(checker, where, text);
      expect(status, `${where}: ${checker.program} ${checker.args.join(' ')} exited ${status}:\n${output}`).toBe(0);
      expect(output).toContain(checker.valid);
    });

    it('a broken configuration fails the same check', () => {
      const { status, output } = check(checker, 'broken', checker.broken);
      expect(status).not.toBe(0);
      expect(output).not.toContain(checker.valid);
    });
  });
}

// prometheus.yml with each alerts.yml the same lesson shows, loaded by the sandbox monitor's own loader, which
// validates the files and compiles every rule's expression (what `promtool check config` does for Prometheus).
describe('prometheus.yml and alerts.yml blocks in the lessons load in the sandbox monitor', () => {
  const withRules = lessons.filter((l) => l.blocks.some((b) => b.title === 'prometheus.yml'));

  it('the lessons show a prometheus.yml and alert rules', () => {
    expect(withRules.map((l) => l.slug)).toContain('monitoring');
  });

  it.each(
    withRules.flatMap((lesson) =>
      lesson.blocks
        .filter((b) => b.title === 'alerts.yml')
        .map((rules) => [`${lesson.file}:${rules.line}`, lesson, rules] as const),
    ),
  )('%s loads, and every rule compiles', (where, lesson, rules) => {
    const dir = mkdtempSync(join(folder, 'prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), lesson.blocks.find((b) => b.title === 'prometheus.yml')!.body);
    writeFileSync(join(dir, 'alerts.yml'), rules.body);
    const { config, errors } = loadConfig(join(dir, 'prometheus.yml'));
    expect(errors, where).toEqual([]);
    expect(
      config!.rules.map((r) => r.alert),
      where,
    ).toEqual([...rules.body.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]));
    expect(config!.targets.length).toBeGreaterThan(0);
  });

  it('a rule with a broken expression is refused', () => {
    const dir = mkdtempSync(join(folder, 'prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), 'rule_files: [alerts.yml]\nscrape_configs: []\n');
    writeFileSync(
      join(dir, 'alerts.yml'),
      'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum by (proxy (up)\n',
    );
    expect(loadConfig(join(dir, 'prometheus.yml'))).toEqual({
      errors: [expect.stringMatching(/alert Broken/)],
      warnings: [],
    });
  });
});
