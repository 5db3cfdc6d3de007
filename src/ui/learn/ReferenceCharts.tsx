// A demo's charts with its reference drawn first: the PyTorch reference arms dashed, the user's
// runs solid over them in the same colours, all against images seen. The test ids and the
// user lines' class are the overlay charts' (learn-loss, learn-accuracy, learn-gap;
// .overlay-line), so what reads the demo's charts reads these; reference lines are
// .reference-line.
import { useMemo, useRef } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Demo } from '../../spec/demos';
import type { ReferenceFile } from '../../spec/reference';
import { AXIS, ChartLegend, ChartPngButton, TOOLTIP } from '../compare/OverlayCharts';
import { mergeByX, seriesKey } from '../compare/merge';
import { compact, grouped } from '../format';
import type { GroupRun } from '../queue/useGroupRuns';
import {
  gapCurves,
  referenceEpochCurves,
  referenceLossCurves,
  runEpochCurves,
  runLossCurves,
  type Curve,
} from './referenceCurves';

const DASH = '6 4';

type YBound = number | 'auto' | ((v: number) => number);

/** Whole tens around the data, within 0–100 (as the overlay accuracy chart). */
const PERCENT_DOMAIN: [YBound, YBound] = [
  (min) => Math.max(0, Math.floor((min - 1) / 10) * 10),
  (max) => Math.min(100, Math.ceil((max + 1) / 10) * 10),
];

function ReferenceChart(props: {
  reference: Curve[];
  runs: Curve[];
  testId: string;
  title: string;
  fileName: string;
  format: (y: number) => string;
  dots: boolean;
  yDomain: [YBound, YBound];
}) {
  const { reference, runs, testId, title, format, dots, yDomain } = props;
  const figure = useRef<HTMLElement>(null);
  const all = useMemo(() => [...reference, ...runs], [reference, runs]);
  const rows = useMemo(() => mergeByX(all.map((c) => c.points)), [all]);
  const legend = useMemo(() => {
    // One entry per colour: the arm, whether or not the user has run it yet.
    const seen = new Map<string, { id: string; label: string; color: string }>();
    for (const c of all) if (!seen.has(c.color)) seen.set(c.color, c);
    return [...seen.values()];
  }, [all]);
  return (
    <figure
      className="chart overlay-chart reference-chart"
      data-testid={testId}
      data-series={runs.length}
      data-reference={reference.length}
      ref={figure}
    >
      <figcaption>{title}</figcaption>
      <ChartPngButton target={figure} fileName={props.fileName} />
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" />
          <XAxis
            dataKey="x"
            type="number"
            domain={[0, 'dataMax']}
            allowDecimals={false}
            tickFormatter={(x: number) => compact(x)}
            tick={AXIS}
          />
          <YAxis tick={AXIS} width={48} domain={yDomain} />
          <Tooltip
            {...TOOLTIP}
            labelFormatter={(x) => `${typeof x === 'number' ? grouped(x) : String(x)} images seen`}
            formatter={(y) => (typeof y === 'number' ? format(y) : String(y))}
          />
          {all.map((c, i) => {
            const isReference = i < reference.length;
            return (
              <Line
                key={c.id}
                dataKey={seriesKey(i)}
                name={isReference ? `${c.label} (reference)` : c.label}
                className={isReference ? 'reference-line' : 'overlay-line'}
                stroke={c.color}
                strokeWidth={isReference ? 1.5 : 2.25}
                strokeDasharray={isReference ? DASH : undefined}
                strokeOpacity={isReference ? 0.85 : 1}
                // A run of a step or two is a point, not a line: dots keep it visible.
                dot={
                  dots || (!isReference && c.points.length <= 5)
                    ? { r: isReference ? 2.5 : 4, fill: c.color, strokeWidth: 0 }
                    : false
                }
                connectNulls
                isAnimationActive={false}
              />
            );
          })}
        </LineChart>
      </ResponsiveContainer>
      <ChartLegend entries={legend} />
      <p className="muted reference-key">
        <svg width="28" height="6" aria-hidden>
          <line x1="0" y1="3" x2="28" y2="3" stroke="currentColor" strokeDasharray={DASH} />
        </svg>{' '}
        PyTorch reference{' '}
        <svg width="28" height="6" aria-hidden>
          <line x1="0" y1="3" x2="28" y2="3" stroke="currentColor" strokeWidth="2.25" />
        </svg>{' '}
        {runs.length > 0 ? 'your runs' : 'your runs, once the demo trains'}
      </p>
    </figure>
  );
}

export function ReferenceCharts({
  demo,
  file,
  runs,
}: {
  demo: Demo;
  file: ReferenceFile;
  runs: GroupRun[];
}) {
  const plan = demo.sizes.quick;
  const curves = useMemo(() => {
    const refTest = referenceEpochCurves(file, plan, 'testAcc');
    const runTest = runEpochCurves(runs, 'testAcc');
    return {
      refLoss: referenceLossCurves(file, plan),
      runLoss: runLossCurves(runs),
      refTest,
      runTest,
      refGap: gapCurves(refTest, referenceEpochCurves(file, plan, 'trainAcc'), plan),
      runGap: gapCurves(runTest, runEpochCurves(runs, 'trainAcc'), plan),
    };
  }, [file, plan, runs]);
  const percent = (y: number) => `${y.toFixed(2)}%`;
  return (
    <div className="learn-charts" data-testid="reference-charts">
      <ReferenceChart
        reference={curves.refLoss}
        runs={curves.runLoss}
        testId="learn-loss"
        title="Training loss (smoothed) by images seen"
        fileName={`learn-${demo.id}-loss.png`}
        format={(y) => y.toFixed(3)}
        dots={false}
        yDomain={['auto', 'auto']}
      />
      <ReferenceChart
        reference={curves.refTest}
        runs={curves.runTest}
        testId="learn-accuracy"
        title="Test accuracy (%) after each epoch, by images seen"
        fileName={`learn-${demo.id}-accuracy.png`}
        format={percent}
        dots
        yDomain={PERCENT_DOMAIN}
      />
      {demo.extra === 'gap' && (
        <ReferenceChart
          reference={curves.refGap}
          runs={curves.runGap}
          testId="learn-gap"
          title="Train vs test accuracy (%) after each epoch"
          fileName={`learn-${demo.id}-gap.png`}
          format={percent}
          dots
          yDomain={PERCENT_DOMAIN}
        />
      )}
    </div>
  );
}
