import net from 'node:net';

// Ports are taken below every system's ephemeral range (Linux 32768-60999, macOS and Windows 49152-65535). A port the
// kernel handed out with listen(0) is an ephemeral one: between our closing it and a child binding it, any outgoing
// connection on the machine can take it as its local port (CI met "EADDRINUSE" so). Below that range only a listener
// can, and each vitest worker has its own block, so workers do not pick each other's ports either.
const LOWEST = 12_000;
const BLOCK = 2_000;
const BLOCKS = 10;
const worker = Number(process.env.VITEST_POOL_ID ?? 0) % BLOCKS;
// A random start, so that a file does not reuse the ports the worker's previous file has only just let go of.
let next = Math.floor(Math.random() * BLOCK);

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A TCP port on 127.0.0.1, free a moment ago and not one the kernel hands out to connections: tests never share ports. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = LOWEST + worker * BLOCK + (next++ % BLOCK);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${LOWEST + worker * BLOCK}-${LOWEST + (worker + 1) * BLOCK - 1}`);
}
