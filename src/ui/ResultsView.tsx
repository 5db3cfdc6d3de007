import { useEffect, useRef } from 'react';
import { evaluatedOn, testImagesOf } from '../spec';
import { useData } from '../store/data';
import type { RunRecord } from '../store/history';

/** After an epoch: per-class accuracy, the confusion matrix and test images with predictions. */
export function ResultsView({ run }: { run: RunRecord }) {
  const manifest = useData((s) => s.cached.find((c) => c.dataset === run.config.dataset)?.manifest);
  const results = run.results;
  const latest = run.epochs[run.epochs.length - 1];
  if (!results || !latest) return null;
  const names = manifest?.labelNames ?? latest.perClassAcc.map((_, i) => `class ${i}`);
  return (
    <div className="results" data-testid="results">
      <figure className="chart">
        <figcaption>
          Test accuracy per class, epoch {results.epoch} (%),{' '}
          {evaluatedOn(testImagesOf(latest, run.config.limitTest))}
        </figcaption>
        <ul className="class-bars" data-testid="per-class">
          {latest.perClassAcc.map((acc, i) => (
            <li key={i} title={`${names[i]}: ${acc.toFixed(1)}%`}>
              <span className="class-name">{names[i]}</span>
              <span className="bar" style={{ width: `${Number.isFinite(acc) ? acc : 0}%` }} />
              <span className="value">{Number.isFinite(acc) ? acc.toFixed(0) : '—'}</span>
            </li>
          ))}
        </ul>
      </figure>
      <figure className="chart">
        <figcaption>
          Confusion matrix (rows: true class, columns: predicted),{' '}
          {evaluatedOn(testImagesOf(latest, run.config.limitTest))}
        </figcaption>
        <ConfusionMatrix confusion={results.confusion} names={names} />
      </figure>
      <figure className="chart samples-figure">
        <figcaption>Test images: predicted (true)</figcaption>
        <div className="samples" data-testid="sample-grid">
          {Array.from(results.samples.labels, (label, i) => {
            const guess = results.samples.predicted[i];
            return (
              <div key={i} className={guess === label ? 'sample right' : 'sample wrong'}>
                <CifarImage pixels={results.samples.pixels.subarray(i * 3072, (i + 1) * 3072)} />
                <span>
                  {names[guess]}
                  {guess === label ? '' : ` (${names[label]})`}
                </span>
              </div>
            );
          })}
        </div>
      </figure>
    </div>
  );
}

/** One CIFAR image (CHW uint8) drawn at 2× with crisp pixels. */
function CifarImage({ pixels }: { pixels: Uint8Array }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(32, 32);
    for (let p = 0; p < 1024; p++) {
      image.data[p * 4] = pixels[p];
      image.data[p * 4 + 1] = pixels[1024 + p];
      image.data[p * 4 + 2] = pixels[2048 + p];
      image.data[p * 4 + 3] = 255;
    }
    context.putImageData(image, 0, 0);
  }, [pixels]);
  return <canvas ref={ref} width={32} height={32} className="cifar-image" />;
}

/** A heat map: cell shade = share of the true class's examples predicted as that column. */
function ConfusionMatrix({ confusion, names }: { confusion: number[][]; names: string[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const n = confusion.length;
  const cell = n > 20 ? 3 : 24;
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    if (!context) return;
    const accent = getComputedStyle(ref.current!).getPropertyValue('--accent').trim() || '#b3202a';
    context.clearRect(0, 0, n * cell, n * cell);
    confusion.forEach((row, t) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      row.forEach((count, p) => {
        context.globalAlpha = 0.08 + 0.92 * (count / total);
        context.fillStyle = count ? accent : 'transparent';
        context.fillRect(p * cell, t * cell, cell - (n > 20 ? 0 : 1), cell - (n > 20 ? 0 : 1));
      });
    });
    context.globalAlpha = 1;
  }, [confusion, n, cell]);
  return (
    <div className="confusion" data-testid="confusion-matrix">
      {n <= 20 && (
        <ol className="confusion-rows">
          {names.slice(0, n).map((name) => (
            <li key={name} style={{ height: cell }}>
              {name}
            </li>
          ))}
        </ol>
      )}
      <canvas
        ref={ref}
        width={n * cell}
        height={n * cell}
        aria-label="confusion matrix"
        title="rows: true class, columns: predicted class"
      />
    </div>
  );
}
