// Ending a sandbox process (src/runtime/stop.ts): its own quit command first, kill() as the fallback, and never a
// wait without a bound, against processes that answer, ignore the command, or ignore kill() too (a WebContainer
// cannot end a process whose event loop is busy).
import { describe, expect, it } from 'vitest';
import { stopProcess } from '../../src/runtime/stop';
import type { SandboxProcess } from '../../src/runtime/types';

/** A process that ends with `code` when told to: on its quit command, on kill(), or never. */
function fakeProcess({ quits, dies }: { quits: boolean; dies: boolean }) {
  let end!: (code: number) => void;
  const told: string[] = [];
  const process: SandboxProcess = {
    output: new ReadableStream(),
    input: new WritableStream(),
    exit: new Promise<number>((resolve) => (end = resolve)),
    kill: () => {
      told.push('kill');
      if (dies) end(137);
    },
    resize: () => {},
  };
  const quit = async () => {
    told.push('quit');
    if (quits) setTimeout(() => end(0), 10);
  };
  return { process, quit, told, end };
}

const bounds = { quitMs: 200, killMs: 200 };

describe('stopping a sandbox process', () => {
  it('ends a process that obeys its quit command without killing it', async () => {
    const p = fakeProcess({ quits: true, dies: true });
    expect(await stopProcess(p.process, p.quit, bounds)).toEqual({ by: 'quit', code: 0 });
    expect(p.told).toEqual(['quit']);
  });

  it('kills a process that does not answer its quit command within the bound', async () => {
    const p = fakeProcess({ quits: false, dies: true });
    const started = Date.now();
    expect(await stopProcess(p.process, p.quit, bounds)).toEqual({ by: 'kill', code: 137 });
    expect(p.told).toEqual(['quit', 'kill']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(bounds.quitMs - 5);
  });

  it('gives up on a process that survives kill(), after both bounds, and says it is stuck', async () => {
    const p = fakeProcess({ quits: false, dies: false });
    const started = Date.now();
    expect(await stopProcess(p.process, p.quit, bounds)).toEqual({ by: 'stuck' });
    expect(Date.now() - started).toBeLessThan(bounds.quitMs + bounds.killMs + 1000);
  });

  it('kills at once a process without a quit command, and one whose stdin is closed', async () => {
    const plain = fakeProcess({ quits: false, dies: true });
    expect(await stopProcess(plain.process, undefined, bounds)).toEqual({ by: 'kill', code: 137 });
    const closed = fakeProcess({ quits: false, dies: true });
    expect(await stopProcess(closed.process, () => Promise.reject(new Error('stream closed')), bounds)).toEqual({
      by: 'kill',
      code: 137,
    });
  });

  // A click that starts another sandbox stops this one: its command must not wait for a timer, which the page would
  // run only after redrawing both sandboxes.
  it('sends its quit command without waiting for a timer', async () => {
    const p = fakeProcess({ quits: true, dies: true });
    const stopping = stopProcess(p.process, p.quit, bounds);
    for (let turn = 0; turn < 10; turn++) await Promise.resolve(); // microtasks only: no timer has run
    expect(p.told).toEqual(['quit']);
    expect(await stopping).toEqual({ by: 'quit', code: 0 });
  });

  it('reports a process that had already ended as such, asking it nothing', async () => {
    const p = fakeProcess({ quits: true, dies: true });
    p.end(3);
    expect(await stopProcess(p.process, p.quit, bounds)).toEqual({ by: 'exited', code: 3 });
    expect(p.told).toEqual([]);
  });
});
