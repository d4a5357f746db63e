// The room state machine (docs/contract.md) as an inline SVG: nine nodes laid out by hand, the current
// reason lit, and each transition's edge highlighted for a moment with its error code.

import { REASONS, type RoomStateChangedReason } from '@atrium/protocol';

const NS = 'http://www.w3.org/2000/svg';
// Wide enough for RECONNECT_FAILED with room to spare: a name touching its box's sides looks cut off.
const NODE_W = 150;
const NODE_H = 34;
const HOT_MS = 1600;
const BEND = 12;
const TRANSIENT_BEND = 24;
/** Room kept between the code label and the drawing's edge: its white outline, and a little air. */
const LABEL_MARGIN = 4;

type Point = readonly [number, number];

interface Layout {
  viewBox: string;
  at: Record<RoomStateChangedReason, Point>;
  /** Curves that must bow wide to clear a node between their ends, by `from>to`. */
  bends: Readonly<Record<string, number>>;
}

export type LayoutName = 'wide' | 'tall';

const LAYOUTS: Record<LayoutName, Layout> = {
  // A session's life runs left to right; failures sit below, kicks above.
  wide: {
    viewBox: '0 0 730 250',
    at: {
      LOGOUT_FAILED: [80, 35],
      LOGOUT: [80, 125],
      LOGINING: [270, 125],
      LOGIN_FAILED: [270, 215],
      KICKOUT: [460, 35],
      LOGINED: [460, 125],
      RECONNECTED: [650, 35],
      RECONNECTING: [650, 125],
      RECONNECT_FAILED: [650, 215],
    },
    bends: { 'LOGINED>LOGOUT': 90 },
  },
  // On a phone it runs top to bottom in three columns, so the labels stay legible.
  tall: {
    viewBox: '0 0 510 310',
    at: {
      LOGOUT_FAILED: [80, 35],
      LOGOUT: [255, 35],
      LOGIN_FAILED: [80, 115],
      LOGINING: [255, 115],
      LOGINED: [255, 195],
      KICKOUT: [430, 195],
      RECONNECT_FAILED: [80, 275],
      RECONNECTING: [255, 275],
      RECONNECTED: [430, 275],
    },
    bends: { 'LOGINED>LOGOUT': 170 },
  },
};

/** The transitions drawn at rest; any other one is drawn only while it is hot. */
const EDGES: readonly (readonly [RoomStateChangedReason, RoomStateChangedReason])[] = [
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
  ['LOGINED', 'LOGOUT'],
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
function boxExit([cx, cy]: Point, tx: number, ty: number): Point {
  const dx = tx - cx;
  const dy = ty - cy;
  const scale = Math.min(
    dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx),
    dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy),
  );
  return [cx + dx * scale, cy + dy * scale];
}

/** A quadratic curve between two nodes, bent to the left of its direction so A→B and B→A stay apart. */
function curve(a: Point, b: Point, bend: number): { d: string; mid: Point } {
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const qx = (a[0] + b[0]) / 2 + (-(b[1] - a[1]) / len) * bend;
  const qy = (a[1] + b[1]) / 2 + ((b[0] - a[0]) / len) * bend;
  const [sx, sy] = boxExit(a, qx, qy);
  const [ex, ey] = boxExit(b, qx, qy);
  return {
    d: `M${sx},${sy} Q${qx},${qy} ${ex},${ey}`,
    mid: [(sx + 2 * qx + ex) / 4, (sy + 2 * qy + ey) / 4],
  };
}

interface DrawnEdge {
  path: SVGPathElement;
  mid: Point;
  transient: boolean;
}

let diagrams = 0;

export class StateDiagram {
  readonly element: SVGSVGElement;
  private layout: Layout;
  private current: RoomStateChangedReason = 'LOGOUT';
  private readonly nodes = new Map<RoomStateChangedReason, SVGGElement>();
  private readonly edges = new Map<string, DrawnEdge>();
  private edgeLayer!: SVGGElement;
  private label!: SVGTextElement;
  private readonly arrowID: string;
  private readonly hotArrowID: string;
  private cool: ReturnType<typeof setTimeout> | undefined;
  private hot: DrawnEdge | undefined;

