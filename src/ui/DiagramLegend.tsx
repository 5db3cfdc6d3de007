// The key under the diagram: what each shortcut line style means (or that a plain network
// has none), the ⊕ and the lanes.

export function DiagramLegend({ residual }: { residual: boolean }) {
  if (!residual) {
    return (
      <p className="diagram-legend muted" data-testid="diagram-legend">
        Plain network: no shortcuts, each block feeds the next directly.
      </p>
    );
  }
  const swatch = (style: string) => (
    <svg width="34" height="10" aria-hidden="true" className={`skip ${style}`}>
      <path d="M1,5 H33" />
    </svg>
  );
  return (
    <p className="diagram-legend muted" data-testid="diagram-legend">
      <span>{swatch('identity')} identity shortcut</span>
      <span>{swatch('projection')} projection (B: 1×1 conv, or 3×3 conv) + BN</span>
      <span>{swatch('option-a')} option A: subsample + zero-pad</span>
      <span>
        <span className="legend-add">+</span> addition
      </span>
      <span>lanes: the C parallel paths of a grouped conv</span>
    </p>
  );
}
