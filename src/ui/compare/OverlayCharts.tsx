// Charts that overlay several runs, one coloured line per run: the compare view's and the
// cardinality study's. Each is a <figure> with a caption, its own legend (HTML, so long labels
// wrap, and so the PNG export can redraw it) and a PNG button.
import { useMemo, useRef, useState, type RefObject } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { downloadFile } from '../../store/download';
import type { LossPoint } from '../../store/history';
import type { EpochMetrics } from '../../worker/protocol';
import { smooth } from '../RunCharts';
import { chartToPng } from './chartImage';
import { mergeByX, seriesKey, type MergedRow } from './merge';
import './compare.css';

export interface Series {
  id: string;
  label: string;
  color: string;
  losses: LossPoint[];
  epochs: EpochMetrics[];
}

// Tick labels filled, not stroked: stroked text looks bold, and bolder still in the PNG.
export const AXIS = { fill: 'var(--muted)', fontSize: 12 };
export const TOOLTIP = {
  contentStyle: {
    background: 'var(--panel)',
    border: '1px solid var(--border)',
    borderRadius: 6,
    fontSize: 12,
  },
  labelStyle: { color: 'var(--text)' },
};

/** Saves the chart in `target` as `fileName` (a PNG at 2×). */
export function ChartPngButton({
  target,
  fileName,
}: {
  target: RefObject<HTMLElement | null>;
  fileName: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function save() {
    if (!target.current) return;
    setBusy(true);
    setError(null);
    try {
      downloadFile(await chartToPng(target.current), fileName, 'image/png');
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <button
      type="button"
      className="ghost small chart-png"
      disabled={busy}
      title={error ?? `Save this chart as ${fileName}`}
      onClick={() => void save()}
    >
      PNG
    </button>
  );
}

/** The charts' HTML legend (long labels wrap; the PNG export redraws it from data-legend-color). */
export function ChartLegend({
  entries,
}: {
  entries: { id: string; label: string; color: string }[];
}) {
  return (
    <ul className="overlay-legend">
      {entries.map((e) => (
        <li key={e.id} data-legend-color={e.color}>
          <span className="swatch" style={{ background: e.color }} aria-hidden />
          {e.label}
        </li>
      ))}
    </ul>
  );
}

type YBound = number | 'auto' | ((v: number) => number);

function OverlayChart(props: {
  series: Series[];
  rows: MergedRow[];
  testId: string;
  title: string;
  fileName?: string;
  xName: string;
  format: (y: number) => string;
  /** Dots on the lines (few points per series) and x padding so edge dots show whole. */
  dots: boolean;
  yDomain: [YBound, YBound];
}) {
  const { series, rows, testId, title, xName, format, dots, yDomain } = props;
  const fileName = props.fileName ?? `${testId}.png`;
  const figure = useRef<HTMLElement>(null);
  return (
    <figure
      className="chart overlay-chart"
      data-testid={testId}
      data-series={series.length}
      ref={figure}
    >
      <figcaption>{title}</figcaption>
      <ChartPngButton target={figure} fileName={fileName} />
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" />
          <XAxis
            dataKey="x"
            type="number"
            domain={['dataMin', 'dataMax']}
            allowDecimals={false}
            padding={dots ? { left: 16, right: 16 } : undefined}
            tick={AXIS}
          />
          <YAxis tick={AXIS} width={48} domain={yDomain} />
          <Tooltip
            {...TOOLTIP}
            labelFormatter={(x) => `${xName} ${String(x)}`}
            formatter={(y) => (typeof y === 'number' ? format(y) : String(y))}
          />
          {series.map((s, i) => (
            <Line
              key={s.id}
              dataKey={seriesKey(i)}
              name={s.label}
              className="overlay-line"
              stroke={s.color}
              strokeWidth={2}
              // Earlier series get bigger dots, so equal values still show each run's colour.
              dot={dots ? { r: Math.max(3, 5.5 - 1.25 * i), fill: s.color, strokeWidth: 0 } : false}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
      <ChartLegend entries={series} />
    </figure>
  );
}

/** What both overlay charts take; the file name defaults to `<testId>.png`. */
export interface OverlayChartProps {
  series: Series[];
  testId: string;
  title?: string;
  fileName?: string;
}

/** Smoothed training loss per step (the EMA of the run view), one line per series. */
export function OverlayLossChart(props: OverlayChartProps) {
  const { series } = props;
  const rows = useMemo(
    () => mergeByX(series.map((s) => smooth(s.losses).map((p) => ({ x: p.step, y: p.smoothed })))),
    [series],
  );
  return (
    <OverlayChart
      {...props}
      rows={rows}
      title={props.title ?? 'Training loss per step (smoothed)'}
      xName="step"
      format={(y) => y.toFixed(3)}
      dots={false}
      yDomain={['auto', 'auto']}
    />
  );
}

/** Test accuracy per epoch, one line per series, with dots (a run may have a single epoch). */
export function OverlayAccuracyChart(props: OverlayChartProps) {
  const { series } = props;
  const rows = useMemo(
    () => mergeByX(series.map((s) => s.epochs.map((e) => ({ x: e.epoch, y: e.testAcc })))),
    [series],
  );
  return (
    <OverlayChart
      {...props}
      rows={rows}
      title={props.title ?? 'Test accuracy per epoch (%)'}
      xName="epoch"
      format={(y) => `${y.toFixed(2)}%`}
      dots
      // Whole tens around the data, within 0–100: close runs stay apart, the scale stays honest.
      yDomain={[
        (min) => Math.max(0, Math.floor((min - 1) / 10) * 10),
        (max) => Math.min(100, Math.ceil((max + 1) / 10) * 10),
      ]}
    />
  );
}
