import { evaluatedOn, testImagesOf } from '../spec';
import type { RunRecord } from '../store/history';
import { useRun } from '../store/run';
import { ExportButton, ImportedSummary, WeightsImport } from './ExportImport';
import { CurrentRunInside } from './inside/InsideViews';
import { ResultsView } from './ResultsView';
import { RunMemoryNotes } from './RunMemoryNotes';
import { AccuracyChart, LearningRateChart, LossChart } from './RunCharts';

const duration = (s: number) =>
  !Number.isFinite(s)
    ? '—'
    : s < 90
      ? `${Math.round(s)} s`
      : s < 5400
        ? `${Math.round(s / 60)} min`
        : `${(s / 3600).toFixed(1)} h`;

const figure = (v: number | undefined, digits: number) =>
  v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '—';

/** The latest test accuracy and, under it, the images it was measured on. */
function TestAccuracy({ run }: { run: RunRecord }) {
  const latest = run.epochs[run.epochs.length - 1];
  return (
    <div>
      <dt>test accuracy</dt>
      <dd data-testid="metric-test-acc">{figure(latest?.testAcc, 2)}</dd>
      {latest && (
        <dd className="scope" data-testid="metric-test-scope">
          {evaluatedOn(testImagesOf(latest, run.config.limitTest))}
        </dd>
      )}
    </div>
  );
}

/** The live (or reopened, or imported) run: status, progress, latest metrics, charts. */
export function RunView() {
  return (
    <>
      <WeightsImport />
      <CurrentRun />
      <CurrentRunInside />
    </>
  );
}

function CurrentRun() {
  const { current, status, progress, why, stopping, evaluating } = useRun();
  if (!current) {
    return (
      <p className="muted" data-testid="run-status" data-status="idle">
        idle
      </p>
    );
  }
  if (current.imported && status !== 'running' && status !== 'paused') {
    const latest = current.epochs[current.epochs.length - 1];
    return (
      <div className="run-view">
        <div className="run-line">
          {/* run-status keeps to idle/running/paused/done/error: tests outside rely on it. */}
          <span className="status done" data-testid="run-status">
            done
          </span>
          <span className="muted" data-testid="run-imported">
            imported weights, evaluated
          </span>
        </div>
        <ImportedSummary run={current} />
        <dl className="totals">
          <TestAccuracy run={current} />
          <div>
            <dt>test loss</dt>
            <dd data-testid="metric-test-loss">{figure(latest?.testLoss, 4)}</dd>
          </div>
          <div>
            <dt>backend</dt>
            <dd title={current.adapter ?? ''}>{current.backend ?? '—'}</dd>
          </div>
        </dl>
        <ExportButton run={current} />
        <ResultsView run={current} />
      </div>
    );
  }
  const epochs = current.epochs;
  const latest = epochs[epochs.length - 1];
  const total = current.config.recipe.epochs;
  const fraction = progress
    ? (progress.epoch + progress.step / progress.stepsPerEpoch) / total
    : epochs.length / total;
  // A stopped run is shown as such (the page itself is idle again), never as "idle".
  const shown = stopping ? 'stopping…' : status === 'idle' ? current.status : status;
  return (
    <div className="run-view">
      {current.error && (
        <div className="banner error" role="alert" data-testid="error-banner">
          {current.error}
        </div>
      )}
      <RunMemoryNotes run={current} />
      <div className="run-line">
        <span
          className={`status ${stopping ? 'stopping' : status}`}
          data-testid="run-status"
          data-status={status}
        >
          {shown}
        </span>
        <progress data-testid="progress" max={1} value={fraction} aria-label="training progress" />
        <span className="muted" data-testid="progress-line">
          {progress && evaluating && status === 'running'
            ? `epoch ${progress.epoch + 1}/${total} · evaluating ${evaluatedOn(evaluating)}…`
            : progress && (status === 'running' || status === 'paused')
              ? `epoch ${progress.epoch + 1}/${total} · step ${progress.step}/${progress.stepsPerEpoch} · ${progress.imagesPerSecond.toFixed(1)} img/s · ETA ${duration(progress.etaSeconds)}`
              : `${epochs.length}/${total} epochs`}
        </span>
      </div>
      <dl className="totals">
        <TestAccuracy run={current} />
        <div>
          <dt>train loss</dt>
          <dd>{progress ? progress.loss.toFixed(3) : figure(latest?.trainLoss, 3)}</dd>
        </div>
        <div>
          <dt>learning rate</dt>
          <dd>{progress ? progress.lr.toPrecision(3) : '—'}</dd>
        </div>
        <div>
          <dt>backend</dt>
          <dd title={why ?? current.adapter ?? ''}>{current.backend ?? '…'}</dd>
        </div>
      </dl>
      <ExportButton run={current} />
      <div className="charts">
        <LossChart losses={current.losses} />
        <AccuracyChart epochs={epochs} limitTest={current.config.limitTest} />
        <LearningRateChart losses={current.losses} />
      </div>
      <ResultsView run={current} />
    </div>
  );
}
