// The room state machine of SPEC §5 as an inline SVG: nine nodes laid out by hand, the current
// reason lit, and each transition's edge highlighted for a moment with its error code.

import { REASONS, type RoomStateChangedReason } from '@atrium/protocol';

const NS = 'http://www.w3.org/2000/svg';
const NODE_W = 140;
const NODE_H = 34;
const HOT_MS = 1600;

// Columns follow a session's life left to right; failures sit below, kicks above.
const POSITION: Record<RoomStateChangedReason, readonly [number, number]> = {
  LOGOUT_FAILED: [80, 35],
  LOGOUT: [80, 125],
  LOGINING: [270, 125],
  LOGIN_FAILED: [270, 215],
  KICKOUT: [460, 35],
  LOGINED: [460, 125],
  RECONNECTED: [650, 35],
  RECONNECTING: [650, 125],
  RECONNECT_FAILED: [650, 215],
};

type Edge = readonly [RoomStateChangedReason, RoomStateChangedReason, number?];

/** The transitions drawn at rest; any other one is drawn only while it is hot. The number bends the curve. */
const EDGES: readonly Edge[] = [
  ['LOGOUT', 'LOGINING'],
  ['LOGINING', 'LOGINED'],
  ['LOGINING', 'LOGIN_FAILED'],
  ['LOGIN_FAILED', 'LOGINING'],
  ['LOGINED', 'RECONNECTING'],
  ['RECONNECTING', 'RECONNECTED'],
  ['RECONNECTED', 'RECONNECTING'],
  ['RECONNECTING', 'RECONNECT_FAILED'],
  ['RECONNECT_FAILED', 'LOGINING'],
  ['LOGINED', 'KICKOUT'],
  ['RECONNECTED', 'KICKOUT'],
  ['RECONNECTING', 'KICKOUT'],
  ['KICKOUT', 'LOGINING'],
  ['LOGINED', 'LOGOUT', 90],
  ['LOGOUT', 'LOGOUT_FAILED'],
];

/** How a reason is coloured: settled, on the way, failed or idle. */
export function reasonTone(reason: RoomStateChangedReason): 'ok' | 'busy' | 'bad' | 'idle' {
  if (reason === 'LOGINED' || reason === 'RECONNECTED') return 'ok';
  if (reason === 'LOGINING' || reason === 'RECONNECTING') return 'busy';
  return reason === 'LOGOUT' ? 'idle' : 'bad';
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** Where the ray from a node's centre toward (tx, ty) leaves the node's box. */
function boxExit(cx: number, cy: number, tx: number, ty: number): [number, number] {
  const dx = tx - cx;
  const dy = ty - cy;
  const scale = Math.min(
    dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx),
    dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy),
  );
  return [cx + dx * scale, cy + dy * scale];
}

/** A quadratic curve between two nodes, bent to the left of its direction so A→B and B→A stay apart. */
function curve(from: RoomStateChangedReason, to: RoomStateChangedReason, bend: number) {
  const [x1, y1] = POSITION[from];
  const [x2, y2] = POSITION[to];
  const len = Math.hypot(x2 - x1, y2 - y1);
  const qx = (x1 + x2) / 2 + (-(y2 - y1) / len) * bend;
  const qy = (y1 + y2) / 2 + ((x2 - x1) / len) * bend;
  const [sx, sy] = boxExit(x1, y1, qx, qy);
  const [ex, ey] = boxExit(x2, y2, qx, qy);
  const mid = [(sx + 2 * qx + ex) / 4, (sy + 2 * qy + ey) / 4] as const;
  return { d: `M${sx},${sy} Q${qx},${qy} ${ex},${ey}`, mid };
}

interface DrawnEdge {
  path: SVGPathElement;
  mid: readonly [number, number];
  transient: boolean;
}

let diagrams = 0;

export class StateDiagram {
  readonly element: SVGSVGElement;
  private current: RoomStateChangedReason = 'LOGOUT';
  private readonly nodes = new Map<RoomStateChangedReason, SVGGElement>();
  private readonly edges = new Map<string, DrawnEdge>();
  private readonly edgeLayer: SVGGElement;
  private readonly label: SVGTextElement;
  private readonly arrowID: string;
  private readonly hotArrowID: string;
  private cool: ReturnType<typeof setTimeout> | undefined;
  private hot: DrawnEdge | undefined;

