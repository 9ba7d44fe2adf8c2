// The session the bridge opens ahead (src/runtime/local/bridge.ts, `npm start`'s): before any page connects, a
// session folder with the supervisor a page asks for first already started in its first sandbox folder, given to
// the first page that connects without emulated limits; and the spares a supervisor starts, which no page may.
// Real bridge, real supervisor (sandboxes/dist).
import { existsSync, readlinkSync } from 'node:fs';
import { createServer, get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOf, descendantsOf } from '../../src/runtime/local/processes.ts';
import { STARTED_AHEAD, SUPERVISOR_AHEAD } from '../../src/runtime/types.ts';
import { alive } from '../support/sandbox-node';
import { connect, startBridge, until, type Client, type TestBridge } from './harness';

const dist = resolve('sandboxes/dist');
/** Loading a supervisor and its spares on a loaded two-core machine. */
const LOADED_MS = 30_000;

/** The supervisors started ahead that this test process runs (through its bridge), by pid. */
function waitingSupervisors(): number[] {
  return [...descendantsOf([process.pid]).keys()].filter((pid) =>
    /\/supervisor\.js --scenario -$/.test(commandOf(pid)),
  );
}

/** The bridge's supervisor started ahead, once it runs. */
async function aheadSupervisor(): Promise<number> {
  let ahead: number | undefined;
  expect(await until(() => (ahead = waitingSupervisors()[0]) !== undefined, LOADED_MS)).toBe(true);
  return ahead!;
}

const askAhead = (client: Client) =>
  client.send({ type: 'spawn', program: SUPERVISOR_AHEAD.program, args: [...SUPERVISOR_AHEAD.args], cwd: 'sandbox-1' });

async function pidOf(client: Client, id: number): Promise<number> {
  const spawned = await client.waitFor((r) => r.type === 'spawned' && r.id === id, LOADED_MS);
  return (spawned as { pid: number }).pid;
}

describe('the session opened ahead', () => {
  it(
    'waits with a supervisor in sandbox-1, is given to the first page, which runs a scenario on it; the next page gets its own',
    { timeout: 90_000 },
    async () => {
      const target = await startBridge({ bundles: dist, openAhead: true });
      let ahead: number | undefined;
      let folder: string | undefined;
      try {
        ahead = await aheadSupervisor();
        folder = readlinkSync(`/proc/${ahead}/cwd`);
        expect(basename(folder)).toBe('sandbox-1');
        expect(basename(dirname(folder))).toMatch(/^sandbox-session-/);

        const page = await connect(target);
        const id = askAhead(page);
        expect(await pidOf(page, id)).toBe(ahead);
        page.send({ type: 'input', id, data: 'one-server\n' });
        await page.waitFor(() => page.output(id).includes('"type":"ready"'), LOADED_MS);

        // Another page (another tab) gets a session of its own: a new folder, a new supervisor.
        const other = await connect(target);
        const otherId = askAhead(other);
        const otherPid = await pidOf(other, otherId);
        expect(otherPid).not.toBe(ahead);
        expect(dirname(readlinkSync(`/proc/${otherPid}/cwd`))).not.toBe(dirname(folder!));
        await other.close();
        await page.close();
      } finally {
        await target.close();
      }
      // The page closed its session: the supervisor is gone with its folder.
      expect(await until(() => !alive(ahead!), 10_000)).toBe(true);
      expect(existsSync(dirname(folder!))).toBe(false);
    },
  );

  it(
    'gives the first page the shells it starts ahead of its first sandbox, with what they printed while they waited',
    { timeout: 90_000 },
    async () => {
      const target = await startBridge({ bundles: dist, openAhead: true });
      try {
        const ahead = await aheadSupervisor();
        const folder = readlinkSync(`/proc/${ahead}/cwd`);
        const shellsAhead = () =>
          [...descendantsOf([process.pid]).keys()].filter(
            (pid) => /\/shell\.js$/.test(commandOf(pid)) && readlinkSync(`/proc/${pid}/cwd`) === folder,
          );
        expect(await until(() => shellsAhead().length === 2, LOADED_MS)).toBe(true);
        const waiting = shellsAhead();

        const page = await connect(target);
        const ids = STARTED_AHEAD.map(({ program, args, terminal }) =>
          page.send({ type: 'spawn', program, args: [...args], cwd: 'sandbox-1', terminal }),
        );
        const pids = await Promise.all(ids.map((id) => pidOf(page, id)));
        expect(pids[0]).toBe(ahead);
        expect(pids.slice(1).sort()).toEqual([...waiting].sort());
        // Each shell's greeting, printed before the page connected, reaches it; and each answers its keys.
        for (const id of ids.slice(1)) {
          await page.waitFor(() => page.output(id).includes("Type 'help'"), LOADED_MS);
          page.send({ type: 'input', id, data: `echo shell ${id}\r` });
          await page.waitFor(() => page.output(id).includes(`\nshell ${id}`), LOADED_MS);
        }
        // A shell of another size is a new process: none started ahead is left to give.
        const other = page.send({
          type: 'spawn',
          program: 'shell',
          args: [],
          cwd: 'sandbox-1',
          terminal: { cols: 100, rows: 30 },
        });
        expect(pids).not.toContain(await pidOf(page, other));
        await page.close();
      } finally {
        await target.close();
      }
    },
  );

  it('ends the supervisor started ahead when the page asks for something else first', { timeout: 90_000 }, async () => {
    const target = await startBridge({ bundles: dist, openAhead: true });
    try {
      const ahead = await aheadSupervisor();
      const page = await connect(target);
      const id = page.send({
        type: 'spawn',
        program: 'supervisor',
        args: ['--scenario', 'one-server'],
        cwd: 'sandbox-1',
      });
      expect(await pidOf(page, id)).not.toBe(ahead);
      expect(await until(() => !alive(ahead), 10_000)).toBe(true);
      await page.close();
    } finally {
      await target.close();
    }
  });

  it('is not given to a page under the emulated WebContainer limits', { timeout: 90_000 }, async () => {
    const target = await startBridge({ bundles: dist, openAhead: true });
    try {
      const ahead = await aheadSupervisor();
      const page = await connect(target, { constraints: 'webcontainer' });
      const id = askAhead(page);
      expect(await pidOf(page, id)).not.toBe(ahead);
      // The one ahead still waits for the next page.
      expect(alive(ahead)).toBe(true);
      await page.close();
    } finally {
      await target.close();
    }
  });

  it(
    'is ended, processes and folder, when the bridge closes with no page having taken it',
    { timeout: 90_000 },
    async () => {
      const target = await startBridge({ bundles: dist, openAhead: true });
      const ahead = await aheadSupervisor();
      // Its spares too: the supervisor started them while it waited.
      expect(await until(() => descendantsOf([ahead]).size === 4, LOADED_MS)).toBe(true);
      const spares = [...descendantsOf([ahead]).keys()];
      const folder = dirname(readlinkSync(`/proc/${ahead}/cwd`));
      await target.close();
      // Signalled with their group; each is gone a moment later.
      for (const pid of [ahead, ...spares]) expect(await until(() => !alive(pid), 5000), `pid ${pid}`).toBe(true);
      expect(existsSync(folder)).toBe(false);
    },
  );
});

