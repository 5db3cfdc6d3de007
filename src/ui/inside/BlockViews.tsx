// How much each block changes its input (residual branch vs shortcut, RMS over the image) and
// how active each path of a grouped (ResNeXt) block is.
import type { BlockMagnitude, PathActivity } from '../../engine/inspect';

const figure = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(2));

export function BlockMagnitudesView({ blocks }: { blocks: BlockMagnitude[] }) {
  const plain = blocks.every((b) => b.shortcutRms === null);
  const largest = Math.max(1e-12, ...blocks.flatMap((b) => [b.branchRms, b.shortcutRms ?? 0]));
  const width = (v: number | null) => `${(100 * (v ?? 0)) / largest}%`;
  return (
    <figure className="chart inside-figure" data-testid="inside-blocks">
      <figcaption>
        {plain
          ? 'Per block: RMS of its output before the last ReLU (a plain net has no shortcut)'
          : 'Per block: RMS of the residual branch against the shortcut, and their ratio'}
      </figcaption>
      <div className="inside-legend">
        <span className="inside-swatch branch" /> branch
        {!plain && (
          <>
            <span className="inside-swatch shortcut" /> shortcut
          </>
        )}
      </div>
      <ul className="inside-blocks">
        {blocks.map((b) => (
          <li
            key={b.name}
            title={`${b.name}: branch ${figure(b.branchRms)}, shortcut ${figure(b.shortcutRms)}`}
          >
            <span className="inside-block-name">{b.name}</span>
            <span className="inside-block-bars">
              <span className="bar branch" style={{ width: width(b.branchRms) }} />
              {!plain && <span className="bar shortcut" style={{ width: width(b.shortcutRms) }} />}
            </span>
            <span className="value">{plain ? figure(b.branchRms) : `×${figure(b.ratio)}`}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Bars are this tall at the block's most active path; C = 32 still fits in 320 px. */
const PATH_BAR_PX = 40;
const PATH_STEP_PX = 10;

export function PathActivityView({ paths }: { paths: PathActivity[] }) {
  return (
    <figure className="chart inside-figure" data-testid="inside-paths">
      <figcaption>Grouped blocks: mean |activation| of each of the C paths</figcaption>
      {paths.length === 0 ? (
        <p className="muted inside-note">
          No grouped blocks in this network (cardinality 1): a ResNeXt shows its C paths here.
        </p>
      ) : (
        <ul className="inside-paths">
          {paths.map((p) => {
            const top = Math.max(1e-12, ...p.activity);
            const least = Math.min(...p.activity);
            return (
              <li key={p.name}>
                <span className="inside-block-name">
                  {p.name} <span className="muted">C={p.cardinality}</span>
                </span>
                <svg
                  width={p.cardinality * PATH_STEP_PX}
                  height={PATH_BAR_PX}
                  role="img"
                  aria-label={`${p.name} path activity`}
                >
                  {p.activity.map((a, g) => {
                    const h = Math.max(1, (PATH_BAR_PX * a) / top);
                    return (
                      <rect
                        key={g}
                        x={g * PATH_STEP_PX}
                        y={PATH_BAR_PX - h}
                        width={PATH_STEP_PX - 2}
                        height={h}
                        rx={1}
                      >
                        <title>{`path ${g + 1}: ${a.toFixed(3)}`}</title>
                      </rect>
                    );
                  })}
                </svg>
                <span className="muted inside-range">
                  {least.toPrecision(2)} – {top.toPrecision(2)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </figure>
  );
}
