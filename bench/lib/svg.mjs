// A small hand-made SVG line chart: panels side by side, each with a log-scale x axis (room
// sizes), a linear y axis from zero, one line with markers per system and a legend. No plotting
// dependency: the figures of a run become a picture the docs can show.

const COLORS = { atrium: '#d9480f', ws: '#1c7ed6', 'ws-cork': '#66a80f', socketio: '#7048e8' };
const FALLBACK = ['#e8590c', '#1971c2', '#2f9e44', '#9c36b5'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * One panel: `series` is [{ key, label, points: [[x, y], …] }]; returns SVG elements placed at
 * (ox, oy) in a w × h box.
 */
function panel({ title, xLabel, yLabel, series }, ox, oy, w, h) {
  const m = { left: 56, right: 28, top: 28, bottom: 44 };
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const yMax = niceMax(Math.max(0, ...ys) * 1.05);
  const lx0 = Math.log10(xs[0] ?? 1);
  const lx1 = Math.log10(xs.at(-1) ?? 10);
  const span = lx1 - lx0 || 1;
  const X = (x) => ox + m.left + (xs.length > 1 ? ((Math.log10(x) - lx0) / span) * pw : pw / 2);
  const Y = (y) => oy + m.top + ph - (y / yMax) * ph;
  const out = [];
  out.push(
    `<text x="${ox + m.left + pw / 2}" y="${oy + 16}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  );
  // axes and grid
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    const y = Y(v);
    out.push(`<line x1="${ox + m.left}" x2="${ox + m.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${ox + m.left - 6}" y="${y + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${X(x)}" x2="${X(x)}" y1="${oy + m.top}" y2="${oy + m.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${X(x)}" y="${oy + m.top + ph + 16}" text-anchor="middle">${x}</text>`);
  }
  out.push(
    `<line x1="${ox + m.left}" x2="${ox + m.left}" y1="${oy + m.top}" y2="${oy + m.top + ph}" stroke="#333"/>`,
    `<line x1="${ox + m.left}" x2="${ox + m.left + pw}" y1="${oy + m.top + ph}" y2="${oy + m.top + ph}" stroke="#333"/>`,
    `<text x="${ox + m.left + pw / 2}" y="${oy + h - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(${ox + 14} ${oy + m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[s.key] ?? FALLBACK[i % FALLBACK.length];
    const pts = s.points.filter((p) => Number.isFinite(p[1])).sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) {
      const d = pts
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`)
        .join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    for (const p of pts) {
      out.push(
        `<circle cx="${X(p[0]).toFixed(1)}" cy="${Y(p[1]).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(s.label)}: ${p[1]}</title></circle>`,
      );
    }
  });
  return out;
}

/** `panels`: [{ title, xLabel, yLabel, series }]; `legend`: [{ key, label }]. */
export function lineChart(
  panels,
  legend,
  { panelWidth = 420, height = 300, caption = '', title = 'chart' } = {},
) {
  const width = panelWidth * panels.length;
  const total = height + 30 + (caption ? 18 : 0);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${total}" viewBox="0 0 ${width} ${total}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${total}" fill="#fff"/>`,
  ];
  for (const [i, p] of panels.entries()) out.push(...panel(p, i * panelWidth, 0, panelWidth, height));
  let lx = 60;
  legend.forEach((l, i) => {
    const color = COLORS[l.key] ?? FALLBACK[i % FALLBACK.length];
    out.push(`<rect x="${lx}" y="${height + 8}" width="14" height="4" fill="${color}"/>`);
    out.push(`<text x="${lx + 20}" y="${height + 14}">${esc(l.label)}</text>`);
    lx += 30 + l.label.length * 7;
  });
  if (caption) out.push(`<text x="10" y="${total - 6}" fill="#555">${esc(caption)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
