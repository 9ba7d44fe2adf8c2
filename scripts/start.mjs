// npm start: builds the course if anything changed since the last build, then serves it at http://localhost:4321
// with the local runtime (real sandbox processes through the bridge). Works offline. Ctrl-C stops everything.
import { ensureSiteBuilt, root } from './build-site.mjs';
import { serveCourse } from '../src/runtime/local/server.ts';

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
  console.error(inUse ? `Port ${port} is in use: stop what runs there, or choose another port: PORT=4322 npm start` : error.message);
  process.exit(1);
}
console.log(`\nThe course is at ${server.url}  (local runtime; works offline). Press Ctrl-C to stop.\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping: ending the sandbox processes…');
    await server.close();
    process.exit(0);
  });
}
