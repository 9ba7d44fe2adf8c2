// Benchmark: the TLS model's handshake (sandboxes/network/tls), client and server in this process over loopback TCP.
// Prints the time to a first decrypted byte per connection (median and p90 over --rounds), the CPU time per
// connection (client and server together; on a busy machine the figure to compare) and the time to issue a
// certificate, so a change of crypto implementation shows its cost.
//
//   node bench/tls-handshake.mjs [--rounds 50]
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '50' } } });
const rounds = Number(values.rounds);

const folder = mkdtempSync(join(tmpdir(), 'bench-tls-'));
try {
  const outfile = join(folder, 'tls.mjs');
  await build({
    stdin: {
      contents: "export * from './pki'; export * from './session';",
      resolveDir: join(root, 'sandboxes', 'network', 'tls'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    logLevel: 'warning',
  });
  const { issue, readCredentials, secureAccept, secureConnect } = await import(pathToFileURL(outfile).href);

  let started = performance.now();
  const ca = await issue('Sandbox Root CA', 'self');
  const site = await issue('www.example.com', { name: 'Sandbox Root CA', key: ca.key });
  const issueMs = (performance.now() - started) / 2;
  const credentials = await readCredentials(site.pem + site.keyPem);

  const server = net.createServer((socket) => {
    const stream = secureAccept(socket, credentials);
    stream.on('error', () => undefined);
    stream.on('data', (data) => stream.end(data));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  const times = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    started = performance.now();
    await new Promise((resolve, reject) => {
      const client = secureConnect(net.connect(port, '127.0.0.1'), 'www.example.com', [ca.certificate]);
      client.once('data', () => (client.destroy(), resolve()));
      client.once('error', reject);
      client.write('ping');
    });
    times.push(performance.now() - started);
  }
  const { user, system } = process.cpuUsage(cpu);
  server.close();
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
  console.log(
    `node ${process.version}: handshake + one round trip, ${rounds} connections: median ${at(0.5)} ms, p90 ${at(0.9)} ms, CPU ${((user + system) / 1000 / rounds).toFixed(2)} ms each; issue a certificate: ${issueMs.toFixed(2)} ms`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
