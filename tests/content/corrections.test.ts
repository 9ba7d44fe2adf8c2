// Facts the outside content review (shared/reviews/content-review.md, section 2) found wrong or misleading, each
// checked where a test can read it: the corrected statement is there, and the wrong one is gone from every lesson.
import { describe, expect, it } from 'vitest';
import { loadLessons, type Lesson } from './lessons';

const lessons = loadLessons();
const lesson = (slug: string) => lessons.find((l) => l.slug === slug)!;
const squash = (text: string) => text.replace(/\s+/g, ' ');
/** The lesson without its quizzes: a quiz may quote a wrong statement on purpose, to ask what is wrong with it. */
const withoutQuizzes = (l: Lesson) => l.source.replace(/\n<Quiz\n[\s\S]*?\n\/>\n/g, '\n');
const prose = (l: Lesson) => squash(withoutQuizzes(l));

/** A `synchronous_standby_names` value's standby names: `FIRST n (a, b)`, `ANY n (a, b)`, `n (a, b)` or `a, b`. */
function standbyNames(value: string): string[] {
  const list = /^\s*(?:(?:FIRST|ANY)\s+)?(?:\d+\s*)?\((.*)\)\s*$/i.exec(value)?.[1] ?? value;
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** PostgreSQL's syncrep_scanner.l: a name is `*`, a plain SQL identifier, or a double-quoted identifier. */
const validStandbyName = (name: string) =>
  name === '*' || /^[A-Za-z\u0080-\uffff_][A-Za-z\u0080-\uffff_0-9$]*$/.test(name) || /^"(?:[^"]|"")+"$/.test(name);