  constructor(
    private readonly title: string,
    layout: LayoutName,
  ) {
    diagrams += 1;
    this.arrowID = `arrow-${diagrams}`;
    this.hotArrowID = `arrow-hot-${diagrams}`;
    this.layout = LAYOUTS[layout];
    this.element = el('svg', { class: 'diagram', role: 'img', 'data-testid': 'diagram' });
    this.draw();
  }

  /** Redraws for another viewport shape, keeping the current reason lit. */
  relayout(layout: LayoutName): void {
    if (this.layout === LAYOUTS[layout]) return;
    this.clearHot();
    this.layout = LAYOUTS[layout];
    this.draw();
  }

  /** Moves to `reason`, highlighting the edge from the previous one and labelling it with the code. */
  transition(reason: RoomStateChangedReason, errorCode: number): void {
    const from = this.current;
    this.light(reason);
    this.clearHot();
    let at: Point;
    if (from === reason) {
      this.nodes.get(reason)?.setAttribute('data-pulse', 'true');
      const [x, y] = this.layout.at[reason];
      at = [x, y - NODE_H / 2];
    } else {
      const hot = this.edges.get(`${from}>${reason}`) ?? this.edge(from, reason, true);
      hot.path.setAttribute('data-hot', 'true');
      hot.path.setAttribute('marker-end', `url(#${this.hotArrowID})`);
      this.edgeLayer.appendChild(hot.path); // drawn last, so on top of the edges it crosses
      this.hot = hot;
      at = hot.mid;
    }
    this.label.textContent = errorCode === 0 ? '' : String(errorCode);
    // Above the edge's middle: a short edge between two boxes leaves no room beside it.
    this.placeLabel(at[0], at[1] - 20);
    this.cool = setTimeout(() => this.clearHot(), HOT_MS);
  }

  /**
   * Puts the code label at (x, y), moved just enough to stay inside the drawing: above a node of
   * the top row, or an edge between two of them, it would be cut off at the top.
   */
  private placeLabel(x: number, y: number): void {
    const { label } = this;
    label.setAttribute('x', String(x));
    label.setAttribute('y', String(y));
    if (label.textContent === '') return;
    const box = label.getBBox();
    if (box.width === 0) return; // not rendered (a hidden panel): nothing to measure
    const [left = 0, top = 0, width = 0, height = 0] = this.layout.viewBox.split(' ').map(Number);
    const shift = (from: number, size: number, min: number, max: number) =>
      Math.max(0, min + LABEL_MARGIN - from) - Math.max(0, from + size - (max - LABEL_MARGIN));
    label.setAttribute('x', String(x + shift(box.x, box.width, left, left + width)));
    label.setAttribute('y', String(y + shift(box.y, box.height, top, top + height)));
  }

  private draw(): void {
    const svg = this.element;
    svg.replaceChildren();
    svg.setAttribute('viewBox', this.layout.viewBox);
    this.nodes.clear();
    this.edges.clear();
    el('title', {}, svg).textContent = this.title;
    const defs = el('defs', {}, svg);
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
    this.edgeLayer = el('g', {}, svg);
    for (const [from, to] of EDGES) this.edge(from, to);
    for (const reason of REASONS) this.node(reason);
    this.label = el(
      'text',
      { class: 'edge-label', 'text-anchor': 'middle', 'data-testid': 'edge-label' },
      svg,
    );
    this.light(this.current);
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
    const [x, y] = this.layout.at[reason];
    const g = el(
      'g',
      { class: `node node--${reasonTone(reason)}`, 'data-testid': `node-${reason}`, 'data-active': 'false' },
      this.element,
    );
    el('rect', { x: x - NODE_W / 2, y: y - NODE_H / 2, width: NODE_W, height: NODE_H, rx: 8 }, g);
    el('text', { x, y: y + 5, 'text-anchor': 'middle' }, g).textContent = reason;
    this.nodes.set(reason, g);
  }

  private edge(from: RoomStateChangedReason, to: RoomStateChangedReason, transient = false): DrawnEdge {
    const key = `${from}>${to}`;
    const bend = this.layout.bends[key] ?? (transient ? TRANSIENT_BEND : BEND);
    const { d, mid } = curve(this.layout.at[from], this.layout.at[to], bend);
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
    if (!transient) this.edges.set(key, drawn);
    return drawn;
  }
}
