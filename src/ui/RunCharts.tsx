import { useMemo } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { imagesShort, testImagesOf } from '../spec';
import type { LossPoint } from '../store/history';
import type { EpochMetrics } from '../worker/protocol';

import { smooth } from './smoothLoss';

// Kept here too for the charts that import it with the run view's charts.
export { smooth };

const AXIS = { stroke: 'var(--muted)', fontSize: 12 };

export function LossChart({ losses }: { losses: LossPoint[] }) {
  const data = useMemo(() => smooth(losses), [losses]);
  return (
    <figure className="chart" data-testid="chart-loss" data-points={losses.length}>
      <figcaption>Training loss per step</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={AXIS} />
          <YAxis tick={AXIS} width={48} domain={['auto', 'auto']} />
          <Tooltip />
          <Legend />
          <Line
            dataKey="loss"
            name="raw"
            stroke="var(--accent-soft-line)"
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="smoothed"
            name="smoothed"
            stroke="var(--accent)"
            dot={false}
            strokeWidth={2}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** "test on the first 1,000 images, then all 10,000": the test curve's images, in order. */
function testCurveScope(epochs: EpochMetrics[], limitTest: number): string {
  const scopes = [...new Set(epochs.map((e) => imagesShort(testImagesOf(e, limitTest))))];
  return scopes.length ? `test on ${scopes.join(', then ')} images` : '';
}

export function AccuracyChart({
  epochs,
  limitTest,
}: {
  epochs: EpochMetrics[];
  limitTest: number;
}) {
  const scope = testCurveScope(epochs, limitTest);
  return (
    <figure className="chart" data-testid="chart-accuracy" data-points={epochs.length}>
      <figcaption>
        Accuracy per epoch (%)
        {scope && <span className="scope-note"> · {scope}</span>}
      </figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={epochs} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--border)" />
          <XAxis
            dataKey="epoch"
            type="number"
            domain={[0, 'dataMax']}
            allowDecimals={false}
            tick={AXIS}
          />
          <YAxis tick={AXIS} width={48} domain={[0, 100]} />
          <Tooltip />
          <Legend />
          <Line dataKey="trainAcc" name="train" stroke="var(--muted)" isAnimationActive={false} />
          <Line
            dataKey="testAcc"
            name="test"
            stroke="var(--accent)"
            strokeWidth={2}
            isAnimationActive={false}
          />
          {epochs.some((e) => e.valAcc !== undefined) && (
            <Line dataKey="valAcc" name="validation" stroke="var(--ok)" isAnimationActive={false} />
          )}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function LearningRateChart({ losses }: { losses: LossPoint[] }) {
  return (
    <figure className="chart" data-testid="chart-lr">
      <figcaption>Learning rate</figcaption>
      <ResponsiveContainer width="100%" height={220}>
        <LineChart data={losses} margin={{ top: 8, right: 16, bottom: 4, left: 8 }}>
          <CartesianGrid stroke="var(--border)" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={AXIS} />
          <YAxis tick={AXIS} width={56} />
          <Tooltip />
          <Line dataKey="lr" name="lr" stroke="var(--ok)" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