describe("the review's corrections stay made", () => {
  it('every synchronous_standby_names the lessons show is a valid list of SQL identifiers (E1)', () => {
    const values = lessons.flatMap((l) =>
      [...withoutQuizzes(l).matchAll(/synchronous_standby_names\s*=\s*'([^']*)'|`((?:FIRST|ANY) \d+ \([^`]*\))`/g)].map(
        (m) => ({ where: l.file, value: m[1] ?? m[2] }),
      ),
    );
    expect(values.map((v) => v.where)).toEqual(expect.arrayContaining(['capstone.mdx', 'primary-replica.mdx']));
    for (const { where, value } of values) {
      for (const name of standbyNames(value)) expect(validStandbyName(name), `${where}: ${value}: ${name}`).toBe(true);
    }
    expect(validStandbyName('db-02')).toBe(false);
    expect(validStandbyName('"db-02"')).toBe(true);
  });

  it('option httpchk is not said to need mode http (E2)', () => {
    expect(prose(lesson('load-balancer'))).toContain('`option httpchk` sends HTTP checks even in TCP mode');
    for (const l of lessons) expect(prose(l), l.file).not.toMatch(/none of the HTTP features \(HTTP health checks/);
  });

  it('the rule for one DOWN server is not called "no server left" (E3)', () => {
    const text = prose(lesson('monitoring'));
    expect(text).not.toContain('For example, "no server left in a backend"');
    expect(text).toContain('"a server is DOWN: the backend has lost its spare"');
    expect(text).toMatch(/haproxy_backend_active_servers \+ haproxy_backend_backup_servers == 0/);
  });

  it('the lease the capstone refers to is taught in the failover lesson, with its failover.conf line (E4)', () => {
    const failover = lesson('failover');
    expect(failover.blocks.find((b) => b.title === 'failover.conf')?.body).toMatch(
      /^fencing\s+= on\s+# each heartbeat is a lease/m,
    );
    expect(prose(failover)).toMatch(/\*\*lease\*\*/);
    expect(failover.headings.map((h) => h.id)).toContain('split-brain');
    expect(lesson('capstone').source).toMatch(/Fencing by lease\n\(\[[^\]]+\]\(\.\.\/failover\/#split-brain\)\)/);
  });

  it('the rate limit is a sliding rate that counts refused requests, not a quota per 10 s (E5)', () => {
    const text = prose(lesson('firewall'));
    expect(text).not.toContain('The first 20 requests of each 10 seconds');
    expect(text).toContain('sliding rate over the last 10 seconds, not a quota that resets every 10 s');
  });

  it("HAProxy's own active/active and active/passive (backup servers) are taught (E6)", () => {
    const text = prose(lesson('active-passive'));
    expect(text).not.toContain('puts it in the wrong program');
    expect(text).toMatch(/A `server \.\.\. backup` line is active\/passive/);
  });

  it("MySQL's write-ahead log is the redo log, not the binlog (E7)", () => {
    for (const slug of ['primary-replica', 'glossary'])
      expect(prose(lesson(slug)), slug).toMatch(/InnoDB's \*?\*?redo log/);
    for (const l of lessons) expect(prose(l), l.file).not.toMatch(/WAL in PostgreSQL; the binary log/);
  });

  it("the takeover gap is described as a stall on real networks, and the sandbox's refusal is disclosed (E8)", () => {
    for (const slug of ['active-passive', 'capstone']) expect(prose(lesson(slug)), slug).toMatch(/stall/);
    expect(prose(lesson('active-passive'))).toContain("the sandbox's network refuses connections to it at once");
  });

  it("real failover tools' detection times are given next to the sandbox's 3 s (E9)", () => {
    expect(prose(lesson('failover'))).toMatch(/`ttl: 30` seconds by default/);
    expect(prose(lesson('failover'))).toMatch(/`reconnect_attempts` \(6\) times every `reconnect_interval` \(10 s\)/);
  });

  it('pg_basebackup -R is not said to set application_name, and the replication role is created (E10)', () => {
    const text = prose(lesson('primary-replica'));
    expect(text).toContain('`-R` does not name the standby');
    expect(text).toContain('CREATE ROLE replicator WITH REPLICATION LOGIN');
  });

  it('the replication-lag alert is not the only one for a replica that stopped following (E11)', () => {
    for (const slug of ['monitoring', 'capstone']) {
      const rules = lesson(slug)
        .blocks.filter((b) => b.title === 'alerts.yml')
        .map((b) => b.body)
        .join('\n');
      expect(rules, slug).toContain('alert: PostgresqlNoStreamingReplica');
    }
  });

  it('haproxy -c is not said to always print "Configuration file is valid" (E15)', () => {
    for (const slug of ['load-balancer', 'active-passive'])
      expect(prose(lesson(slug)), slug).toMatch(/HAProxy 2\.8 and older/);
  });

  it('the nits: nopreempt, RFC 9568, MySQL replicas, CIDR ranges, certbot, lesson length (N1, N2, N3, N10, N13, N14)', () => {
    expect(prose(lesson('active-passive'))).not.toContain('which only works with `state BACKUP` on both nodes');
    expect(prose(lesson('glossary'))).toContain('RFC 9568');
    expect(prose(lesson('glossary'))).not.toContain('It is read-only: it refuses writes');
    for (const l of lessons) {
      expect(withoutQuizzes(l), l.file).not.toMatch(
        /allow from 10\.0\.0\.0\/24 to any port 22|allow from 10\.0\.0\.8\/29/,
      );
      expect(withoutQuizzes(l), l.file).not.toMatch(/certbot certonly --standalone -d/);
    }
    expect(prose(lesson('index'))).not.toContain('About fifteen minutes a lesson');
  });

  it('each role keeps one node name across the lessons: mon-01 fails over, prom-01 scrapes (E4)', () => {
    expect(lessons.some((l) => /\bmon-02\b/.test(l.source))).toBe(false);
    for (const slug of ['monitoring', 'capstone'])
      expect(lesson(slug).source, slug).not.toMatch(/mon-01 scrapes|Prometheus on mon-01|mon-01 at 10\.0\.0\.31/);
    expect(lesson('capstone').source).toContain('mon-01 sends heartbeats');
    expect(lesson('monitoring').source).toContain('`prom-01` (10.0.0.31)');
  });
});
