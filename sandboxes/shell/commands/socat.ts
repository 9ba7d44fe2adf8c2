// `socat`, for the one form admins use to talk to HAProxy's runtime API over its TCP stats socket:
//   echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999
// It sends what was piped in, closes its sending side (which tells HAProxy the command is complete), prints the
// answer, and ends when the server closes or, as socat's -t 0.5 default does, half a second after things go quiet.
import type { Command, CommandIO } from '../command';
import { connect } from '../../network/net';
import { waitForSandbox } from '../wait';

const QUIET_MS = 500;

/** socat's own diagnostic format: "2026/11/25 14:05:14 socat[1234] E message". */
function diagnostic(message: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}/${pad(now.getMonth() + 1)}/${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return `${stamp} socat[${process.pid}] E ${message}\n`;
}

function parseTcpAddress(address: string): { host: string; port: number } | undefined {
  const match = /^(?:tcp4?-connect|tcp4?):([\d.]+):(\d+)$/i.exec(address);
  return match ? { host: match[1], port: Number(match[2]) } : undefined;
}

function exchange(target: { host: string; port: number }, input: string, io: CommandIO): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(target);
    let quiet: NodeJS.Timeout | undefined;
    const finish = (status: number) => {
      clearTimeout(quiet);
      io.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(status);
    };
    const onAbort = () => finish(130);
    const waitQuiet = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(0), QUIET_MS);
    };
    io.signal.addEventListener('abort', onAbort);
    socket.on('connect', () => socket.end(input, waitQuiet));
    socket.on('data', (chunk: Buffer) => {
      io.out(chunk.toString('utf8'));
      waitQuiet();
    });
    socket.on('end', () => finish(0));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'ECONNREFUSED'
          ? 'Connection refused'
          : error.code === 'ECONNRESET'
            ? 'Connection reset by peer'
            : error.message;
      io.err(diagnostic(`connect(5, AF=2 ${target.host}:${target.port}, 16): ${reason}`));
      finish(1);
    });
  });
}

export const socat: Command = {
  name: 'socat',
  summary: "HAProxy's runtime API",
  usage: `echo "COMMAND" | socat stdio tcp4-connect:HOST:PORT
Sends COMMAND to a TCP socket and prints the answer. The balancer's runtime API (HAProxy's stats socket) listens
on 10.0.0.2:9999. Commands, as in HAProxy: show stat, show info, show servers state, disable server be/srv,
enable server be/srv, set server be/srv state ready|drain|maint, set weight be/srv N, get weight be/srv.
Several commands can go on one line, separated by ';'.
Example: echo "disable server be_app/web-01" | socat stdio tcp4-connect:10.0.0.2:9999`,
  async run(args, io) {
    if (args.length !== 2) {
      io.err(diagnostic(`exactly 2 addresses required (there are ${args.length}); use option "-h" for help`));
      return 1;
    }
    if (!/^(stdio|-)$/i.test(args[0])) {
      io.err(
        diagnostic(
          `unknown device/address "${args[0]}" (this sandbox's socat knows only: stdio tcp4-connect:HOST:PORT)`,
        ),
      );
      return 1;
    }
    const target = parseTcpAddress(args[1]);
    if (!target) {
      io.err(
        diagnostic(
          `unknown device/address "${args[1]}" (expected tcp4-connect:HOST:PORT, e.g. tcp4-connect:10.0.0.2:9999)`,
        ),
      );
      return 1;
    }
    if (io.input === undefined) {
      io.err('socat: pipe the command in: echo "show stat" | socat stdio tcp4-connect:10.0.0.2:9999\n');
      return 1;
    }
    await waitForSandbox(io);
    return exchange(target, io.input, io);
  },
  complete: (args) => (args.length === 1 ? ['stdio'] : args.length === 2 ? ['tcp4-connect:10.0.0.2:9999'] : []),
};
