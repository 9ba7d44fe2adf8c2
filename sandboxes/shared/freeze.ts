// `freeze` and `resume` of a node, in-process: what SIGSTOP and SIGCONT do to a real process, for runtimes that
// cannot stop one (a WebContainer cannot: its processes are JavaScript workers). While frozen:
// - its timers do not fire (health checks, VRRP adverts, heartbeats, scrapes): a timer that comes due is held;
// - its sockets stay open but their events (data, end, close, timeout...) are held and reading stops, so the kernel
//   buffers what peers send and nothing is answered;
// - connections arriving meanwhile are accepted (the kernel's backlog) but not looked at.
// On resume everything held runs in the order it happened, as a SIGCONTed process finds its overdue timers and its
// sockets' buffered bytes. The clock itself keeps going: a resumed node sees how long it was away.
//
// The program code never sees this: the global timer functions are replaced once, here, and ./net.ts hands every
// socket it makes or admits to holdWhileFrozen(). Nothing spins: a frozen node's event loop stays free, so a
// runtime can still kill it.
import type net from 'node:net';

let frozen = false;
/** What came due while frozen, in order. Timers are keyed by their Timeout, so clearing one drops it and an interval is held once. */
const held = new Map<object, () => void>();
const sockets = new Set<net.Socket>();
const pausedByFreeze = new Set<net.Socket>();
/** Socket events a stopped process would only see once continued. `pause`/`resume` are not held: freezing uses them. */
const HELD_EVENTS = new Set<string | symbol>([
  'data',
  'end',
  'close',
  'error',
  'timeout',
  'connect',
  'drain',
  'secureConnect',
]);

export const isFrozen = (): boolean => frozen;

export function freeze(): void {
  if (frozen) return;
  frozen = true;
  for (const socket of sockets) stopReading(socket);
}

export function resume(): void {
  if (!frozen) return;
  frozen = false;
  for (const socket of pausedByFreeze) socket.resume();
  pausedByFreeze.clear();
  const due = [...held.values()];
  held.clear();
  for (const run of due) {
    try {
      run();
    } catch (error) {
      // Thrown where it would have been thrown without the freeze: as an uncaught exception of that callback.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** Runs `work` now, or on resume if the node is frozen. */
export function whenRunning(work: () => void): void {
  if (frozen) held.set({}, work);
  else work();
}

/** Makes a socket behave as one of a stopped process while the node is frozen. */
export function holdWhileFrozen(socket: net.Socket): void {
  sockets.add(socket);
  const emit = socket.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;
  socket.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'close') sockets.delete(this);
    if (frozen && HELD_EVENTS.has(event)) {
      held.set({}, () => emit.call(this, event, ...args));
      return true;
    }
    return emit.call(this, event, ...args);
  };
  if (frozen) stopReading(socket);
}

/** Stops reading a socket that is being read (one the program paused itself stays as the program left it). */
function stopReading(socket: net.Socket): void {
  if (socket.readableFlowing !== true) return;
  socket.pause();
  pausedByFreeze.add(socket);
}

/** The global timers, made pausable. Installed once, when a program opens its control channel. */
export function pausableTimers(): void {
  if ((globalThis.setTimeout as { pausable?: true }).pausable) return;
  const original = { setTimeout, setInterval, clearTimeout, clearInterval };
  const patched = {
    setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
      const timer: NodeJS.Timeout = original.setTimeout(
        () => (frozen ? held.set(timer, () => callback(...args)) : callback(...args)),
        ms,
      );
      return timer;
    },
    setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
      const timer: NodeJS.Timeout = original.setInterval(
        () => (frozen ? held.set(timer, () => callback(...args)) : callback(...args)),
        ms,
      );
      return timer;
    },
    clearTimeout(timer?: NodeJS.Timeout | string | number) {
      if (timer && typeof timer === 'object') held.delete(timer);
      original.clearTimeout(timer);
    },
  };
  Object.assign(patched.setTimeout, { pausable: true });
  Object.assign(globalThis, {
    setTimeout: patched.setTimeout,
    setInterval: patched.setInterval,
    clearTimeout: patched.clearTimeout,
    clearInterval: patched.clearTimeout,
  });
}
