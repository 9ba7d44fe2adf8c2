// npm run test:loaded [-- vitest args]: the test suite on a busy machine, as a learner's laptop often is.
//
// Starts one CPU-bound process per core (a tight loop at normal priority, like a build or a video call in the
// background), runs the tests, then stops them. A test that fails only here is worth reading as a product bug first:
// an event lost or late, a command typed before the shell was ready, a bound taken from a fast machine.
// BURNERS=<n> sets the number of busy processes (default: the number of cores).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const count = Number(process.env.BURNERS ?? availableParallelism());
const burners = Array.from({ length: count }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopBurners = () => burners.forEach((burner) => burner.kill('SIGKILL'));
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => process.exit(130));

console.log(`test:loaded: ${count} busy processes running beside the tests`);
const args = process.argv.slice(2);
// Type-checks first, as `npm test` does, then vitest with whatever was asked (everything by default).
const steps = [
  ['npm', ['run', 'check']],
  ['npx', ['vitest', 'run', ...args]],
];
let code = 0;
for (const [command, commandArgs] of steps) {
  code = await new Promise((resolve) =>
    spawn(command, commandArgs, { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)),
  );
  if (code !== 0) break;
}
stopBurners();
console.log(`test:loaded: finished with exit code ${code}`);
process.exit(code);
