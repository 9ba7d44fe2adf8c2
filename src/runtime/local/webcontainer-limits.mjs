// Preloaded (node --import, through NODE_OPTIONS so every descendant gets it too) into each program the local bridge
// runs in its constrained mode (`?runtime=local&constraints=webcontainer`, or SANDBOX_CONSTRAINTS=webcontainer in
// tests). It EMULATES the limits WebContainers are documented or reported to have (../shared/WEBCONTAINER-COMPAT.md
// §2, §3): it lets the course find out on this computer which programs break under them. It proves nothing about
// StackBlitz itself; only a run on a real WebContainer (the probe page) does.
//
// Plain JavaScript that Node 20 runs as it is: it is loaded before any bundle, by whichever node runs the program.
import { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Signals. "When node.js isn't stuck in a hot while loop … kill and process.kill work as desired"; a busy process
// cannot be stopped at all (webcontainer-core#1121), and nothing says any other signal reaches a handler. So here:
// every signal but SIGKILL does nothing, and SIGKILL is cooperative: the sender sends a real SIGTERM, which this
// module (first of all listeners) turns into an immediate exit from the target's event loop. A process busy in a hot
// loop is not ended until it yields. The exit is reported as code 137 and no signal: programs must not rely on it.
const COOPERATIVE_KILL = 'SIGTERM';
const isKill = (signal) => signal === 'SIGKILL' || signal === 9;
process.prependListener(COOPERATIVE_KILL, () => process.reallyExit(137));

const realKill = process.kill.bind(process);
process.kill = (pid, signal = 'SIGTERM') => {
  if (signal === 0) return realKill(pid, 0); // "does it exist?" sends nothing
  if (isKill(signal)) return realKill(pid, COOPERATIVE_KILL);
  return true; // accepted, and nothing happens
};
const realChildKill = ChildProcess.prototype.kill;
ChildProcess.prototype.kill = function kill(signal = 'SIGTERM') {
  if (isKill(signal)) return realChildKill.call(this, COOPERATIVE_KILL);
  return this.exitCode === null && this.signalCode === null;
};

// No /proc: nothing says a WebContainer has one (compat table row 10), so every path under it does not exist.
const underProc = (path) => {
  if (typeof path !== 'string' && !(path instanceof URL) && !Buffer.isBuffer(path)) return false;
  const absolute = resolve(path instanceof URL ? fileURLToPath(path) : String(path));
  return absolute === '/proc' || absolute.startsWith('/proc/');
};
const missing = (syscall, path) =>
  Object.assign(new Error(`ENOENT: no such file or directory, ${syscall} '${String(path)}'`), {
    errno: -2,
    code: 'ENOENT',
    syscall,
    path: String(path),
  });

const PATH_CALLS = [
  'access',
  'open',
  'readFile',
  'readdir',
  'stat',
  'lstat',
  'readlink',
  'realpath',
  'opendir',
  'watch',
  'createReadStream',
];
for (const name of PATH_CALLS) {
  const syscall = name.toLowerCase();
  const async = fs[name];
  fs[name] = function (path, ...rest) {
    if (!underProc(path)) return async.call(this, path, ...rest);
    const callback = rest.at(-1);
    if (typeof callback !== 'function') throw missing(syscall, path);
    process.nextTick(callback, missing(syscall, path));
  };
  const sync = fs[`${name}Sync`];
  if (sync) {
    fs[`${name}Sync`] = (path, ...rest) => {
      if (underProc(path)) throw missing(syscall, path);
      return sync(path, ...rest);
    };
  }
  const promised = fs.promises[name];
  if (promised)
    fs.promises[name] = (path, ...rest) =>
      underProc(path) ? Promise.reject(missing(syscall, path)) : promised(path, ...rest);
}
const realExists = fs.existsSync;
fs.existsSync = (path) => !underProc(path) && realExists(path);

// fdatasync/fsync: nothing says a WebContainer's file system implements them (compat table row 20).
const notImplemented = (syscall) =>
  Object.assign(new Error(`ENOSYS: function not implemented, ${syscall}`), { errno: -38, code: 'ENOSYS', syscall });
const handle = await fs.promises.open(fileURLToPath(import.meta.url), 'r');
const FileHandle = Object.getPrototypeOf(handle);
await handle.close();
for (const syscall of ['datasync', 'sync'])
  FileHandle[syscall] = async () => Promise.reject(notImplemented(`f${syscall}`));
for (const syscall of ['fdatasync', 'fsync']) {
  fs[syscall] = (_fd, callback) => process.nextTick(callback, notImplemented(syscall));
  fs[`${syscall}Sync`] = () => {
    throw notImplemented(syscall);
  };
}
syncBuiltinESMExports();

// Global fetch: the programs must use node:http, which WebContainers run as Node's own JavaScript (row 16).
delete globalThis.fetch;
