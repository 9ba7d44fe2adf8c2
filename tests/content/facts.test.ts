// Numbers and settings a lesson states about its sandbox, checked against the scenario the sandbox runs: when a
// scenario changes, the lesson that describes it must change too. Each fact names the text the lesson shows and
// where the scenario holds the same value.
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sandboxes/contracts/scenario';
import { leaseMs } from '../../sandboxes/store/failover';
import { DEFAULT_CAPACITY } from '../../sandboxes/web/capacity';
import { loadLessons } from './lessons';

const lessons = loadLessons();

async function scenario(name: string): Promise<Scenario> {
  return (await import(`../../sandboxes/scenarios/${name}.ts`)).default as Scenario;
}

/** A number from the scenario's failover.conf (`interval = 1000ms` gives 1000). */
const failoverSetting = (s: Scenario, key: string) =>
  Number(new RegExp(`^${key}\\s*=\\s*(\\d+)`, 'm').exec(s.files['failover.conf'])![1]);

const serverLines = (cfg: string) => cfg.split('\n').filter((l) => /^\s*server\s/.test(l));

interface Fact {
  lesson: string;
  scenario: string;
  /** What the lesson says, exactly as written (whitespace-insensitive). */
  says: string[];
  holds(s: Scenario): void;
}

const FACTS: Fact[] = [
  {
    lesson: 'second-server',
    scenario: 'one-server',
    says: ['`web-01` at `10.0.0.11`', 'curl -i http://10.0.0.11/'],
    holds: (s) => expect(s.nodes.map((n) => `${n.name} ${n.address}`)).toEqual(['web-01 10.0.0.11']),
  },
  {
    lesson: 'second-server',
    scenario: 'scale-out',
    says: [
      '5 workers',
      '140 ms',
      '**35.7 requests per\nsecond**',
      'the backlog, 20 places',
      '`web-02` and `web-03` are racked but switched off',
      "`web-02` is already in the balancer's configuration",
    ],
    holds: (s) => {
      // The web servers run with the web server's default capacity (sandboxes/web/capacity.ts).
      expect(DEFAULT_CAPACITY).toEqual({ workers: 5, backlog: 20, service_ms: 140 });
      for (const node of s.nodes.filter((n) => n.role === 'web'))
        expect(node.args.join(' ')).not.toMatch(/--(workers|backlog|service-time)/);
      expect(s.nodes.filter((n) => n.stopped).map((n) => n.name)).toEqual(['web-02', 'web-03']);
      expect(serverLines(s.files['haproxy.cfg']).map((l) => l.trim().split(/\s+/)[1])).toEqual(['web-01', 'web-02']);
    },
  },
  {
    lesson: 'load-balancer',
    scenario: 'server-dies',
    says: ['`inter 1s fall 3 rise 2` (the sandbox)', 'starts with `retries 3` but **without** `option redispatch`'],
    holds: (s) => {
      const cfg = s.files['haproxy.cfg'];
      expect(serverLines(cfg)).toHaveLength(2);
      for (const line of serverLines(cfg)) expect(line).toMatch(/check inter 1s fall 3 rise 2/);
      expect(cfg).toMatch(/^\s*retries 3$/m);
      expect(cfg).not.toMatch(/option redispatch/);
    },
  },
  {
    lesson: 'round-robin',
    scenario: 'weighted-servers',
    says: ['Two web servers, both with the default weight 1', 'add `weight 3` at the end of web-02'],
    holds: (s) => {
      const lines = serverLines(s.files['haproxy.cfg']);
      expect(lines.map((l) => l.trim().split(/\s+/)[1])).toEqual(['web-01', 'web-02']);
      for (const line of lines) expect(line).not.toMatch(/\bweight\b/);
      expect(s.files['haproxy.cfg']).toMatch(/balance roundrobin/);
    },
  },
  {
    lesson: 'round-robin',
    scenario: 'uneven-servers',
    says: ['every answer takes 300 ms longer than web-01', 'change `balance roundrobin` to `balance leastconn`'],
    holds: (s) => {
      expect(s.faults).toContainEqual({ cmd: 'web', node: 'web-02', behaviour: { slow_ms: 300 } });
      expect(s.files['haproxy.cfg']).toMatch(/balance roundrobin/);
    },
  },
  {
    lesson: 'primary-replica',
    scenario: 'replication',
    says: ['A primary `db-01` (10.0.0.21) and two replicas (standbys), `db-02` (10.0.0.22) and `db-03` (10.0.0.23)'],
    holds: (s) =>
      expect(s.nodes.map((n) => `${n.name} ${n.address}`)).toEqual([
        'db-01 10.0.0.21',
        'db-02 10.0.0.22',
        'db-03 10.0.0.23',
      ]),
  },
  {
    lesson: 'failover',
    scenario: 'failover',
    says: ['`interval = 1000ms`, `misses = 3`, `fencing = on`', 'After 3 missed heartbeats, 3 seconds'],
    holds: (s) => {
      const conf = s.files['failover.conf'];
      expect(conf).toMatch(/^interval\s*=\s*1000ms$/m);
      expect(conf).toMatch(/^misses\s*=\s*3$/m);
      expect(conf).toMatch(/^fencing\s*=\s*on$/m);
    },
  },
  {
    lesson: 'failover',
    scenario: 'failover',
    says: ['The lease expires at 2.5 s, half a heartbeat before mon-01 would declare the primary dead (3 s)'],
    holds: (s) => {
      const [interval, misses] = [failoverSetting(s, 'interval'), failoverSetting(s, 'misses')];
      expect(leaseMs(interval, misses)).toBe(2500);
      expect(interval * misses).toBe(3000);
    },
  },
  {
    lesson: 'tls',
    scenario: 'tls',
    says: ['The site speaks plain HTTP only: lb-01, web-01 and web-02', 'The\nsession folder holds `site.pem`'],
    holds: (s) => {
      expect(s.nodes.map((n) => n.name).sort()).toEqual(['lb-01', 'web-01', 'web-02']);
      expect(s.files['haproxy.cfg']).not.toMatch(/ssl|redirect|Strict-Transport-Security/);
      expect(s.files['site.pem']).toMatch(/BEGIN PRIVATE KEY/);
    },
  },
  {
    lesson: 'capstone',
    scenario: 'capstone',
    says: ["2.5 s later db-01's lease runs out", 'mon-01 (10.0.0.32)', 'prom-01 (10.0.0.31)'],
    holds: (s) => {
      expect(leaseMs(failoverSetting(s, 'interval'), failoverSetting(s, 'misses'))).toBe(2500);
      const address = (name: string) => s.nodes.find((n) => n.name === name)?.address;
      expect([address('mon-01'), address('prom-01')]).toEqual(['10.0.0.32', '10.0.0.31']);
    },
  },
  {
    lesson: 'failover',
    scenario: 'split-brain',
    says: ['`failover.conf` says `fencing = off`'],
    holds: (s) => expect(s.files['failover.conf']).toMatch(/^fencing  = off$/m),
  },
  {
    lesson: 'spof',
    scenario: 'spof',
    says: ['one load balancer `lb-01`, two web servers `web-01` and `web-02`, and one database\n`db-01`'],
    holds: (s) => {
      expect(s.nodes.map((n) => n.name).sort()).toEqual(['db-01', 'lb-01', 'web-01', 'web-02']);
      expect(s.files['haproxy.cfg']).toMatch(/option redispatch/);
    },
  },
  {
    lesson: 'active-passive',
    scenario: 'active-passive',
    says: [
      'share the virtual IP 10.0.0.10: lb-01 with priority 101, lb-02 with priority 100',
      '`keepalived-lb-01.conf` and `keepalived-lb-02.conf`',
    ],
    holds: (s) => {
      const [lb1, lb2] = [s.files['keepalived-lb-01.conf'], s.files['keepalived-lb-02.conf']];
      expect(lb1).toMatch(/state MASTER[\s\S]*priority 101/);
      expect(lb2).toMatch(/state BACKUP[\s\S]*priority 100/);
      for (const conf of [lb1, lb2]) {
        expect(conf).toMatch(/advert_int 1\b/);
        expect(conf).toMatch(/10\.0\.0\.10\/24/);
      }
    },
  },
  {
    lesson: 'active-passive',
    scenario: 'active-active',
    says: ['lb-01 holds 10.0.0.10 (`VI_1`), lb-02 holds 10.0.0.20 (`VI_2`)'],
    holds: (s) => {
      expect(s.files['keepalived-lb-01.conf']).toMatch(/vrrp_instance VI_1 \{[^}]*state MASTER[\s\S]*10\.0\.0\.10\/24/);
      expect(s.files['keepalived-lb-02.conf']).toMatch(/vrrp_instance VI_2 \{[^}]*state MASTER[\s\S]*10\.0\.0\.20\/24/);
    },
  },
  {
    lesson: 'active-passive',
    scenario: 'backup-server',
    says: ['Here lb-01 does round robin over\nweb-01 and web-02'],
    holds: (s) => {
      expect(s.files['haproxy.cfg']).toMatch(/balance roundrobin/);
      const lines = serverLines(s.files['haproxy.cfg']);
      expect(lines.map((l) => l.trim().split(/\s+/)[1])).toEqual(['web-01', 'web-02']);
      for (const line of lines) expect(line).not.toMatch(/\bbackup\b/);
    },
  },
  {
    lesson: 'primary-vs-replica',
    scenario: 'read-your-writes',
    says: [
      'replays every change\n10 seconds late',
      '**web-01** reads whatever db-02 has; **web-02** reads your own writes',
    ],
    holds: (s) => {
      const arg = (node: string, flag: string) => {
        const args = s.nodes.find((n) => n.name === node)!.args;
        return args[args.indexOf(flag) + 1];
      };
      expect(arg('db-02', '--recovery-min-apply-delay')).toBe('10000');
      expect(arg('web-01', '--read-your-writes')).toBe('off');
      expect(arg('web-02', '--read-your-writes')).not.toBe('off');
    },
  },
  {
    lesson: 'monitoring',
    scenario: 'monitoring',
    says: ['every 2 seconds', '`InstanceDown` (`up == 0` for 6 s)', '`HAProxyServerDown` and `HighErrorRate`'],
    holds: (s) => {
      expect(s.files['prometheus.yml']).toMatch(/scrape_interval: 2s/);
      const rules = s.files['alerts.yml'];
      expect(rules).toMatch(/alert: InstanceDown\s+expr: up == 0\s+for: 6s/);
      expect([...rules.matchAll(/alert: (\w+)/g)].map((m) => m[1])).toEqual([
        'InstanceDown',
        'HAProxyServerDown',
        'HighErrorRate',
      ]);
    },
  },
  {
    lesson: 'monitoring',
    scenario: 'silent-failure',
    says: [
      'every node is up and every health check passes, yet some visitors get\nerrors',
      '`HighErrorRate`\n   fires for one server: more than 5% of its answers are 5xx',
    ],
    holds: (s) => {
      expect(s.faults).toContainEqual({ cmd: 'web', node: 'web-02', behaviour: { flaky: 0.3 } });
      expect(s.files['alerts.yml']).toMatch(/alert: HighErrorRate\s+expr: .*> 0\.05/);
    },
  },
  {
    lesson: 'firewall',
    scenario: 'firewall-tls',
    says: ['The stack with no firewall: lb-01, web-01, web-02 and db-01', "only lb-01's port 80 answers"],
    holds: (s) => {
      expect(s.nodes.map((n) => n.name).sort()).toEqual(['db-01', 'lb-01', 'web-01', 'web-02']);
      expect(s.files['haproxy.cfg']).not.toMatch(/stick-table|http-request deny/);
    },
  },
  {
    lesson: 'capstone',
    scenario: 'capstone',
    says: [
      'two balancers sharing 10.0.0.10 with keepalived (lb-01 MASTER, priority 101; lb-02 BACKUP, priority 100)',
      '`retries 3` and `option redispatch`',
      '(`interval = 1000ms`, `misses = 3`, `fencing = on`)',
      'http-request redirect scheme https code 301 unless { ssl_fc }',
    ],
    holds: (s) => {
      expect(s.files['keepalived-lb-01.conf']).toMatch(/state MASTER[\s\S]*priority 101[\s\S]*10\.0\.0\.10\/24/);
      expect(s.files['keepalived-lb-02.conf']).toMatch(/state BACKUP[\s\S]*priority 100[\s\S]*10\.0\.0\.10\/24/);
      expect(s.files['haproxy.cfg']).toMatch(/retries 3[\s\S]*option redispatch/);
      expect(s.files['haproxy.cfg']).toMatch(
        /bind :443 ssl crt site\.pem\n {4}http-request redirect scheme https code 301 unless \{ ssl_fc \}\n/,
      );
      for (const line of serverLines(s.files['haproxy.cfg'])) expect(line).toMatch(/check inter 1s fall 3 rise 2/);
      expect(s.files['failover.conf']).toMatch(/^interval = 1000ms\nmisses {3}= 3\n[\s\S]*^fencing {2}= on$/m);
      expect(s.nodes.map((n) => n.name).sort()).toEqual([
        'db-01',
        'db-02',
        'lb-01',
        'lb-02',
        'mon-01',
        'prom-01',
        'web-01',
        'web-02',
      ]);
    },
  },
];

const squash = (text: string) => text.replace(/\s+/g, ' ');

describe('what the lessons say about their sandboxes', () => {
  it.each(FACTS.map((f) => [`${f.lesson} / ${f.scenario}`, f] as const))(
    '%s: the text and the scenario agree',
    async (_, fact) => {
      const lesson = lessons.find((l) => l.slug === fact.lesson)!;
      for (const text of fact.says)
        expect(squash(lesson.source), `${lesson.file} says "${text}"`).toContain(squash(text));
      fact.holds(await scenario(fact.scenario));
    },
  );
});
