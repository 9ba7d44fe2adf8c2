// The database scenarios run by the real supervisor, driven by the learner's real shell (`db`, `infra`, `reload`):
// each goal is unmet at the start and met by its solution.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SupervisorRun } from '../../support/supervisor';
import { ShellSession } from '../../support/terminal';

let run: SupervisorRun | undefined;
let shell: ShellSession | undefined;
afterEach(async () => {
  await shell?.close();
  await run?.stop();
  shell = run = undefined;
});

async function start(scenario: string): Promise<{ run: SupervisorRun; shell: ShellSession }> {
  run = await SupervisorRun.start(scenario);
  await run.waitFor((e) => e.type === 'store.ready' && e.node === 'db-03', 40_000);
  shell = new ShellSession(run.folder, { columns: 160 });
  await shell.waitForPrompt(1);
  return { run, shell };
}

const met = (run: SupervisorRun, id: string, ms = 15_000) =>
  run.waitFor((e) => e.type === 'goal' && e.id === id && e.met, ms);

// Generous: these run many processes, and the machine may be busy.
describe('the replication scenario, through the shell', { timeout: 120_000 }, () => {
  it('writes on the primary, sees the standbys replay it, gets the read-only error on a standby, makes one lag, then switches mode, deletes, promotes by hand and rejoins', async () => {
    const { run, shell } = await start('replication');
    const goals = (await run.status()).goals;
    expect(goals.every((g) => !g.met)).toBe(true);

    expect(await shell.command('db set user:1 alice')).toMatch(/^INSERT 0 1 {2}-- on db-01, commit lsn 0\/[0-9A-F]+$/);
    await met(run, 'replicated-write');
    expect(await shell.command('db get user:1 --on db-02')).toMatch(
      / key +\| value\s*\n-+\+-+\n user:1 \| alice\n\(1 row\) {2}-- read on db-02 at replay_lsn 0\/[0-9A-F]+/,
    );
    const lag = await shell.command('db lag');
    expect(lag).toMatch(
      /^pg_stat_replication on db-01 \(pg_current_wal_lsn 0\/[0-9A-F]+\):\n-\[ RECORD 1 \]-+\+-+\napplication_name \| db-0[23]\nclient_addr +\| 10\.0\.0\.2[23]\nstate +\| streaming/,
    );
    expect(lag).toMatch(/replay_lag +\| 00:00:00\.\d{6}/);

    expect(await shell.command('db set user:2 bob --on db-02')).toBe(
      'ERROR:  cannot execute INSERT in a read-only transaction\nHINT:  This server is a standby: send writes to the primary.',
    );
    await met(run, 'read-only-standby');

    expect(await shell.command('db lag db-02 2000')).toBe(
      "ALTER SYSTEM  -- recovery_min_apply_delay = '2000ms' on db-02",
    );
    await shell.command('db set k v');
    await met(run, 'lagging-standby');
    expect(await shell.command('db status')).toMatch(
      /db-02 +10\.0\.0\.22:5432 +standby +1 +0\/[0-9A-F]+ +streaming from 10\.0\.0\.21:5432, replay 0\/[0-9A-F]+, recovery_min_apply_delay 2000ms/,
    );

    expect(await shell.command('db mode sync')).toBe(
      "ALTER SYSTEM  -- mode = 'sync' in store.conf; pg_reload_conf() on db-01, db-02, db-03",
    );
    expect(readFileSync(join(run.folder, 'store.conf'), 'utf8')).toMatch(/^mode {14}= sync$/m);
    expect(await shell.command('db del user:1')).toMatch(/^DELETE  -- on db-01, commit lsn 0\/[0-9A-F]+$/);
    expect(await shell.command('db status')).toMatch(
      /db-01 +10\.0\.0\.21:5432 +primary +1 +0\/[0-9A-F]+ +sync +accepting writes, 2 standby\(s\)/,
    );
    // A promotion by hand, then the old primary rejoined to the new one (no monitor in this scenario).
    expect(await shell.command('db promote db-03')).toBe(
      'waiting for server to promote.... done\nserver promoted  -- db-03 is a primary on timeline 2',
    );
    expect(await shell.command('db rejoin db-01')).toBe(
      'db-01 now follows db-03 (10.0.0.23:5432); its log shows what pg_rewind discarded',
    );
    // The mode is configuration, not a setting of one process: the promoted standby commits synchronously too.
    expect(await shell.command('db status')).toMatch(/db-03 +10\.0\.0\.23:5432 +primary +2 +0\/[0-9A-F]+ +sync /);
    expect(await shell.command('db frobnicate')).toBe(
      "db: unknown sub-command 'frobnicate'. Type 'help db' for the list.",
    );
  });
});

