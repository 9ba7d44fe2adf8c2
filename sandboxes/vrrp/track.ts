// vrrp_script: a check keepalived runs every `interval`, turned into a healthy/failed state by `rise`/`fall`
// consecutive results, whose `weight` moves the instance's priority (FIDELITY.md 2.1).
//
// A sandbox node has no shell, so the scripts people usually write are modelled by what they test:
//   pidof haproxy | killall -0 haproxy | systemctl is-active haproxy  -> is this node's balancer up (port 80 answers)?
//   nc -z HOST PORT                                                   -> does HOST:PORT accept a connection?
//   curl -sf URL (any flags)                                          -> does URL answer with a status below 400?
import http from 'node:http';
import { connect, myAddress } from '../network/net';

export type Check = () => Promise<number>; // the script's exit status: 0 = success

const PROCESS_CHECK =
  /^(?:\S*\/)?(?:pidof\s+haproxy|killall\s+-0\s+haproxy|systemctl\s+is-active\s+(?:--quiet\s+)?haproxy)$/;

/** Turns a script line into the check it stands for; throws a clear error for scripts the sandbox cannot run. */
export function parseScript(script: string, timeoutMs: number): Check {
  const words = script.trim().split(/\s+/);
  if (PROCESS_CHECK.test(script.trim())) return () => tcpCheck(`${myAddress()}:80`, timeoutMs);
  if (/(^|\/)nc$/.test(words[0]) && words.includes('-z') && words.length >= 4) {
    return () => tcpCheck(`${words.at(-2)}:${words.at(-1)}`, timeoutMs);
  }
  const url = words.find((w) => /^https?:\/\//.test(w));
  if (/(^|\/)curl$/.test(words[0]) && url) return () => httpCheck(url, timeoutMs);
  throw new Error(
    `vrrp_script: cannot run "${script}" in this sandbox. Use one of: "pidof haproxy", "killall -0 haproxy", ` +
      `"nc -z 127.0.0.1 80", "curl -sf http://127.0.0.1/health"`,
  );
}

/** 127.0.0.1 and localhost mean this node, as on a real host. */
const local = (host: string) => (host === '127.0.0.1' || host === 'localhost' ? myAddress() : host);

function tcpCheck(address: string, timeoutMs: number): Promise<number> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), address.slice(address.lastIndexOf(':') + 1)];
  return new Promise((resolve) => {
    const socket = connect(`${local(host)}:${port}`);
    const done = (status: number) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => done(1), timeoutMs);
    socket.once('connect', () => done(0));
    socket.once('error', () => done(1));
  });
}

function httpCheck(url: string, timeoutMs: number): Promise<number> {
  const target = new URL(url);
  const address = `${local(target.hostname)}:${target.port || 80}`;
  return new Promise((resolve) => {
    const req = http.get(
      {
        path: target.pathname + target.search,
        headers: { host: target.host },
        createConnection: () => connect(address),
      },
      (res) => {
        res.resume();
        // curl -f exits 22 on an HTTP error status.
        resolve((res.statusCode ?? 500) < 400 ? 0 : 22);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', () => resolve(7)); // curl: "Failed to connect to host"
  });
}

/** The rise/fall filter: a script changes state only after `rise` successes or `fall` failures in a row. */
export class ScriptState {
  ok = true; // keepalived's default initial state is "not failed" (unless init_fail)
  private streak = 0;
  private known = false;

  constructor(
    readonly rise: number,
    readonly fall: number,
  ) {}

  /** Feeds one result; returns true when the state changed (or is known for the first time). */
  result(success: boolean): boolean {
    if (!this.known) {
      this.known = true;
      if (success) return true;
    }
    if (success === this.ok) {
      this.streak = 0;
      return false;
    }
    this.streak += 1;
    if (this.streak < (success ? this.rise : this.fall)) return false;
    this.ok = success;
    this.streak = 0;
    return true;
  }
}
