// Plays a goal's solution the way the shell would: each line is a shell command, run against a supervisor run.
// The one thing a test cannot type is the full-screen editor, so `edit FILE` applies the edit the solution's next
// comment line describes, given by the test.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from '../../../sandboxes/supervisor/commands';
import { get, load, type SupervisorRun } from '../supervisor/harness';

export type Edits = Record<string, (text: string) => string>;

const seconds = (text: string) => Number(/^(\d+(?:\.\d+)?)s$/.exec(text)?.[1] ?? NaN) * 1000;

function target(url: string): { address: string; path: string } {
  const u = new URL(url);
  return { address: `${u.hostname}:${u.port || 80}`, path: u.pathname };
}

export async function play(run: SupervisorRun, lines: string[], edits: Edits = {}): Promise<void> {
  for (const line of lines) {
    const [name, ...args] = line.trim().split(/\s+/);
    if (name.startsWith('#')) continue;
    if (name === 'curl') {
      const { address, path } = target(args.at(-1)!);
      await get(address, path).catch(() => undefined); // a failed curl is part of some stories
    } else if (name === 'load') {
      let [rate, ms, url] = [10, 10_000, 'http://10.0.0.2/'];
      for (let i = 0; i < args.length; i++) {
        if (args[i] === '-r') rate = Number(args[++i]);
        else if (args[i] === '-d') ms = seconds(args[++i]);
        else url = args[i];
      }
      await load(target(url).address, rate, ms);
    } else if (name === 'infra') {
      const inAt = args.indexOf('--in');
      const after_ms = inAt >= 0 ? seconds(args.splice(inAt, 2)[1]) : undefined;
      const [verb, a, b] = args;
      const command = (verb === 'cut' || verb === 'heal' ? { cmd: verb, a, b, after_ms } : { cmd: verb, node: a, after_ms }) as Command;
      const reply = await run.command(command);
      if (!reply.ok) throw new Error(`${line}: ${reply.error}`);
    } else if (name === 'reload') {
      for (const node of (await run.status()).nodes.filter((n) => n.config)) {
        const from = run.lastSeq();
        const reply = await run.command({ cmd: 'reload', node: node.name });
        if (!reply.ok) throw new Error(`${line}: ${reply.error}`);
        await run.waitFor((e) => e.type === 'balancer.reload' && e.node === node.name, 10_000, from);
      }
    } else if (name === 'edit') {
      const edit = edits[args[0]];
      if (!edit) throw new Error(`the test gives no edit for ${args[0]}`);
      const file = join(run.folder, args[0]);
      writeFileSync(file, edit(readFileSync(file, 'utf8')));
    } else {
      throw new Error(`the solution runner does not know '${name}' (${line})`);
    }
  }
}
