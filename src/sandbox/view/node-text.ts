// The words a node is drawn with: its role, its process state and what the others think of it (the balancer's
// check, keepalived's state, the database role). The topology shows them as text and outline pattern, never colour
// alone, and the same visible words are the node's accessible name (WCAG's "label in name"). Plain words, no
// symbols, so a screen reader says exactly what is written.
import { formatLsn } from '../../../sandboxes/contracts/lsn';
import type { ViewNode, ViewState, VrrpRole } from './state';

const roleNames: Record<string, string> = {
  balancer: 'balancer',
  vrrp: 'balancer',
  web: 'web server',
  store: 'database',
  monitor: 'monitor',
};

/** A stopped or crashed process plays no part: it is nobody's primary and holds no address. */
export const alive = (node: Pick<ViewNode, 'process'>) => node.process !== 'stopped' && node.process !== 'crashed';

export function roleText(node: ViewNode): string {
  if (node.replication && alive(node))
    return node.replication.role === 'primary' ? `primary · tl ${node.replication.timeline}` : 'replica';
  return roleNames[node.role] ?? node.role;
}

/** The process line, and a tone the stylesheet maps to a colour and a stroke pattern. */
export function processText(node: ViewNode): { text: string; tone: 'ok' | 'warn' | 'down' | 'idle' } {
  switch (node.process) {
    case 'starting':
      return { text: 'starting…', tone: 'idle' };
    case 'stopped':
      return { text: 'STOPPED', tone: 'down' };
    case 'crashed':
      return { text: 'CRASHED', tone: 'down' };
    case 'frozen':
      return { text: 'FROZEN', tone: 'warn' };
    case 'running':
      if (node.behaviour?.frozen) return { text: 'HUNG (app frozen)', tone: 'warn' };
      if (node.behaviour && node.behaviour.slow_ms > 0)
        return { text: `slow +${node.behaviour.slow_ms} ms`, tone: 'warn' };
      if (node.behaviour && node.behaviour.flaky > 0)
        return { text: `flaky ${Math.round(node.behaviour.flaky * 100)}%`, tone: 'warn' };
      return saturationText(node) ?? { text: 'running', tone: 'ok' };
  }
}

/** What the rest of the system sees: the balancer's check (HAProxy's stats words), VRRP state, fencing, alerts. */
export function statusText(node: ViewNode): { text: string; tone: 'ok' | 'warn' | 'down' | 'idle' } | undefined {
  if (node.fenced) return { text: 'FENCED', tone: 'down' };
  if (node.alerts?.length) return { text: `ALERT ${node.alerts.join(', ')}`, tone: 'warn' };
  if (node.check) {
    const down = node.check.startsWith('DOWN') || node.check === 'MAINT';
    const settled = !node.check.includes('/');
    return { text: `LB: ${node.check}`, tone: down ? 'down' : settled ? 'ok' : 'warn' };
  }
  if (!alive(node)) return undefined;
  if (node.vrrp?.length) return vrrpText(node.vrrp);
  if (node.replication?.role === 'replica' && node.replication.replay_lsn !== undefined) {
    return { text: `replay ${formatLsn(node.replication.replay_lsn)}`, tone: 'idle' };
  }
  if (node.replication?.role === 'primary') return { text: `lsn ${formatLsn(node.replication.lsn)}`, tone: 'idle' };
  return undefined;
}

/**
 * keepalived's state of each instance, as its log says it ("(VI_1) Entering MASTER STATE"): "MASTER VI_1", or
 * "MASTER VI_1 · BACKUP VI_2" for an active/active pair. The tone is the worst of them: FAULT is down.
 */
function vrrpText(roles: readonly VrrpRole[]): { text: string; tone: 'ok' | 'warn' | 'down' | 'idle' } {
  const text = roles.map((r) => `${r.state} ${r.instance}`).join(' · ');
  const tone = roles.some((r) => r.state === 'FAULT')
    ? 'down'
    : roles.some((r) => r.state === 'MASTER')
      ? 'ok'
      : 'idle';
  return { text, tone };
}

/** The virtual addresses a node holds now (it is MASTER of their instance), for its VIP badge. */
export function heldVips(state: Pick<ViewState, 'vips'>, node: string): string[] {
  return state.vips.filter((v) => v.owner === node).map((v) => v.address);
}

/** A replica's lag in words: bytes behind and replay_lag. */
export function lagText(node: ViewNode): string | undefined {
  const r = node.replication;
  if (r?.role !== 'replica' || r.lag_bytes === undefined || !alive(node)) return undefined;
  return `lag ${r.lag_bytes} B${r.lag_ms != null ? ` / ${r.lag_ms} ms` : ''}`;
}

/** A web server's workers in use, under it next to its rate: "5/5 busy". */
export function poolText(node: ViewNode): string | undefined {
  const p = node.pool;
  if (!p || !alive(node)) return undefined;
  return `${p.busy}/${p.workers} busy`;
}

/**
 * A saturated web server, on its process line: requests queued means every worker is busy (latency climbs);
 * refused ones got 503 because the backlog was full too (errors climb).
 */
function saturationText(node: ViewNode): { text: string; tone: 'warn' } | undefined {
  const p = node.pool;
  if (p && p.refused > 0) return { text: `queue full: ${p.refused} refused`, tone: 'warn' };
  if (p && p.queued > 0) return { text: `running · ${p.queued} queued`, tone: 'warn' };
  return undefined;
}