// Generous: these run many processes, and the machine may be busy.
describe('the failover scenario, through the shell', { timeout: 120_000 }, () => {
  it('promotes a standby when db-01 dies, takes writes on timeline 2, and fences db-01 when it returns', async () => {
    const { run, shell } = await start('failover');
    await shell.command('infra kill db-01');
    await met(run, 'automatic-failover');
    expect(await shell.command('db set after failover')).toMatch(/^INSERT 0 1 {2}-- on db-0[23], commit lsn/);
    await met(run, 'write-after-failover');
    await shell.command('infra start db-01');
    await met(run, 'old-primary-rejoins');
    const status = await shell.command('db status');
    expect(status).toMatch(/db-01 +10\.0\.0\.21:5432 +standby +2 /);
    expect(status).toMatch(/db-0[23] +10\.0\.0\.2[23]:5432 +primary +2 /);
  });
});

// Generous: these run many processes, and the machine may be busy.
describe('the split-brain scenario, through the shell', { timeout: 120_000 }, () => {
  it('shows two primaries without fencing, and a fenced old primary once fencing is on', async () => {
    const { run, shell } = await start('split-brain');
    await shell.command('infra kill db-01');
    await run.waitFor((e) => e.type === 'store.failover', 15_000);
    await shell.command('infra start db-01');
    await met(run, 'two-primaries');
    expect(await shell.command('db set on old primary --on db-01')).toMatch(/^INSERT 0 1 {2}-- on db-01/);

    const conf = join(run.folder, 'failover.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('fencing  = off', 'fencing  = on'));
    await shell.command('reload mon-01');
    await run.waitFor(
      (e) => e.type === 'log' && e.node === 'mon-01' && e.text === 'LOG:  parameter "fencing" changed to "on"',
    );
    await met(run, 'fenced');
  });
});

// Generous: these run many processes, and the machine may be busy.
describe('the read-your-writes scenario, through the shell', { timeout: 120_000 }, () => {
  it('reads stale through web-01 (read-your-writes off) and fresh through web-02 (wait)', async () => {
    run = await SupervisorRun.start('read-your-writes');
    await run.waitFor((e) => e.type === 'store.ready' && e.node === 'db-02', 40_000);
    await run.waitFor((e) => e.type === 'web.listening' && e.node === 'web-02', 40_000);
    shell = new ShellSession(run.folder, { columns: 160 });
    await shell.waitForPrompt(1);

    expect(await shell.command('curl -d one-book http://10.0.0.11/kv?key=cart')).toMatch(
      /^stored cart on 10\.0\.0\.21:5432 at 0\/[0-9A-F]+$/,
    );
    const stale = await shell.command('curl -i http://10.0.0.11/kv?key=cart');
    expect(stale).toMatch(/^HTTP\/1\.1 404 Not Found/);
    expect(stale).toMatch(/X-Read-From: 10\.0\.0\.22:5432/i);
    await met(run!, 'stale-read');

    await shell.command('curl -d two-books http://10.0.0.12/kv?key=cart');
    // web-02 waits for db-02 to replay the write, which it does 10 s after it (recovery_min_apply_delay).
    expect(await shell.command('curl -i http://10.0.0.12/kv?key=cart', 20_000)).toMatch(
      /X-Read-From: 10\.0\.0\.22:5432[\s\S]*\ntwo-books$/i,
    );
    await met(run!, 'read-your-writes');
  });
});
