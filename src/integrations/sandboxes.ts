// The sandbox programs in the site: bundled before `astro dev` and `astro build`, served to the page under
// <base>/sandbox/bin/ (a WebContainer mounts them from there), and reachable as real processes through the local
// bridge. A build also fails when the built site would not be cross-origin isolated on a static host.
import type { AstroIntegration } from 'astro';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
// @ts-expect-error: a plain ES module script without type declarations
import { buildSandboxes } from '../../scripts/build-sandboxes.mjs';
import { listPrograms } from '../runtime/local/bridge-session.ts';
import { ISOLATION_HEADERS, sandboxBridge } from '../runtime/local/vite-plugin.ts';
import { isolationHeaderFaults } from './isolation-headers.ts';

/**
 * Where the page finds the bundles, under the site's base path: <name>.js, package.json (marks them as ES modules)
 * and programs.json. src/runtime/webcontainer.ts fetches them from there.
 */
export const BUNDLES_PATH = 'sandbox/bin/';

/** The files of /sandbox/bin/: every bundle, its package.json, and the list of program names. */
function bundleFiles(bundles: string): Map<string, () => Buffer | string> {
  const programs = listPrograms(bundles);
  const files = new Map<string, () => Buffer | string>(
    programs.map((name) => [`${name}.js`, () => readFileSync(join(bundles, `${name}.js`))]),
  );
  files.set('package.json', () => readFileSync(join(bundles, 'package.json')));
  files.set('programs.json', () => JSON.stringify(programs));
  return files;
}

/** In `astro dev`, serves <base>/sandbox/bin/ straight from sandboxes/dist. */
function serveBundles(bundles: string, base: string): Plugin {
  return {
    name: 'sandbox-bundles',
    configureServer(server) {
      server.middlewares.use(`${base.replace(/\/?$/, '/')}${BUNDLES_PATH}`, (req, res, next) => {
        const file = bundleFiles(bundles).get((req.url ?? '').replace(/^\/|\?.*$/g, ''));
        if (!file) return next();
        for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
        res.setHeader('Content-Type', req.url?.endsWith('.json') ? 'application/json' : 'text/javascript');
        res.end(file());
      });
    },
  };
}

export function sandboxes(): AstroIntegration {
  let bundles = '';
  return {
    name: 'sandboxes',
    hooks: {
      'astro:config:setup': async ({ command, config, updateConfig, logger }) => {
        bundles = join(fileURLToPath(config.root), 'sandboxes', 'dist');
        if (command === 'dev' || command === 'build') {
          const names: string[] = await buildSandboxes();
          logger.info(`bundled ${names.length} sandbox programs: ${names.join(', ') || '(none yet)'}`);
        }
        updateConfig({ vite: { plugins: [sandboxBridge({ bundles }), serveBundles(bundles, config.base)] } });
      },
      'astro:build:done': ({ dir, logger }) => {
        const faults = isolationHeaderFaults(fileURLToPath(dir));
        if (faults.length) {
          throw new Error(
            `The built site would not be cross-origin isolated, so no WebContainer could start on it: ${faults.join('; ')}.`,
          );
        }
        // The base path is only in URLs: the files go to the top of the output folder, which the host serves at it.
        const out = join(fileURLToPath(dir), BUNDLES_PATH);
        mkdirSync(out, { recursive: true });
        for (const [name, contents] of bundleFiles(bundles)) writeFileSync(join(out, name), contents());
        logger.info(`copied the sandbox programs to ${BUNDLES_PATH}`);
      },
    },
  };
}
