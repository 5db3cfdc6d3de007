// Accuracy and step time against cardinality, one bar per C in its run's colour: the study's two
// findings side by side. At equal complexity, more paths should buy accuracy (the ResNeXt
// paper's claim) and cost time per step (the "cardinality tax": many thin convs use the
// hardware worse than one wide conv).
import { useRef } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { AXIS, ChartLegend, ChartPngButton, TOOLTIP } from '../compare/OverlayCharts';
import type { StudyRow } from './studyRows';

function CardinalityBars(props: {
  rows: StudyRow[];
  value(row: StudyRow): number | null;
  format(v: number): string;
  testId: string;
  title: string;
  unit: string;
  empty: string;
}) {
  const { rows, value, format, testId, title, unit, empty } = props;
  const figure = useRef<HTMLElement>(null);
  const data = rows.flatMap((r) => {
    const v = value(r);
    return v === null ? [] : [{ c: String(r.cardinality), v, color: r.color, label: r.label }];
  });
  return (
    <figure
      className="chart overlay-chart study-bars"
      data-testid={testId}
      data-bars={data.length}
      ref={figure}
    >
      <figcaption>{title}</figcaption>
      {data.length > 0 && <ChartPngButton target={figure} fileName={`${testId}.png`} />}
      {data.length === 0 ? (
        <p className="muted study-empty">{empty}</p>
      ) : (
        <ResponsiveContainer width="100%" height={200}>
          <BarChart data={data} margin={{ top: 18, right: 16, bottom: 14, left: 0 }}>
            <CartesianGrid stroke="var(--border)" vertical={false} />
            <XAxis
              dataKey="c"
              type="category"
              tick={AXIS}
              label={{ value: 'cardinality C', position: 'insideBottom', offset: -8, ...AXIS }}
            />
            <YAxis tick={AXIS} width={48} domain={[0, 'auto']} />
            <Tooltip
              cursor={{ fill: 'var(--border)', opacity: 0.4 }}
              {...TOOLTIP}
              labelFormatter={(c) => `C = ${String(c)}`}
              formatter={(v) => [typeof v === 'number' ? format(v) : String(v), unit]}
            />
            <Bar dataKey="v" isAnimationActive={false} maxBarSize={56}>
              {data.map((d) => (
                <Cell key={d.c} fill={d.color} className="study-bar" />
              ))}
              <LabelList
                dataKey="v"
                position="top"
                formatter={(v: unknown) => (typeof v === 'number' ? format(v) : '')}
                style={{ fill: 'var(--text)', fontSize: 11 }}
              />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      )}
      <ChartLegend entries={data.map((d) => ({ id: d.c, label: d.label, color: d.color }))} />
    </figure>
  );
}

/** The two bar charts; `equal` says whether the arms were solved to equal complexity. */
export function TaxCharts({ rows, equal }: { rows: StudyRow[]; equal: boolean }) {
  // Short captions: the PNG export draws them on one line.
  const at = equal ? 'equal complexity' : 'widths kept';
  return (
    <div className="charts">
      <CardinalityBars
        rows={rows}
        value={(r) => r.bestTestAcc}
        format={(v) => `${v.toFixed(1)}%`}
        testId="study-acc-vs-c"
        title={`Best test accuracy (%) vs C · ${at}`}
        unit="best test accuracy"
        empty="No run has finished an epoch yet."
      />
      <CardinalityBars
        rows={rows}
        value={(r) => r.msPerStep}
        format={(v) => v.toFixed(0)}
        testId="study-step-vs-c"
        title={`Cardinality tax: ms per step vs C · ${at}`}
        unit="ms per step"
        empty="No run has trained a step yet."
      />
    </div>
  );
}