describe("a lesson page's first scenario, started ahead as the page is served", () => {
  /** What a browser sends with each kind of request for a page (its Sec-Fetch-* and Sec-Purpose headers). */
  const typedIn = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none' };
  const refused: Record<string, Record<string, string>> = {
    'a navigation from another site': { ...typedIn, 'sec-fetch-site': 'cross-site' },
    'a prefetch': { ...typedIn, 'sec-purpose': 'prefetch' },
    'a prerender': { ...typedIn, 'sec-purpose': 'prefetch;prerender' },
    "a script's fetch (client-side navigation)": { ...typedIn, 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' },
    'an iframe': { ...typedIn, 'sec-fetch-dest': 'iframe' },
    'curl (no Sec-Fetch headers)': {},
    'a DNS-rebinding host name': { ...typedIn, host: 'evil.example' },
  };

  /** A server that answers every request by asking the bridge to start `scenario` ahead for it. */
  async function servePages(
    target: TestBridge,
  ): Promise<{ get(scenario: string, headers: object): Promise<void>; close(): void }> {
    const server = createServer((req, res) => {
      target.bridge.startScenarioAhead(req, new URL(req.url!, 'http://localhost').searchParams.get('scenario')!);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      get: (scenario, headers) =>
        new Promise((resolve, reject) =>
          httpGet(
            {
              host: '127.0.0.1',
              port,
              path: `/?scenario=${scenario}`,
              headers: { host: `localhost:${port}`, ...headers },
            },
            (res) => res.resume().on('end', resolve),
          ).on('error', reject),
        ),
      close: () => server.close(),
    };
  }

  it(
    'runs it for a navigation typed in or from this site, never for anything else, and says so to the page that takes the supervisor',
    { timeout: 90_000 },
    async () => {
      const target = await startBridge({ bundles: dist, openAhead: true });
      const pages = await servePages(target);
      try {
        const ahead = await aheadSupervisor();
        // Each refused request names a scenario of its own: had one been run, the page would be told that one.
        for (const headers of Object.values(refused)) await pages.get('two-servers', headers);
        await pages.get('one-server', { ...typedIn, 'sec-fetch-site': 'same-origin' });
        // Once: a supervisor runs one scenario, and a second tab served meanwhile changes nothing.
        await pages.get('two-servers', typedIn);

        const page = await connect(target);
        const id = askAhead(page);
        const spawned = await page.waitFor((r) => r.type === 'spawned' && r.id === id, LOADED_MS);
        expect(spawned).toMatchObject({ pid: ahead, scenario: 'one-server' });
        // Its nodes started without a word from the page: every event since the scenario began reaches it.
        await page.waitFor(() => page.output(id).includes('"type":"ready"'), LOADED_MS);
        expect(page.output(id)).toMatch(/"type":"scenario","name":"one-server"/);
        await page.close();
      } finally {
        pages.close();
        await target.close();
      }
    },
  );
});

describe('a spare (sandboxes/spare)', () => {
  it("refuses a page's spawn of a spare, which only a supervisor starts", async () => {
    const target = await startBridge({ bundles: dist });
    try {
      const page = await connect(target);
      const id = page.send({ type: 'spawn', program: 'spare', args: [] });
      expect(await page.waitFor((r) => r.type === 'error' && r.id === id)).toMatchObject({
        message: "refused to start 'spare': it is started by a supervisor for its nodes, not by a page",
      });
      await page.close();
    } finally {
      await target.close();
    }
  });
});
