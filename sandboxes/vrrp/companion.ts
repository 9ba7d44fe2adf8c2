// The service keepalived protects, run next to it on the same node: `vrrp -f keepalived.conf -- balancer -f
// haproxy.cfg`. A sandbox node is one process tree, and killing the node must kill both, like a machine losing
// power: the companion watches a pipe from us and exits when it closes, which happens even on SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Loaded before the bundle (node --import), so the program itself runs unchanged as `node <bundle> args...`.
const DIE_WITH_PARENT = `data:text/javascript,${encodeURIComponent("process.stdin.on('end', () => process.exit(0)).resume();")}`;

export function startCompanion(program: string, args: string[]): ChildProcess {
  const bundle = join(dirname(fileURLToPath(import.meta.url)), `${program}.js`);
  const child = spawn(process.execPath, ['--import', DIE_WITH_PARENT, bundle, ...args], { stdio: ['pipe', 'inherit', 'inherit'] });
  // SIGUSR2 is HAProxy's reload in master-worker mode: the supervisor's `reload` reaches the balancer through us.
  process.on('SIGUSR2', () => child.kill('SIGUSR2'));
  return child;
}
