// Puts the local bridge into a Vite server: Astro's dev server (`npm run dev`) and the static server of `npm start`.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin, PreviewServer, ViteDevServer } from 'vite';
import { Bridge, refuseUpgrade } from './bridge.ts';

/** The headers that make a page cross-origin isolated, which WebContainers (SharedArrayBuffer) require. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Serves the bridge: a new one per server start (`bundles`), or a given one whose life the caller manages. */
export function sandboxBridge(from: { bundles: string } | { bridge: Bridge }): Plugin {
  const attach = (server: ViteDevServer | PreviewServer, { otherSockets }: { otherSockets: boolean }) => {
    const bridge = 'bridge' in from ? from.bridge : new Bridge(from);
    server.middlewares.use((req, res, next) => {
      if (!bridge.handleRequest(req, res)) next();
    });
    const http = server.httpServer;
    http?.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // The dev server has Vite's HMR socket besides; the static server has no other, so it answers any other path.
      if (!bridge.handleUpgrade(req, socket, head) && !otherSockets) refuseUpgrade(socket, 404, 'no WebSocket here');
    });
    http?.on('close', () => void bridge.close());
    // Ctrl-C, a crash, a test runner ending: no sandbox process may outlive the server.
    process.once('exit', () => bridge.killNow());
  };
  return {
    name: 'sandbox-bridge',
    configureServer: (server) => attach(server, { otherSockets: true }),
    configurePreviewServer: (server) => attach(server, { otherSockets: false }),
  };
}
