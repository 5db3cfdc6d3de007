// "Look inside" a run: pick one of the test images shown after each epoch and see the stem's
// filters, the feature maps after each stage, the top predictions, how much each block changes
// its input and how busy each ResNeXt path is. The worker computes everything (live weights
// between two training steps, or the run's checkpoint); this only draws.
import { useMemo, useState } from 'react';
import { useData } from '../../store/data';
import type { RunRecord } from '../../store/history';
import { useInspect, type InsideResult } from '../../store/inspect';
import { useRun } from '../../store/run';
import { BlockMagnitudesView, PathActivityView } from './BlockViews';
import { FeatureMapsView, FiltersView } from './MapViews';
import { Pixels } from './Pixels';
import { planarToRgba } from './rgba';
import './inside.css';

/** The inside views of the run on screen, if any. */
export function CurrentRunInside() {
  const current = useRun((s) => s.current);
  return current ? <InsideViews key={current.runId} run={current} /> : null;
}

export function InsideViews({ run }: { run: RunRecord }) {
  const [open, setOpen] = useState(false);
  const [imageIndex, setImageIndex] = useState(0);
  const { request, busy, error, result } = useInspect();
  const names = useClassNames(run);
  const look = (index: number) => {
    setImageIndex(index);
    request(run, index);
  };
  if (!open) {
    return (
      <div className="inside-closed">
        <button
          type="button"
          className="ghost"
          data-testid="inside-open"
          onClick={() => {
            setOpen(true);
            look(imageIndex);
          }}
        >
          Look inside
        </button>
        <span className="muted">filters, feature maps and blocks for a test image</span>
      </div>
    );
  }
  const shown = result?.runId === run.runId ? result : null;
  return (
    <section className="inside" data-testid="inside-views" aria-label="inside views">
      <header className="inside-header">
        <h3>Inside the network</h3>
        <span className="muted" data-testid="inside-source">
          {busy ? 'computing…' : shown ? describeWeights(shown) : ''}
        </span>
        <button
          type="button"
          className="ghost small"
          data-testid="inside-refresh"
          disabled={busy}
          onClick={() => look(imageIndex)}
        >
          Refresh
        </button>
        <button type="button" className="ghost small" onClick={() => setOpen(false)}>
          Close
        </button>
      </header>
      {error && (
        <div className="banner error" role="alert" data-testid="inside-error">
          {error}
        </div>
      )}
      <ImagePicker run={run} selected={imageIndex} onPick={look} names={names} />
      {shown && (
        <div className={`inside-grid ${busy ? 'stale' : ''}`}>
          <PredictionsView result={shown} names={names} run={run} />
          <FiltersView filters={shown.view.filters} />
          <BlockMagnitudesView blocks={shown.view.blocks} />
          <PathActivityView paths={shown.view.paths} />
          <FeatureMapsView featureMaps={shown.view.featureMaps} />
        </div>
      )}
    </section>
  );
}

function describeWeights(result: InsideResult): string {
  const epochs = Number.isInteger(result.epoch) ? String(result.epoch) : result.epoch.toFixed(2);
  const what = result.live ? 'live weights' : 'saved weights';
  return `${what} after ${epochs} epoch${result.epoch === 1 ? '' : 's'}, test image ${result.imageIndex}`;
}

function useClassNames(run: RunRecord): string[] {
  const manifest = useData((s) => s.cached.find((c) => c.dataset === run.config.dataset)?.manifest);
  const classes = run.config.spec.classes;
  return manifest?.labelNames ?? Array.from({ length: classes }, (_, i) => `class ${i}`);
}

/** The test images of the latest epoch's results; before the first epoch there are none. */
function useSampleImages(run: RunRecord) {
  const pixels = run.results?.samples.pixels;
  return useMemo(
    () =>
      pixels
        ? Array.from({ length: pixels.length / 3072 }, (_, i) =>
            planarToRgba(pixels.subarray(i * 3072, (i + 1) * 3072)),
          )
        : [],
    [pixels],
  );
}

interface PickerProps {
  run: RunRecord;
  selected: number;
  onPick(index: number): void;
  names: string[];
}

function ImagePicker({ run, selected, onPick, names }: PickerProps) {
  const images = useSampleImages(run);
  if (images.length === 0) {
    return (
      <p className="muted inside-note">
        The test images to choose from appear after the first epoch; showing test image 0.
      </p>
    );
  }
  const labels = run.results!.samples.labels;
  return (
    <div className="inside-picker" role="group" aria-label="test image to look at">
      {images.map((rgba, i) => (
        <button
          key={i}
          type="button"
          className={i === selected ? 'inside-image selected' : 'inside-image'}
          aria-pressed={i === selected}
          data-testid={`inside-image-${i}`}
          title={`test image ${i}: ${names[labels[i]]}`}
          onClick={() => onPick(i)}
        >
          <Pixels width={32} height={32} rgba={rgba} size={40} />
        </button>
      ))}
    </div>
  );
}

function PredictionsView({
  result,
  names,
  run,
}: {
  result: InsideResult;
  names: string[];
  run: RunRecord;
}) {
  const images = useSampleImages(run);
  const image = images[result.imageIndex];
  const right = result.view.predictions[0]?.classIndex === result.label;
  return (
    <figure className="chart inside-figure" data-testid="inside-predictions">
      <figcaption>Top predictions for the chosen image</figcaption>
      <div className="inside-prediction">
        {image && <Pixels width={32} height={32} rgba={image} size={96} />}
        <div>
          <p className="inside-truth">
            true class: <strong>{names[result.label]}</strong>{' '}
            <span className={right ? 'ok' : 'wrong'}>{right ? '✓ top-1' : '✗ top-1'}</span>
          </p>
          <ul className="class-bars inside-top">
            {result.view.predictions.map((p) => (
              <li
                key={p.classIndex}
                className={p.classIndex === result.label ? 'truth' : ''}
                title={`${names[p.classIndex]}: ${(100 * p.probability).toFixed(2)}%`}
              >
                <span className="class-name">{names[p.classIndex]}</span>
                <span className="bar" style={{ width: `${100 * p.probability}%` }} />
                <span className="value">{(100 * p.probability).toFixed(1)}%</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </figure>
  );
}
