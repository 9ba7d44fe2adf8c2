// The topology picture (SVG): every node with its name, address, role and state as text and shape, the links,
// the virtual IP badge, replication bars, and requests travelling client → balancer → server coloured and shaped
// by outcome. Updated in place (nodes keep their focus); requests are animated only when motion is allowed and are
// aggregated per server and outcome when many arrive between two redraws (src/sandbox/redraw.ts), so heavy load
// never drops frames. The requests are HTML over the SVG, moved by transform animations that the compositor runs: they
// keep moving while the main thread is busy, and the picture is not repainted for them every frame as it was when
// they were SVG elements (Chromium animates an SVG element on the main thread). The CPU a load costs the page is
// about the same either way in headless Chromium (npm run bench:render-load).
import type { Role } from '../../../sandboxes/contracts/role';
import type { ViewNode, ViewRequest, ViewState } from './state';
import { CLIENT, NODE_H, NODE_W, layout, type Orientation, type Placed } from './layout';
import { alive, heldVips, lagText, poolText, processText, roleText, statusText } from './node-text';
import { CLIENT_ADDRESS, isCut, links } from './topology-links';

const SVG = 'http://www.w3.org/2000/svg';
/** More new requests than this in one redraw are drawn as one token per server and outcome, with a count. */
const AGGREGATE_OVER = 8;
const TRAVEL_MS = 650;
/** The picture's top edge in user units: room above the top row for the VIP badge. */
const VIEW_TOP = -30;
/** Below this width (CSS px) tiers run top to bottom: across, a phone would draw the text 4-5 px high. */
const DOWN_BELOW_PX = 600;

