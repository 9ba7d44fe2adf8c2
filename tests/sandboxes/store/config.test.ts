// The replication mode is configuration (store.conf, as synchronous_commit is in postgresql.conf): read at start
// and on reload, kept across restarts, and a broken file changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from './cluster';
import { StoreClient, StoreError } from '../../../sandboxes/store/client';
import { withSetting } from '../../../sandboxes/store/conf';
import { parseStoreConfig, storeConf } from '../../../sandboxes/store/store-config';

let cluster: Cluster;
const clients: StoreClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await cluster?.stopAll();
});

describe('store.conf', () => {
  it('is edited in place as ALTER SYSTEM would, keeping the comments', () => {
    const edited = withSetting(storeConf('async'), 'mode', 'sync');
    expect(parseStoreConfig(edited, 'store.conf').config).toEqual({
      mode: 'sync',
      semiSyncTimeoutMs: 10_000,
      maxWalSize: 4 * 1024 * 1024,
    });
    expect(edited.split('\n').length).toBe(storeConf().split('\n').length);
    expect(withSetting('# nothing yet\n', 'mode', 'semi-sync')).toBe('# nothing yet\nmode = semi-sync\n');
    expect(parseStoreConfig('mode = fast\n', 'store.conf').errors).toEqual([
      'store.conf:1: invalid value for parameter "mode": "fast" (available values: async, semi-sync, sync)',
    ]);
  });

  it(
    'sets the mode at start, on reload and after a restart, and a reload of a broken file changes nothing',
    { timeout: 60_000 },
    async () => {
      cluster = new Cluster();
      const conf = join(cluster.dir, 'store.conf');
      writeFileSync(conf, storeConf('sync'));
      await cluster.primary('db-01', ['--config', 'store.conf']);
      const c = new StoreClient(await cluster.address('db-01'));
      clients.push(c);
      expect((await c.status()).mode).toBe('sync');

      writeFileSync(conf, withSetting(storeConf('sync'), 'mode', 'fast'));
      const refused = await c.reload().catch((e: StoreError) => e);
      expect((refused as StoreError).message).toBe(
        'ERROR:  store.conf:7: invalid value for parameter "mode": "fast" (available values: async, semi-sync, sync)',
      );
      await cluster.waitFor(
        'db-01',
        (e) => e.type === 'log' && e.text === 'LOG:  configuration file contains errors; no changes were applied',
      );
      expect((await c.status()).mode).toBe('sync');

      writeFileSync(conf, storeConf('semi-sync'));
      expect((await c.reload()).mode).toBe('semi-sync');
      await cluster.waitFor(
        'db-01',
        (e) => e.type === 'log' && e.text === 'LOG:  parameter "mode" changed to "semi-sync"',
      );

      await cluster.kill('db-01');
      await cluster.restart('db-01');
      expect((await c.status()).mode).toBe('semi-sync');
    },
  );
});
