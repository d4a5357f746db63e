// Run in the page (page.evaluate): every text of an SVG that would be cut off — outside the SVG's
// viewBox, or not clear of the sides of the box it labels (`rect` beside it in the same group). Returns one line
// per such text, so an assertion says which label and where.

export function clippedTexts(svg: SVGSVGElement): string[] {
  const view = svg.viewBox.baseVal;
  // The label's white outline (paint-order: stroke) reaches a little beyond its glyphs.
  const outline = 2;
  const problems: string[] = [];
  for (const text of svg.querySelectorAll('text')) {
    if ((text.textContent ?? '') === '' || text.closest('defs,title') !== null) continue;
    const b = text.getBBox();
    const where = `"${text.textContent}" at x ${b.x.toFixed(1)}…${(b.x + b.width).toFixed(1)}, y ${b.y.toFixed(1)}…${(b.y + b.height).toFixed(1)}`;
    if (
      b.x - outline < view.x ||
      b.y - outline < view.y ||
      b.x + b.width + outline > view.x + view.width ||
      b.y + b.height + outline > view.y + view.height
    ) {
      problems.push(`${where} leaves the viewBox ${view.x} ${view.y} ${view.width} ${view.height}`);
    }
    const rect = text.parentElement?.querySelector(':scope > rect');
    if (rect instanceof SVGRectElement) {
      const r = rect.getBBox();
      // A name touching its box's sides reads as cut off even when it is not.
      const padding = 5;
      if (b.x - padding < r.x || b.x + b.width + padding > r.x + r.width) {
        problems.push(`${where} is not ${padding} inside its box x ${r.x}…${r.x + r.width}`);
      }
    }
  }
  return problems;
}
