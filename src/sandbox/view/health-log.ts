// HAProxy's health-check log lines, read back into the stats page's state strings. The balancer logs them in
// HAProxy's exact words (FIDELITY.md 1.4); the view reads the same words, so what the learner sees in the topology
// is what the log says. Note HAProxy's two orders: the log says "2/3 UP", the stats page "UP 2/3".

export interface HealthChange {
  backend: string;
  server: string;
  /** As on the stats page: 'UP', 'UP 2/3', 'DOWN', 'DOWN 1/2', 'MAINT'. */
  check: string;
}

const transition = /^Server ([^/\s]+)\/(\S+) is (UP|DOWN|going DOWN for maintenance)\b/;
const checkLine =
  /^Health check for (?:backup )?server ([^/\s]+)\/(\S+) (?:failed|succeeded|conditionally succeeded), .*status: (\d+)\/(\d+) (UP|DOWN)\.?$/;

export function healthFromLog(text: string): HealthChange | undefined {
  const t = transition.exec(text);
  if (t) return { backend: t[1], server: t[2], check: t[3] === 'UP' ? 'UP' : t[3] === 'DOWN' ? 'DOWN' : 'MAINT' };
  const c = checkLine.exec(text);
  if (!c) return undefined;
  const [, backend, server, have, need, state] = c;
  // "3/3 UP" and "0/2 DOWN" are the settled states, shown without a counter, as the stats page does.
  const settled = (state === 'UP' && have === need) || (state === 'DOWN' && have === '0');
  return { backend, server, check: settled ? state : `${state} ${have}/${need}` };
}
