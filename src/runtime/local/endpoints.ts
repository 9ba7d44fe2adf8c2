// Where the page finds the local bridge, on the same origin as the page itself.

/** The WebSocket of the bridge (one per browser session). */
export const BRIDGE_PATH = '/__sandbox/bridge';
/** The per-start token; only pages of this origin can read it (same-origin policy). */
export const TOKEN_PATH = '/__sandbox/token';
