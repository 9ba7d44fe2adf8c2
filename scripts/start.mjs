// npm start: builds the course if anything changed since the last build, then serves it at http://localhost:4321
// with the local runtime (real sandbox processes through the bridge). Works offline. Ctrl-C stops everything, and so
// do SIGTERM, SIGINT and SIGHUP sent to npm alone (an IDE's stop button, a process manager): see `launchers` below.
import { ensureSiteBuilt, root } from './build-site.mjs';
import { serveCourse } from '../src/runtime/local/server.ts';
import { commandOf, processTable } from '../src/runtime/local/processes.ts';

/**
 * The processes that launched this one and whose end must end it. npm runs a script as `sh -c "<script>"` and passes
 * SIGINT and SIGTERM to that shell only: a plain `node scripts/start.mjs` never got them (dash neither execs a lone
 * command nor passes a signal on; on SIGTERM it ends, on SIGINT it waits), so the script line is
 * `exec node scripts/start.mjs || node …`: the shell becomes this process and npm's signals reach it (on Windows,
 * cmd.exe has no `exec` and runs the part after `||`). SIGHUP npm does not pass at all: it ends. And the `node`
 * devDependency may be a shim, one more process in between, that passes nothing. So this server also watches every
 * process from its parent up to npm (or, without npm, its parent alone) and stops when one of them ends. A process
 * manager that started `npm start` and then ended (nohup, a login shell closing) is above npm: not watched.
 */
function launchers() {
  const table = processTable();
  const chain = [];
  for (let pid = process.ppid; pid > 1 && chain.length < 4; pid = table.get(pid)?.ppid ?? 0) {
    chain.push({ pid, started: table.get(pid)?.started });
    if (/(^|[\s/])npm(-cli\.js)?(\s|$)/.test(commandOf(pid))) return chain;
  }
  return chain.slice(0, 1);
}

const port = Number(process.env.PORT) || 4321;

try {
  await ensureSiteBuilt();
} catch (error) {
  console.error(`${error.message}. Fix it and run \`npm start\` again.`);
  process.exit(1);
}

let server;
try {
  server = await serveCourse({ root, port });
} catch (error) {
  const inUse = error.code === 'EADDRINUSE';
  console.error(
    inUse ? `Port ${port} is in use: stop what runs there, or choose another port: PORT=4322 npm start` : error.message,
  );
  process.exit(1);
}
console.log(`\nThe course is at ${server.url}  (local runtime; works offline). Press Ctrl-C to stop.\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping: ending the sandbox processes…');
  await server.close();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);

const watched = launchers();
setInterval(() => {
  const table = processTable();
  if (watched.some(({ pid, started }) => table.get(pid)?.started !== started)) void stop();
}, 500).unref();
