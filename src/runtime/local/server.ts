// The static server of `npm start`: the built course (dist/) with the cross-origin isolation headers, plus the local
// bridge, on loopback only. Vite's preview server does the static serving; the bridge plugs into it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, posix, sep } from 'node:path';
import { preview, type Plugin } from 'vite';
import { readSelection } from '../selection.ts';
import { Bridge } from './bridge.ts';
import { ISOLATION_HEADERS, sandboxBridge } from './vite-plugin.ts';

export interface CourseServer {
  url: string;
  port: number;
  /** Ends every sandbox process, then stops serving. */
  close(): Promise<void>;
}

/**
 * /overview → /overview/, as static hosts do for a folder with an index.html (Starlight links end with a slash). Only
 * for a path already in its plain form: `//evil.example/../overview` would otherwise redirect to `//evil.example/…/`,
 * which a browser reads as another host.
 */
function folderRedirects(dist: string): Plugin {
  return {
    name: 'course-folder-redirects',
    configurePreviewServer(server) {
      server.middlewares.use((req, res, next) => {
        const [path, query] = (req.url ?? '/').split(/\?(.*)/s);
        const plain =
          path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') && posix.normalize(path) === path;
        if (!plain || path.endsWith('/') || /\.[^/]+$/.test(path) || !existsSync(join(dist, path, 'index.html')))
          return next();
        res.statusCode = 301;
        res.setHeader('Location', `${path}/${query ? `?${query}` : ''}`);
        res.end();
      });
    },
  };
}

/**
 * An address the course does not have gets the built 404.html with status 404, as static hosts answer (Netlify,
 * Cloudflare Pages, GitHub Pages); Vite's preview server would answer an empty page. Runs after Vite's static files
 * and its rewrite of /lesson/ to /lesson/index.html, so what reaches it and names no file is not there.
 */
function notFoundPage(dist: string): Plugin {
  return {
    name: 'course-not-found-page',
    configurePreviewServer: (server) => () => {
      server.middlewares.use((req, res, next) => {
        const page = join(dist, '404.html');
        const file = join(dist, URL.parse(req.url ?? '/', 'http://localhost')?.pathname ?? '/');
        if (
          (req.method !== 'GET' && req.method !== 'HEAD') ||
          !existsSync(page) ||
          (existsSync(file) && statSync(file).isFile())
        )
          return next();
        res.statusCode = 404;
        for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(req.method === 'HEAD' ? undefined : readFileSync(page));
      });
    },
  };
}

/**
 * Each lesson page's first sandbox's scenario, by the page's path (`/overview/`): the first `data-scenario` of a
 * `data-sandbox` element in its built HTML (src/components/Sandbox.astro). Read once: `npm start` builds, then serves.
 */
function firstScenarios(dist: string): Map<string, string> {
  const scenarios = new Map<string, string>();
  const pages = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter(
    (file) => file === 'index.html' || file.endsWith(`${sep}index.html`),
  );
  for (const file of pages) {
    const sandbox = /<[^>]*\sdata-sandbox\s[^>]*>/.exec(readFileSync(join(dist, file), 'utf8'))?.[0];
    const scenario = sandbox && /\sdata-scenario="([a-z0-9-]+)"/.exec(sandbox)?.[1];
    if (scenario) scenarios.set(posix.join('/', ...file.split(sep).slice(0, -1), '/'), scenario);
  }
  return scenarios;
}

/**
 * A lesson page served to a tab that will run its first sandbox on this bridge starts that sandbox's scenario at once,
 * in the session opened ahead (Bridge.startScenarioAhead says for which requests): the nodes start while the browser
 * loads the page instead of once its script has connected, about half a second later. Not for a page that asks for a
 * WebContainer or for the emulated limits, which would not take that session.
 */
function startFirstScenario(dist: string, bridge: Bridge): Plugin {
  const scenarios = firstScenarios(dist);
  return {
    name: 'course-first-scenario-ahead',
    configurePreviewServer(server) {
      server.middlewares.use((req, _res, next) => {
        const [path, query] = (req.url ?? '/').split(/\?(.*)/s);
        const scenario = req.method === 'GET' ? scenarios.get(path) : undefined;
        if (scenario) {
          const { choice, constraints } = readSelection(query ?? '');
          if (choice !== 'webcontainer' && !constraints) bridge.startScenarioAhead(req, scenario);
        }
        next();
      });
    },
  };
}

/**
 * Connect, under Vite's preview server, reads each request's target with Node's url.parse before its first
 * middleware, where nothing catches what it throws: a target with a bad host (`GET http://[ HTTP/1.1`) would end
 * `npm start`. What connect throws there is answered here instead: 400 Bad Request for a target Node cannot read (as
 * Node answers a request it cannot parse), 500 for anything else.
 */
function answerWhatConnectThrows(http: Server): void {
  const handlers = http.listeners('request') as ((...args: unknown[]) => void)[];
  http.removeAllListeners('request');
  http.on('request', (req, res) => {
    try {
      for (const handler of handlers) handler.call(http, req, res);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      res
        .writeHead((error as NodeJS.ErrnoException).code === 'ERR_INVALID_URL' ? 400 : 500, { Connection: 'close' })
        .end();
    }
  });
}

/**
 * Answers uncompressed. Vite's preview server gzips every answer it can; over loopback that saves no time and costs
 * the learner's CPU just as the page starts its first sandbox. A static host compresses (Netlify, Cloudflare Pages):
 * `compress` serves as one does, for the Lighthouse bench, whose simulated phone network counts the bytes.
 */
function uncompressed(): Plugin {
  return {
    name: 'course-uncompressed',
    configurePreviewServer(server) {
      server.middlewares.use((req, _res, next) => {
        delete req.headers['accept-encoding'];
        next();
      });
    },
  };
}

/** Serves `dist` (default: <root>/dist, the built site) and runs the programs of <root>/sandboxes/dist. */
export async function serveCourse({
  root,
  port,
  dist = join(root, 'dist'),
  compress = false,
}: {
  root: string;
  port: number;
  dist?: string;
  /** Gzip the answers, as a static host does (see `uncompressed`). */
  compress?: boolean;
}): Promise<CourseServer> {
  const bridge = new Bridge({ bundles: join(root, 'sandboxes', 'dist'), openAhead: true });
  const server = await preview({
    configFile: false,
    root,
    logLevel: 'warn',
    appType: 'mpa',
    build: { outDir: dist },
    preview: { host: '127.0.0.1', port, strictPort: true, headers: ISOLATION_HEADERS, open: false },
    plugins: [
      ...(compress ? [] : [uncompressed()]),
      sandboxBridge({ bridge }),
      startFirstScenario(dist, bridge),
      folderRedirects(dist),
      notFoundPage(dist),
    ],
  });
  answerWhatConnectThrows(server.httpServer as Server);
  const address = server.httpServer.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actual}/`,
    port: actual,
    close: async () => {
      await bridge.close();
      await server.close();
    },
  };
}
