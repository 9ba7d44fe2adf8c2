// A node's line to the supervisor. Under the supervisor (SANDBOX_EVENTS=1) a node's stdin is a pipe from it:
// each line is a command for the node (e.g. a web server's `slow 300ms`), and the end of the pipe means the
// supervisor is gone, even if it was killed with SIGKILL and could not stop its nodes. The node then exits, so no
// orphan keeps a port or a virtual address. Run by hand, the lines come from the terminal and its end is ignored.
import { createInterface } from 'node:readline';

export function onSupervisorLine(handle: (line: string) => void): void {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    if (line.trim()) handle(line);
  });
  if (process.env.SANDBOX_EVENTS === '1') lines.on('close', () => process.exit(0));
}
