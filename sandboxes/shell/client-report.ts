// `load` tells the supervisor what its clients saw, once a second while it runs (the `clients` command): a request
// refused, reset or timed out never reaches a server, so only the client can count it, and the page's charts show
// it as the failure it is. Best effort: a report that cannot be delivered is dropped, never slows the load down.
import type { CommandIO } from './command';
import type { LoadStats } from './load-stats';
import { report } from './control-client';
import type { Target } from './url';

const EVERY_MS = 1000;

/** Starts reporting; the function returned sends the last span (answers that came after sending stopped) and stops. */
export function reportClients(io: CommandIO, target: Target, stats: LoadStats): () => Promise<void> {
  const url = `${target.secure ? 'https' : 'http'}://${target.name}${target.port === (target.secure ? 443 : 80) ? '' : `:${target.port}`}${target.path}`;
  let since = performance.now();
  const send = async () => {
    const span = stats.takeSpan();
    const interval_ms = Math.max(1, Math.round(performance.now() - since));
    since = performance.now();
    const seen =
      span.sent +
      Object.values(span.answered).reduce((a, b) => a + b, 0) +
      span.refused +
      span.timed_out +
      span.reset +
      span.other;
    if (seen > 0) await report(io.session, { cmd: 'clients', report: { url, interval_ms, ...span } });
  };
  const timer = setInterval(() => void send(), EVERY_MS);
  return () => {
    clearInterval(timer);
    return send();
  };
}
