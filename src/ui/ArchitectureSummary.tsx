import { useMemo, useState } from 'react';
import { analyze, trainingMemoryBytes, type ArchSpec, type RowAnalysis } from '../spec';
import { useLab } from '../store/lab';
import { bytes, compact, grouped, shape } from './format';

/** Totals and the per-stage table of the spec being edited, recomputed as it changes. */
export function ArchitectureSummary() {
  const spec = useLab((s) => s.spec);
  const batch = useLab((s) => s.recipe.batchSize);
  const issues = useLab((s) => s.specIssues);
  const analysis = useMemo(() => (issues.length ? null : analyze(spec)), [spec, issues]);

  if (!analysis) {
    return (
      <ul className="issues" data-testid="spec-issues">
        {issues.map((issue) => (
          <li key={issue.path + issue.message}>{issue.message}</li>
        ))}
      </ul>
    );
  }
  const memory = trainingMemoryBytes(spec, batch);
  return (
    <>
      <dl className="totals">
        <div>
          <dt>parameters</dt>
          <dd data-testid="param-count" title={compact(analysis.totals.params)}>
            {grouped(analysis.totals.params)}
          </dd>
        </div>
        <div>
          <dt>multiply-adds / image</dt>
          <dd data-testid="macs-count" title={compact(analysis.totals.macs)}>
            {grouped(analysis.totals.macs)}
          </dd>
        </div>
        <div>
          <dt>training memory (batch {batch})</dt>
          <dd title="activations kept for backprop + weights, gradients and optimizer state">
            ≈ {bytes(memory)}
          </dd>
        </div>
        <div>
          <dt>output</dt>
          <dd>{analysis.classes} classes</dd>
        </div>
      </dl>
      <StageTable spec={spec} rows={analysis.rows} />
    </>
  );
}

function StageTable({ spec, rows }: { spec: ArchSpec; rows: RowAnalysis[] }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const toggle = (stage: number) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(stage)) next.delete(stage);
      else next.add(stage);
      return next;
    });
  const sum = (list: RowAnalysis[], key: 'params' | 'macs') =>
    list.reduce((total, row) => total + row[key], 0);

  return (
    <table className="numbers" data-testid="stage-table">
      <thead>
        <tr>
          <th className="left">layer</th>
          <th className="left">block</th>
          <th>in → out</th>
          <th>params</th>
          <th>mult-adds</th>
          <th className="left">shortcut</th>
        </tr>
      </thead>
      <tbody>
        <Line row={rows[0]} label="stem" detail={`${spec.stem.kind} stem`} />
        {spec.stages.map((stage, i) => {
          const number = i + 1;
          const blocks = rows.filter((row) => row.stage === number);
          const width =
            stage.block === 'bottleneck'
              ? `${stage.cardinality}×${stage.bottleneckWidth / stage.cardinality}d`
              : `${stage.outChannels} wide`;
          return [
            <tr key={`stage${number}`} className="stage-row">
              <td>
                <button
                  type="button"
                  className="ghost disclosure"
                  aria-expanded={open.has(number)}
                  onClick={() => toggle(number)}
                >
                  {open.has(number) ? '▾' : '▸'} layer{number}
                </button>
              </td>
              <td className="left">
                {stage.blocks} × {stage.block}, {width}
                {stage.stride > 1 ? `, stride ${stage.stride}` : ''}
              </td>
              <td className="mono">
                {shape(blocks[0].input)} → {shape(blocks[blocks.length - 1].output)}
              </td>
              <td>{grouped(sum(blocks, 'params'))}</td>
              <td>{compact(sum(blocks, 'macs'))}</td>
              <td className="left">{spec.residual ? stage.shortcut : 'none (plain)'}</td>
            </tr>,
            ...(open.has(number)
              ? blocks.map((row) => <Line key={row.name} row={row} label={row.name} nested />)
              : []),
          ];
        })}
        <Line row={rows[rows.length - 1]} label="head" detail={`${spec.head.pool} pool → fc`} />
      </tbody>
    </table>
  );
}

function Line(props: { row: RowAnalysis; label: string; detail?: string; nested?: boolean }) {
  const { row, label, detail, nested } = props;
  return (
    <tr className={nested ? 'block-row' : undefined}>
      <td className="mono">{label}</td>
      <td className="left">{detail ?? row.kind}</td>
      <td className="mono">
        {shape(row.input)} → {shape(row.output)}
      </td>
      <td>{grouped(row.params)}</td>
      <td>{compact(row.macs)}</td>
      <td className="left">{row.kind === 'stem' || row.kind === 'head' ? '' : row.shortcut}</td>
    </tr>
  );
}
