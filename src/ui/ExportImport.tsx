import { FileDropZone } from './FileDropZone';
import { DATASETS } from '../data/cifar';
import { useData } from '../store/data';
import type { RunRecord } from '../store/history';
import { useLab } from '../store/lab';
import { useRun } from '../store/run';

/** The epoch whose weights an export would hold: the run's last finished one. */
const savedEpoch = (run: RunRecord) =>
  run.imported ? run.imported.epoch : (run.epochs[run.epochs.length - 1]?.epoch ?? 0);

/** "Export for PyTorch" for the run on screen, with what it exports and how it went. */
export function ExportButton({ run }: { run: RunRecord }) {
  const job = useRun((s) => s.exportJob);
  const exportRun = useRun((s) => s.exportRun);
  const live = useRun((s) => s.status === 'running' || s.status === 'paused');
  const hasWeights = run.imported !== undefined || run.epochs.length > 0;
  const busy = job?.state === 'busy';
  const mine = job?.runId === run.runId ? job : null;
  const epoch = savedEpoch(run);
  return (
    <div className="export-line">
      <button
        type="button"
        data-testid="export-button"
        disabled={!hasWeights || busy}
        title={
          hasWeights
            ? 'A .zip with weights.safetensors, model.py, train.py, spec, recipe and metrics'
            : 'The weights are saved at the end of each epoch: export after the first one'
        }
        onClick={() => exportRun(run)}
      >
        ⤓ Export for PyTorch
      </button>
      <span className="muted" data-testid="export-epoch">
        {!hasWeights
          ? 'after the first epoch'
          : live
            ? `weights of epoch ${epoch} (the last finished one; training goes on)`
            : `weights of epoch ${epoch}`}
      </span>
      {mine && (
        <span
          className={mine.state === 'error' ? 'data-error' : 'data-notice'}
          role={mine.state === 'error' ? 'alert' : 'status'}
          data-testid="export-status"
          data-state={mine.state}
        >
          {mine.message}
        </span>
      )}
    </div>
  );
}

/** The history row's export: only for runs with saved weights. */
export function HistoryExportButton({ run }: { run: RunRecord }) {
  const exportRun = useRun((s) => s.exportRun);
  const busy = useRun((s) => s.exportJob?.state === 'busy');
  if (!run.imported && run.epochs.length === 0) return null;
  return (
    <button
      type="button"
      className="ghost"
      data-testid="history-export"
      disabled={busy}
      title={`Export for PyTorch: weights of epoch ${savedEpoch(run)}`}
      onClick={() => exportRun(run)}
    >
      Export
    </button>
  );
}

/** Drop or choose a .safetensors file (or a Cardinal export .zip) to evaluate it here. */
export function WeightsImport() {
  const job = useRun((s) => s.importJob);
  const importWeights = useRun((s) => s.importWeights);
  const active = useRun((s) => s.status === 'running' || s.status === 'paused');
  const busy = job?.state === 'busy';
  const disabled = busy || active;
  const start = (file: File) => {
    const { spec, recipe } = useLab.getState();
    const { dataset } = useData.getState();
    void importWeights(file, { spec, recipe, dataset });
  };
  return (
    <div className="weights-import">
      <FileDropZone
        label={
          <>
            Import weights (<code>.safetensors</code>, or an exported <code>.zip</code>):
          </>
        }
        accept=".safetensors,.zip"
        disabled={disabled}
        onFile={start}
        zoneTestId="weights-drop-zone"
        inputTestId="weights-input"
        hint={
          active
            ? 'Stop or finish the run first.'
            : 'A file without Cardinal metadata is checked against the network in the builder. ' +
              'It is evaluated on the cached test split.'
        }
      />
      {busy && (
        <p className="muted" role="status" data-testid="weights-busy">
          Checking and evaluating {job.fileName}…
        </p>
      )}
      {job?.state === 'error' && (
        <p className="data-error" role="alert" data-testid="weights-error">
          {job.fileName ? `${job.fileName}: ` : ''}
          {job.message}
        </p>
      )}
    </div>
  );
}

/** What was imported, and "Continue training" from it with the recipe in the Training panel. */
export function ImportedSummary({ run }: { run: RunRecord }) {
  const recipe = useLab((s) => s.recipe);
  const continueTraining = useRun((s) => s.continueTraining);
  const imported = run.imported;
  if (!imported) return null;
  const { fromFile } = imported;
  const from = (given: boolean) => (given ? 'from the file' : 'from this page (not in the file)');
  const examples = run.results?.confusion.flat().reduce((a, b) => a + b, 0) ?? 0;
  const blocker =
    recipe.epochs <= imported.epoch
      ? `Set Epochs above ${imported.epoch} (Training, above) to continue.`
      : null;
  return (
    <div className="imported" data-testid="imported-summary">
      <p>
        <strong>Imported weights</strong> <code>{imported.fileName}</code>
        {imported.cardinalVersion ? ` (Cardinal ${imported.cardinalVersion})` : ''}, after{' '}
        {imported.epoch} epoch{imported.epoch === 1 ? '' : 's'}: evaluated on{' '}
        {examples.toLocaleString('en-US')} {DATASETS[run.config.dataset].title} test images.
      </p>
      <p className="muted">
        Network {from(fromFile.spec)}; recipe {from(fromFile.recipe)}; dataset{' '}
        {from(fromFile.dataset)}. The builder now shows this network.
      </p>
      <div className="export-line">
        <button
          type="button"
          data-testid="continue-button"
          disabled={blocker !== null}
          title={blocker ?? 'Train on from these weights'}
          onClick={() => void continueTraining(run, recipe)}
        >
          ▶ Continue training
        </button>
        <span className="muted" data-testid="continue-hint">
          {blocker ??
            `epochs ${imported.epoch + 1}–${recipe.epochs} with the Training panel's recipe; ` +
              'the optimizer starts afresh (its state is not in the file)'}
        </span>
      </div>
    </div>
  );
}