  constructor(title: string) {
    diagrams += 1;
    this.arrowID = `arrow-${diagrams}`;
    this.hotArrowID = `arrow-hot-${diagrams}`;
    this.element = el('svg', {
      viewBox: '0 0 730 250',
      class: 'diagram',
      role: 'img',
      'data-testid': 'diagram',
    });
    el('title', {}, this.element).textContent = title;
    const defs = el('defs', {}, this.element);
    for (const [id, cls] of [
      [this.arrowID, 'arrow'],
      [this.hotArrowID, 'arrow arrow--hot'],
    ] as const) {
      const marker = el(
        'marker',
        {
          id,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        defs,
      );
      el('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }, marker);
    }
    this.edgeLayer = el('g', {}, this.element);
    for (const [from, to, bend] of EDGES) this.edge(from, to, bend ?? 12);
    for (const reason of REASONS) this.node(reason);
    this.label = el(
      'text',
      { class: 'edge-label', 'text-anchor': 'middle', 'data-testid': 'edge-label' },
      this.element,
    );
    this.light('LOGOUT');
  }

  /** Moves to `reason`, highlighting the edge from the previous one and labelling it with the code. */
  transition(reason: RoomStateChangedReason, errorCode: number): void {
    const from = this.current;
    this.light(reason);
    this.clearHot();
    let at: readonly [number, number];
    if (from === reason) {
      this.nodes.get(reason)?.setAttribute('data-pulse', 'true');
      at = [POSITION[reason][0], POSITION[reason][1] - NODE_H / 2];
    } else {
      const hot = this.edges.get(`${from}>${reason}`) ?? this.edge(from, reason, 24, true);
      hot.path.setAttribute('data-hot', 'true');
      hot.path.setAttribute('marker-end', `url(#${this.hotArrowID})`);
      this.edgeLayer.appendChild(hot.path); // drawn last, so on top of the edges it crosses
      this.hot = hot;
      at = hot.mid;
    }
    const [x, y] = at;
    this.label.setAttribute('x', String(x));
    this.label.setAttribute('y', String(y - 4));
    this.label.textContent = errorCode === 0 ? '' : String(errorCode);
    this.cool = setTimeout(() => this.clearHot(), HOT_MS);
  }

  private clearHot(): void {
    clearTimeout(this.cool);
    this.label.textContent = '';
    for (const node of this.nodes.values()) node.removeAttribute('data-pulse');
    if (!this.hot) return;
    const { path, transient } = this.hot;
    this.hot = undefined;
    if (transient) {
      path.remove();
      return;
    }
    path.setAttribute('data-hot', 'false');
    path.setAttribute('marker-end', `url(#${this.arrowID})`);
  }

  private light(reason: RoomStateChangedReason): void {
    this.current = reason;
    for (const [r, node] of this.nodes) node.setAttribute('data-active', String(r === reason));
  }

  private node(reason: RoomStateChangedReason): void {
    const [x, y] = POSITION[reason];
    const g = el(
      'g',
      { class: `node node--${reasonTone(reason)}`, 'data-testid': `node-${reason}`, 'data-active': 'false' },
      this.element,
    );
    el('rect', { x: x - NODE_W / 2, y: y - NODE_H / 2, width: NODE_W, height: NODE_H, rx: 8 }, g);
    el('text', { x, y: y + 4, 'text-anchor': 'middle' }, g).textContent = reason;
    this.nodes.set(reason, g);
  }

  private edge(
    from: RoomStateChangedReason,
    to: RoomStateChangedReason,
    bend: number,
    transient = false,
  ): DrawnEdge {
    const { d, mid } = curve(from, to, bend);
    const path = el(
      'path',
      {
        d,
        class: 'edge',
        'data-testid': `edge-${from}-${to}`,
        'data-hot': 'false',
        'marker-end': `url(#${this.arrowID})`,
      },
      this.edgeLayer,
    );
    const drawn = { path, mid, transient };
    if (!transient) this.edges.set(`${from}>${to}`, drawn);
    return drawn;
  }
}
