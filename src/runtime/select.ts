// Which runtime a page uses. Automatic: the local bridge when the site is served by `npm start` or the dev server
// (real processes, works offline), else a WebContainer in the browser. `?runtime=local|webcontainer` chooses by
// hand; when the chosen one cannot start, the other is tried and the page says why. `&constraints=webcontainer` runs the
// local runtime's programs under the emulated limits of a WebContainer (src/runtime/local/constraints.ts).
import { bootLocal, NO_BRIDGE } from './local/client';
import type { Selection } from './selection';
import { RuntimeUnavailable, type BootStep, type Runtime, type RuntimeKind } from './types';
import { bootWebContainer } from './webcontainer';

/** Boots the chosen runtime, falling back to the other; `notice` receives each explanation of a failure. */
export async function startRuntime(
  { choice, timeoutSeconds, constraints }: Selection,
  step: BootStep,
  notice: (problem: RuntimeUnavailable, fallback?: RuntimeKind, quiet?: boolean) => void,
): Promise<Runtime> {
  const boot: Record<RuntimeKind, () => Promise<Runtime>> = {
    local: () => bootLocal(step, constraints),
    webcontainer: () => bootWebContainer(step, { timeoutSeconds }),
  };
  const order: RuntimeKind[] = choice === 'webcontainer' ? ['webcontainer', 'local'] : ['local', 'webcontainer'];
  const problems: RuntimeUnavailable[] = [];
  for (const [i, kind] of order.entries()) {
    try {
      return await boot[kind]();
    } catch (error) {
      const problem =
        error instanceof RuntimeUnavailable
          ? error
          : new RuntimeUnavailable(kind, (error as Error).message, 'Reload the page to try again.');
      problems.push(problem);
      // In automatic mode a missing bridge is the normal case on a static host: not worth a notice, only its step
      // marked as fallen back (never done). A bridge that refuses (too many pages open, no session folder) is.
      notice(problem, order[i + 1], choice === 'auto' && problem === NO_BRIDGE);
    }
  }
  throw new RuntimeUnavailable(
    order[0],
    'No runtime could start the sandbox.',
    problems.map((p) => p.advice).join(' '),
  );
}

const RUNTIME_NAMES: Record<RuntimeKind, string> = {
  local: 'local: the programs run on this computer (npm start)',
  webcontainer: 'WebContainer: the programs run in this browser tab',
};

/** How the panel names a runtime in its indicator ("Runtime: …"). */
export function describeRuntime({ kind, constraints }: Pick<Runtime, 'kind' | 'constraints'>): string {
  if (constraints === 'webcontainer')
    return 'local, constrained like a WebContainer: the programs run on this computer under the limits of a WebContainer';
  return RUNTIME_NAMES[kind];
}
