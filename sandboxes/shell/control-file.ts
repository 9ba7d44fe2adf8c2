// The session the shell lives in: its folder (the cwd, shared with the supervisor) and the supervisor's control
// API, found through .sandbox/control.json, which the supervisor writes once the scenario is up.
import { existsSync, readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { sessionPath } from '../shared/session-folder';

/** How often a command waiting for the sandbox looks for its control file. */
const POLL_MS = 20;

export interface Control {
  /** Loopback port of the supervisor's control API. */
  port: number;
  /** The session's secret, which the control API asks of every request. */
  secret: string;
  /** Absolute path of the sandbox network folder (see sandboxes/network/net.ts). */
  net: string;
  /** The learner's own address on the sandbox network ("the internet"). */
  client: string;
}

export class Session {
  private control: Control | undefined;

  constructor(readonly folder: string = process.cwd()) {}

  get controlFile(): string {
    return join(this.folder, '.sandbox', 'control.json');
  }

  /** The control file's contents, or undefined while the supervisor has not written it. */
  tryControl(): Control | undefined {
    if (this.control) return this.control;
    if (!existsSync(this.controlFile)) return undefined;
    try {
      const control = JSON.parse(readFileSync(this.controlFile, 'utf8')) as Control;
      if (
        typeof control.port !== 'number' ||
        typeof control.secret !== 'string' ||
        typeof control.net !== 'string' ||
        typeof control.client !== 'string'
      )
        return undefined;
      // The network folder is written to (captures, firewall rules): it must be this session's own.
      control.net = sessionPath(control.net, this.folder);
      if (!isIPv4(control.client)) return undefined;
      // From now on every connection this process opens goes through the sandbox network, as the client.
      process.env.SANDBOX_NET = control.net;
      process.env.SANDBOX_ADDR = control.client;
      this.control = control;
      return control;
    } catch {
      return undefined; // half-written: the next poll will see the whole file
    }
  }

  /**
   * Waits for the sandbox to be up. `onWait` is called once if it takes more than a moment, so the command can
   * say what it is waiting for; Ctrl-C (the signal) gives up.
   */
  async ready(signal: AbortSignal, onWait: () => void): Promise<Control> {
    const since = performance.now();
    let said = false;
    for (;;) {
      const control = this.tryControl();
      if (control) return control;
      if (signal.aborted) throw signal.reason;
      if (!said && performance.now() - since >= 500) {
        said = true;
        onWait();
      }
      // Looked at often: a command typed while the sandbox starts (the page's load, say) runs as soon as it is up,
      // and the look is one stat() of a file.
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