function el<K extends keyof SVGElementTagNameMap>(
  name: K,
  attrs: Record<string, string | number> = {},
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** The outline of each kind of node: shape tells the role apart without colour or text. */
function shape(role: Role | 'client', g: SVGGElement): SVGElement {
  const [w, h] = [NODE_W, NODE_H];
  const x = -w / 2;
  const y = -h / 2;
  if (role === 'client') return el('ellipse', { rx: w / 2, ry: h / 2 - 10, class: 'outline' }, g);
  if (role === 'balancer' || role === 'vrrp') {
    const c = 18; // cut corners: the "router" look
    return el(
      'path',
      {
        d: `M${x + c},${y}H${-x - c}L${-x},${y + c}V${-y - c}L${-x - c},${-y}H${x + c}L${x},${-y - c}V${y + c}Z`,
        class: 'outline',
      },
      g,
    );
  }
  if (role === 'store') {
    // A cylinder whose top sits on the box's top edge: the near rim of its lid stays above the name line (a lid
    // drawn lower ran through the name).
    const lid = y - 2;
    const body = el(
      'path',
      { d: `M${x},${lid}A${w / 2},7 0 0 1 ${-x},${lid}V${-y - 6}A${w / 2},10 0 0 1 ${x},${-y - 6}Z`, class: 'outline' },
      g,
    );
    el('path', { d: `M${x},${lid}A${w / 2},7 0 0 0 ${-x},${lid}`, class: 'outline rim' }, g);
    return body;
  }
  return el('rect', { x, y, width: w, height: h, rx: role === 'monitor' ? 28 : 6, class: 'outline' }, g);
}

/** A pill with the virtual addresses in it, centred on (x, y). */
function vipBadge(parent: SVGElement, x: number, y: number, text: string, orphan: boolean): SVGGElement {
  const g = el('g', { class: 'vip-badge' }, parent);
  const width = 24 + text.length * 9;
  el('rect', { x: x - width / 2, y: y - 13, width, height: 24, rx: 12, class: `vip${orphan ? ' orphan' : ''}` }, g);
  el('text', { x, y: y + 4, class: 'vip-text' }, g).textContent = text;
  return g;
}

interface NodeParts {
  g: SVGGElement;
  lines: SVGTextElement[];
  rate: SVGTextElement;
  bar: SVGRectElement;
  barBack: SVGRectElement;
  /** The badge of the virtual addresses it holds, while it holds any. */
  vip?: SVGGElement;
}

export interface TopologyActions {
  openMenu(node: string, anchor: Element): void;
}

export class TopologyView {
  readonly svg: SVGSVGElement;
  private edgesLayer: SVGGElement;
  private nodesLayer: SVGGElement;
  /** The requests' layer: HTML over the SVG, exactly its box. */
  private flowLayer: HTMLDivElement;
  /** The SVG's box as laid out, and its picture's size in user units. */
  private box = { width: 0, height: 0 };
  private viewBox = { width: 1, height: 1 };
  /** The picture's user units to the layer's CSS pixels (the SVG is scaled to fit and centred). */
  private scale = { k: 0, dx: 0, dy: 0 };
  private badge: SVGGElement;
  private parts = new Map<string, NodeParts>();
  private placed = new Map<string, Placed>();
  private shapeKey = '';
  private animatedUpTo = 0;
  private orientation: Orientation = 'across';
  private width = 0;
  private last?: ViewState;

  constructor(
    host: HTMLElement,
    private actions: TopologyActions,
  ) {
    this.svg = el('svg', { class: 'topology', role: 'group', 'aria-label': 'Topology' });
    this.edgesLayer = el('g', { class: 'edges' }, this.svg);
    this.nodesLayer = el('g', { class: 'nodes' }, this.svg);
    this.badge = el('g', { class: 'vip-badge', 'aria-hidden': 'true' }, this.svg);
    const stage = document.createElement('div');
    stage.className = 'topology-stage';
    this.flowLayer = document.createElement('div');
    this.flowLayer.className = 'flows';
    this.flowLayer.setAttribute('aria-hidden', 'true');
    stage.append(this.svg, this.flowLayer);
    host.appendChild(stage);
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => {
      const orientation = host.clientWidth < DOWN_BELOW_PX ? 'down' : 'across';
      if (orientation === this.orientation) return;
      this.orientation = orientation;
      this.shapeKey = '';
      if (this.last) this.render(this.last, false);
    }).observe(host);
    // The SVG's size as laid out, read from the observer, so that placing a request never forces a layout.
    new ResizeObserver(([entry]) => {
      this.box = entry.contentRect;
      this.fit();
    }).observe(this.svg);
  }

  /** The focusable element of a node (tests and keyboard shortcuts reach nodes through it). */
  nodeElement(name: string): SVGGElement | undefined {
    return this.parts.get(name)?.g;
  }

  render(state: ViewState, animate: boolean): void {
    this.last = state;
    const key = state.nodes.map((n) => `${n.name}:${n.role}`).join(',');
    if (key !== this.shapeKey) this.build(state);
    this.svg.setAttribute(
      'aria-label',
      `Topology of ${state.scenario?.title ?? 'the sandbox'}: ${state.nodes.length} nodes`,
    );
    this.drawEdges(state);
    const rates = lastSecondRates(state);
    for (const node of state.nodes) this.drawNode(node, rates.get(node.name), heldVips(state, node.name));
    this.drawOrphanVips(state);
    const fresh = state.requests.filter((r) => r.seq > this.animatedUpTo);
    this.animatedUpTo = state.lastSeq;
    if (animate && fresh.length) this.animate(fresh);
  }

  private build(state: ViewState): void {
    this.shapeKey = state.nodes.map((n) => `${n.name}:${n.role}`).join(',');
    const { placed, width, height } = layout(state.nodes, this.orientation);
    this.placed = new Map(placed.map((p) => [p.name, p]));
    this.width = width;
    // Room above the top row for the VIP badge.
    this.svg.setAttribute('viewBox', `0 ${VIEW_TOP} ${width} ${height + 70}`);
    this.viewBox = { width, height: height + 70 };
    this.fit();
    this.svg.dataset.orientation = this.orientation;
    this.nodesLayer.replaceChildren();
    this.parts.clear();
    const client = this.placed.get(CLIENT)!;
    const cg = el(
      'g',
      {
        class: 'node role-client',
        transform: `translate(${client.x},${client.y})`,
        role: 'img',
        'aria-label': `Clients: the internet and your terminal, ${CLIENT_ADDRESS}`,
      },
      this.nodesLayer,
    );
    shape('client', cg);
    el('text', { class: 'name', y: -6 }, cg).textContent = 'clients';
    el('text', { class: 'line', y: 18 }, cg).textContent = CLIENT_ADDRESS;
    for (const node of state.nodes) {
      const p = this.placed.get(node.name)!;
      const g = el(
        'g',
        {
          class: `node role-${node.role}`,
          transform: `translate(${p.x},${p.y})`,
          tabindex: 0,
          role: 'button',
          'aria-haspopup': 'menu',
          'data-node': node.name,
        },
        this.nodesLayer,
      );
      shape(node.role, g);
      // No aria-label: the button's accessible name is its visible text, line by line (WCAG 2.5.3, label in name).
      const lines = [-24, -2, 18, 38].map((y, i) => el('text', { class: i === 0 ? 'name' : 'line', y }, g));
      const rate = el('text', { class: 'rate', y: NODE_H / 2 + 20 }, g);
      const barBack = el(
        'rect',
        { class: 'bar-back', x: -NODE_W / 2, y: NODE_H / 2 + 6, width: NODE_W, height: 8, visibility: 'hidden' },
        g,
      );
      const bar = el('rect', { class: 'bar', x: -NODE_W / 2, y: NODE_H / 2 + 6, width: 0, height: 8 }, g);
      g.addEventListener('click', () => this.actions.openMenu(node.name, g));
      this.parts.set(node.name, { g, lines, rate, bar, barBack });
    }
  }

  private drawEdges(state: ViewState): void {
    this.edgesLayer.replaceChildren();
    for (const edge of links(state)) {
      const a = this.placed.get(edge.from)!;
      const b = this.placed.get(edge.to)!;
      const cut = isCut(state, edge.from, edge.to);
      el(
        'line',
        { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: `edge ${edge.kind}${cut ? ' cut' : ''}` },
        this.edgesLayer,
      );
      if (cut) {
        const t = el('text', { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 6, class: 'cut-label' }, this.edgesLayer);
        t.textContent = '✂ cut';
      }
    }
  }

  private drawNode(node: ViewNode, rate: number | undefined, vips: string[]): void {
    const parts = this.parts.get(node.name)!;
    // The addresses it holds, on its top edge and in its accessible name: an active/active survivor holds both.
    const vipText = vips.length ? `VIP ${vips.join(', ')}` : '';
    if (parts.vip?.textContent !== vipText) {
      parts.vip?.remove();
      parts.vip = vipText ? vipBadge(parts.g, 0, -NODE_H / 2 - 4, vipText, false) : undefined;
    }
    const proc = processText(node);
    const status = statusText(node);
    const texts = [node.name, `${roleText(node)}, ${node.address}`, proc.text, status?.text ?? ''];
    parts.lines.forEach((t, i) => {
      if (t.textContent !== texts[i]) t.textContent = texts[i];
    });
    parts.lines[2].setAttribute('class', `line tone-${proc.tone}`);
    parts.lines[3].setAttribute('class', `line tone-${status?.tone ?? 'idle'}`);
    const worst = [proc.tone, status?.tone].includes('down')
      ? 'down'
      : [proc.tone, status?.tone].includes('warn')
        ? 'warn'
        : proc.tone;
    parts.g.setAttribute('class', `node role-${node.role} state-${worst} process-${node.process}`);
    const lag = lagText(node);
    const serves = (node.role === 'web' || node.role === 'balancer') && alive(node);
    const pool = poolText(node);
    parts.rate.textContent = lag ?? (serves ? [`${rate ?? 0} req/s`, pool].filter(Boolean).join(' · ') : '');
    const r = node.replication;
    const share =
      r?.role === 'replica' && r.replay_lsn !== undefined && r.lsn > 0 ? Math.min(1, r.replay_lsn / r.lsn) : undefined;
    parts.barBack.setAttribute('visibility', share === undefined ? 'hidden' : 'visible');
    parts.bar.setAttribute('width', String(share === undefined ? 0 : share * NODE_W));
  }

  /** An address nobody holds (its MASTER died, the takeover is pending) gets a badge above the picture. */
  private drawOrphanVips(state: ViewState): void {
    this.badge.replaceChildren();
    const orphans = state.vips.filter((v) => !v.owner).map((v) => v.address);
    if (orphans.length) vipBadge(this.badge, this.width / 2, -14, `VIP ${orphans.join(', ')}: nobody`, true);
  }

  /** The SVG's preserveAspectRatio (xMidYMid meet): the picture scaled to fit its box, centred. */
  private fit(): void {
    const { width, height } = this.box;
    const k = Math.min(width / this.viewBox.width, height / this.viewBox.height);
    this.scale = { k, dx: (width - this.viewBox.width * k) / 2, dy: (height - this.viewBox.height * k) / 2 };
    this.flowLayer.style.setProperty('--unit', `${k}px`);
  }

  private animate(fresh: ViewRequest[]): void {
    if (!this.scale.k) return; // not laid out yet (a hidden panel)
    const groups = new Map<string, { request: ViewRequest; count: number }>();
    for (const request of fresh) {
      const key =
        fresh.length > AGGREGATE_OVER ? `${request.via}>${request.server}>${request.outcome}` : String(request.seq);
      const group = groups.get(key);
      if (group) group.count += 1;
      else groups.set(key, { request, count: 1 });
    }
    const { k, dx, dy } = this.scale;
    for (const { request, count } of groups.values()) {
      const stops = [CLIENT, request.via, request.server]
        .filter((s): s is string => !!s && this.placed.has(s))
        .map((s) => this.placed.get(s)!);
      if (stops.length < 2) continue;
      const token = document.createElement('div');
      token.className = `token outcome-${request.outcome}`;
      const mark = el('svg', { viewBox: '-10 -10 20 20', class: 'mark-box' }, token);
      if (request.outcome === 'error') el('path', { d: 'M-7,-7L7,7M7,-7L-7,7', class: 'mark' }, mark);
      else if (request.outcome === 'denied') el('rect', { x: -7, y: -7, width: 14, height: 14, class: 'mark' }, mark);
      else el('circle', { r: 7, class: 'mark' }, mark);
      if (count > 1)
        token.append(Object.assign(document.createElement('span'), { className: 'count', textContent: `×${count}` }));
      const frames = stops.map((p) => ({ transform: `translate(${dx + p.x * k}px, ${dy + (p.y - VIEW_TOP) * k}px)` }));
      this.flowLayer.append(token);
      const animation = token.animate(frames, { duration: TRAVEL_MS * (stops.length - 1), easing: 'linear' });
      animation.onfinish = () => token.remove();
      animation.oncancel = () => token.remove();
    }
  }

  /** Arrow keys move between nodes; Enter and Space open the node's menu (as a click does). */
  private onKey(e: KeyboardEvent): void {
    const target = (e.target as Element).closest?.('[data-node]') as SVGGElement | null;
    if (!target) return;
    const names = [...this.parts.keys()];
    const at = names.indexOf(target.dataset.node!);
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.actions.openMenu(target.dataset.node!, target);
    } else if (['ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowLeft'].includes(e.key)) {
      e.preventDefault();
      const step = e.key === 'ArrowDown' || e.key === 'ArrowRight' ? 1 : -1;
      this.parts.get(names[(at + step + names.length) % names.length])!.g.focus();
    }
  }
}

/** Requests per server and per balancer in the last complete second (the one before the newest event's second). */
export function lastSecondRates(state: Pick<ViewState, 'time' | 'traffic'>): Map<string, number> {
  const second = Math.floor(state.time / 1000) - 1;
  const bucket = state.traffic.buckets.find((b) => b.second === second);
  return new Map(Object.entries({ ...bucket?.perServer, ...bucket?.perBalancer }));
}
