// Which runtime a page uses. Automatic: the local bridge when the site is served by `npm start` or the dev server
// (real processes, works offline), else a WebContainer in the browser. `?runtime=local|webcontainer` chooses by
// hand; when the chosen one cannot start, the other is tried and the page says why.
import { bootLocal } from './local/client';
import { RuntimeUnavailable, type BootStep, type Runtime, type RuntimeKind } from './types';
import { bootWebContainer } from './webcontainer';

export type RuntimeChoice = 'auto' | RuntimeKind;
/** First boot downloads the WebContainer runtime (~10 s on a good connection); allow slow ones too. */
const DEFAULT_BOOT_TIMEOUT_S = 45;

export interface Selection {
  choice: RuntimeChoice;
  /** `?boot-timeout=<seconds>`: how long to wait for a WebContainer before giving up. */
  timeoutSeconds: number;
}

export function readSelection(search: string): Selection {
  const params = new URLSearchParams(search);
  const runtime = params.get('runtime');
  const timeout = Number(params.get('boot-timeout'));
  return {
    choice: runtime === 'local' || runtime === 'webcontainer' ? runtime : 'auto',
    timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_BOOT_TIMEOUT_S,
  };
}

/** Boots the chosen runtime, falling back to the other; `notice` receives each explanation of a failure. */
export async function startRuntime(
  { choice, timeoutSeconds }: Selection,
  step: BootStep,
  notice: (problem: RuntimeUnavailable, fallback?: RuntimeKind) => void,
): Promise<Runtime> {
  const boot: Record<RuntimeKind, () => Promise<Runtime>> = {
    local: () => bootLocal(step),
    webcontainer: () => bootWebContainer(step, { timeoutSeconds }),
  };
  const order: RuntimeKind[] = choice === 'webcontainer' ? ['webcontainer', 'local'] : ['local', 'webcontainer'];
  const problems: RuntimeUnavailable[] = [];
  for (const [i, kind] of order.entries()) {
    try {
      return await boot[kind]();
    } catch (error) {
      const problem =
        error instanceof RuntimeUnavailable ? error : new RuntimeUnavailable(kind, (error as Error).message, 'Reload the page to try again.');
      problems.push(problem);
      // In automatic mode a missing bridge is the normal case on a static host: not worth a notice.
      if (choice !== 'auto' || kind !== 'local') notice(problem, order[i + 1]);
    }
  }
  throw new RuntimeUnavailable(
    order[0],
    'No runtime could start the sandbox.',
    problems.map((p) => p.advice).join(' '),
  );
}
