// The sandbox processes running on this machine, read from /proc (the local runtime runs them as real processes):
// which bundle each runs and in which folder, so a test can tell one sandbox's processes from another's.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxProcessInfo {
  pid: number;
  /** The bundle's name: supervisor, web, balancer... */
  program: string;
  /**
   * The supervisor's scenario, when it is one: its --scenario, or for one started ahead (`--scenario -`) the scenario
   * it was then told (its lab note), undefined while it waits.
   */
  scenario?: string;
  /** A supervisor started ahead of its sandbox (src/runtime/started-ahead.ts). */
  ahead: boolean;
  /** Its working directory: the sandbox's folder. */
  folder: string;
}

export function sandboxProcesses(): SandboxProcessInfo[] {
  const found: SandboxProcessInfo[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      // sandboxes/dist/<program>.js, or ../bin/<program>.js in the constrained mode's container-wide tree.
      const bundle = args.find((arg) => /(\/sandboxes\/dist|(^|\/)bin)\/[a-z-]+\.js$/.test(arg));
      // A node started in a spare (sandboxes/spare/main.ts) shows its program and arguments as its title.
      const titled = /^([a-z][a-z-]*)( |$)/.exec(args[0]!);
      const program = bundle
        ? bundle.replace(/^.*\/([a-z-]+)\.js$/, '$1')
        : titled && isNode(pid)
          ? titled[1]!
          : undefined;
      if (!program) continue;
      const given = args.includes('--scenario') ? args[args.indexOf('--scenario') + 1] : undefined;
      const folder = readlinkSync(`/proc/${pid}/cwd`);
      const scenario = given === '-' ? toldScenario(folder) : given;
      found.push({ pid: Number(pid), program, scenario, ahead: given === '-', folder });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Whether the process runs Node.js (a node started in a spare has no bundle on its command line). */
function isNode(pid: string): boolean {
  return /\/node(js)?(\d+)?$/.test(readlinkSync(`/proc/${pid}/exe`));
}

/** The scenario a supervisor started ahead was told, from the note it writes in its folder once it knows. */
function toldScenario(folder: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(folder, '.sandbox', 'lab.json'), 'utf8')) as { scenario: string }).scenario;
  } catch {
    return undefined; // still waiting for its scenario
  }
}

/** The supervisors running on this machine (other test runs may have some too). */
export const supervisors = () => sandboxProcesses().filter((p) => p.program === 'supervisor');
