// A chart figure as a PNG: its caption, its recharts <svg> and its legend, drawn through a canvas
// at 2× on the theme's panel colour. Recharts styles its strokes with CSS variables and classes,
// which an <svg> loaded as an image no longer sees, so the computed styles are inlined into a
// clone first. The legend is HTML (ours or recharts'), so it is drawn on the canvas directly.

const SCALE = 2;
const PAD = 12;
const CAPTION_HEIGHT = 22;
const LEGEND_ROW = 20;

/** The presentation properties that decide how an SVG element looks. */
const INLINED = [
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'stroke-linecap',
  'stroke-linejoin',
  'fill',
  'fill-opacity',
  'opacity',
  'visibility',
  'display',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
];

function inlineStyles(source: Element, clone: Element) {
  const computed = getComputedStyle(source);
  const style = INLINED.map((p) => `${p}:${computed.getPropertyValue(p)}`).join(';');
  clone.setAttribute('style', style);
  for (let i = 0; i < source.children.length; i++) {
    inlineStyles(source.children[i], clone.children[i]);
  }
}

function svgImage(svg: SVGSVGElement, width: number, height: number): Promise<HTMLImageElement> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone);
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  const text = new XMLSerializer().serializeToString(clone);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      resolve(image);
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('the chart could not be drawn as an image'));
    };
    image.src = url;
  });
}

interface LegendEntry {
  label: string;
  color: string;
}

/** Our legend (`[data-legend-color]`) or recharts' (`.recharts-legend-item`). */
function legendEntries(figure: HTMLElement): LegendEntry[] {
  const ours = [...figure.querySelectorAll<HTMLElement>('[data-legend-color]')];
  if (ours.length) {
    return ours.map((el) => ({ label: el.textContent ?? '', color: el.dataset.legendColor! }));
  }
  return [...figure.querySelectorAll('.recharts-legend-item')].map((el) => {
    const icon = el.querySelector('.recharts-legend-icon');
    const color = icon?.getAttribute('stroke') ?? icon?.getAttribute('fill') ?? '#888';
    return { label: el.textContent ?? '', color };
  });
}

/** Lays the legend entries out in rows no wider than `width`; returns their positions. */
function layoutLegend(ctx: CanvasRenderingContext2D, entries: LegendEntry[], width: number) {
  const placed: (LegendEntry & { x: number; y: number })[] = [];
  let x = PAD;
  let y = 0;
  for (const entry of entries) {
    const w = 22 + ctx.measureText(entry.label).width + 16;
    if (x > PAD && x + w > width - PAD) {
      x = PAD;
      y += LEGEND_ROW;
    }
    placed.push({ ...entry, x, y });
    x += w;
  }
  return { placed, height: entries.length ? y + LEGEND_ROW : 0 };
}

/** The figure's chart as PNG bytes (2× its on-screen size). */
export async function chartToPng(figure: HTMLElement): Promise<Blob> {
  const svg = figure.querySelector<SVGSVGElement>('svg.recharts-surface');
  if (!svg) throw new Error('no chart to export');
  const box = svg.getBoundingClientRect();
  const themed = getComputedStyle(figure);
  const panel = themed.getPropertyValue('--panel').trim() || '#ffffff';
  const text = themed.getPropertyValue('--text').trim() || '#1d1d1f';
  const font = themed.fontFamily || 'sans-serif';
  const caption = figure.querySelector('figcaption')?.textContent?.trim() ?? '';

  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  const width = Math.ceil(box.width) + 2 * PAD;
  ctx.font = `12px ${font}`;
  const legend = layoutLegend(ctx, legendEntries(figure), width);
  const top = PAD + (caption ? CAPTION_HEIGHT : 0);
  const height = top + Math.ceil(box.height) + (legend.height ? 8 + legend.height : 0) + PAD;

  canvas.width = width * SCALE;
  canvas.height = height * SCALE;
  ctx.scale(SCALE, SCALE);
  ctx.fillStyle = panel;
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'middle';
  if (caption) {
    ctx.fillStyle = text;
    ctx.font = `600 13px ${font}`;
    ctx.fillText(caption, PAD, PAD + CAPTION_HEIGHT / 2 - 2);
  }
  ctx.drawImage(await svgImage(svg, box.width, box.height), PAD, top, box.width, box.height);

  ctx.font = `12px ${font}`;
  const legendTop = top + box.height + 8;
  for (const entry of legend.placed) {
    const y = legendTop + entry.y + LEGEND_ROW / 2;
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(entry.x, y);
    ctx.lineTo(entry.x + 16, y);
    ctx.stroke();
    ctx.fillStyle = text;
    ctx.fillText(entry.label, entry.x + 22, y);
  }

  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))),
      'image/png',
    ),
  );
}
