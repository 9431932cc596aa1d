/** One bar: a value drawn against a target line. */
export interface Bar {
  label: string;
  value: number;
  /** The goal and whether the value meets it; undefined for a figure with no goal. */
  target?: number | undefined;
  /** Drawn as a pale bar behind the value: what the framework alone reaches. */
  ceiling?: number;
  /** How the value is written at the end of its bar. */
  text: string;
  met?: boolean | undefined;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A horizontal bar chart as SVG: one bar per row, scaled to `max`, with a dashed mark where the
 * row's target lies and a pale bar for its ceiling. Bars that meet their target are green, the
 * others orange.
 */
export function barChart(title: string, subtitle: string, bars: Bar[], max: number): string {
  const width = 760;
  const labelWidth = 300;
  const plot = width - labelWidth - 90;
  const row = 34;
  const top = 58;
  const height = top + bars.length * row + 24;
  const x = (value: number) => labelWidth + (Math.min(value, max) / max) * plot;
  const rows = bars.map((bar, index) => {
    const y = top + index * row;
    const color = bar.met === false ? '#e07b24' : '#2f9e5b';
    const target =
      bar.target === undefined ? '' : `<line x1="${x(bar.target)}" x2="${x(bar.target)}" y1="${y - 4}" y2="${y + 22}" stroke="#222" stroke-dasharray="3 2"/>`;
    const ceiling = bar.ceiling === undefined ? '' : `<rect x="${labelWidth}" y="${y}" width="${x(bar.ceiling) - labelWidth}" height="18" fill="#d9d9d9"/>`;
    return [
      `<text x="${labelWidth - 10}" y="${y + 13}" text-anchor="end">${escape(bar.label)}</text>`,
      ceiling,
      `<rect x="${labelWidth}" y="${y}" width="${Math.max(1, x(bar.value) - labelWidth)}" height="18" fill="${color}"/>`,
      target,
      `<text x="${x(bar.value) + 6}" y="${y + 13}">${escape(bar.text)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="bold">${escape(title)}</text>`,
    `<text x="16" y="44" fill="#555">${escape(subtitle)}</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
