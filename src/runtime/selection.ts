// Which runtime a page asks for, read from its address (see select.ts). Read by the page, and by `npm start`'s server
// (src/runtime/local/server.ts), which starts a lesson's first scenario ahead only for a page that will take it.
import { parseConstraints, type Constraints, type RuntimeKind } from './types.ts';

export type RuntimeChoice = 'auto' | RuntimeKind;
/** First boot downloads the WebContainer runtime (~10 s on a good connection); allow slow ones too. */
const DEFAULT_BOOT_TIMEOUT_S = 45;

export interface Selection {
  choice: RuntimeChoice;
  /** `?boot-timeout=<seconds>`: how long to wait for a WebContainer before giving up. */
  timeoutSeconds: number;
  /** `?constraints=webcontainer`: the local runtime emulates a WebContainer's limits. */
  constraints?: Constraints;
}

export function readSelection(search: string): Selection {
  const params = new URLSearchParams(search);
  const runtime = params.get('runtime');
  const timeout = Number(params.get('boot-timeout'));
  return {
    choice: runtime === 'local' || runtime === 'webcontainer' ? runtime : 'auto',
    timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_BOOT_TIMEOUT_S,
    constraints: parseConstraints(params.get('constraints')),
  };
}
