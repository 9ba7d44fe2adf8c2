// Bundles every sandbox program (sandboxes/<program>/main.ts) into one self-contained file,
// sandboxes/dist/<program>.js, that runs on Node 20 (the WebContainer default) with no node_modules.
import { build } from 'esbuild';
import { readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sandboxes = join(root, 'sandboxes');
const outdir = join(sandboxes, 'dist');

export function programs() {
  return readdirSync(sandboxes, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(sandboxes, d.name, 'main.ts')))
    .map((d) => d.name)
    .sort();
}

/**
 * `node:http` and `node:https` through require() instead of an ES import. Node 22+ builds an ES module's view of a
 * built-in by reading every export, and node:http's `WebSocket`, `MessageEvent` and `CloseEvent` are getters that load
 * undici (with http2 and tls) on first read: about 30 ms of CPU at every process start, in every node, for classes
 * no sandbox program uses. require() returns the module as it is, and esbuild's named imports of a CommonJS module
 * read each export only when the program uses it. (Node 20, a WebContainer's, has no such getters; require() works
 * there the same, through the banner's createRequire.)
 */
const httpThroughRequire = {
  name: 'http-through-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?https?$/ }, (args) =>
      // The require() in the module below is the built-in itself.
      args.namespace === 'builtin-required'
        ? { path: args.path, external: true }
        : { path: args.path.replace(/^(node:)?/, 'node:'), namespace: 'builtin-required' },
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-required' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

export async function buildSandboxes() {
  const names = programs();
  mkdirSync(outdir, { recursive: true });
  // The bundles are ES modules; this marker makes Node treat dist/*.js as such wherever dist/ is mounted.
  writeFileSync(join(outdir, 'package.json'), '{ "type": "module" }\n');
  await build({
    entryPoints: Object.fromEntries(names.map((n) => [n, join(sandboxes, n, 'main.ts')])),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Some bundled libraries still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __sandboxRequire } from 'node:module'; const require = __sandboxRequire(import.meta.url);",
    },
    plugins: [httpThroughRequire],
    logLevel: 'warning',
  });
  return names;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = await buildSandboxes();
  console.log(`sandboxes/dist: ${names.map((n) => n + '.js').join(' ') || '(no programs yet)'}`);
}
