import { useEffect } from 'react';
import { DATASET_IDS, DATASETS, formatBytes, type DatasetId } from '../data';
import { useData, type DataOperation } from '../store/data';
import { FileDropZone } from './FileDropZone';

/** Which datasets are cached, getting them (server download or archive import), removing them. */
export function DataPanel() {
  const { dataset, cached, onServer, estimate, operation, error, notice } = useData();
  const { chooseDataset, refresh, download, importFile, remove } = useData.getState();

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const entry = (id: DatasetId) => cached.find((c) => c.dataset === id);
  const nothingAnywhere = cached.length === 0 && DATASET_IDS.every((id) => onServer[id] === false);

  return (
    <>
      <div className="data-choice">
        <label htmlFor="dataset-select">Dataset</label>
        <select
          id="dataset-select"
          data-testid="dataset-select"
          value={dataset}
          onChange={(e) => chooseDataset(e.target.value as DatasetId)}
        >
          {DATASET_IDS.map((id) => (
            <option key={id} value={id}>
              {DATASETS[id].title} — {entry(id)?.complete ? 'cached' : 'not cached'}
            </option>
          ))}
        </select>
      </div>
      <table className="numbers datasets" data-testid="data-cache">
        <thead>
          <tr>
            <th className="left">dataset</th>
            <th className="left">in this browser</th>
            <th>size</th>
            <th className="left">actions</th>
          </tr>
        </thead>
        <tbody>
          {DATASET_IDS.map((id) => {
            const c = entry(id);
            return (
              <tr key={id} data-dataset={id} data-cached={Boolean(c?.complete)}>
                <td>{DATASETS[id].title}</td>
                <td className="left">
                  {c
                    ? `${c.records.train.toLocaleString('en-US')} train + ${c.records.test.toLocaleString('en-US')} test${c.complete ? '' : ' (incomplete: shards were evicted)'}`
                    : 'not cached'}
                </td>
                <td>{c ? formatBytes(c.bytes) : ''}</td>
                <td className="left actions">
                  {onServer[id] && !c?.complete && (
                    <button type="button" disabled={!!operation} onClick={() => download(id)}>
                      {c ? 'Repair' : 'Download'}
                    </button>
                  )}
                  {c && (
                    <button
                      type="button"
                      className="ghost"
                      disabled={!!operation}
                      onClick={() => remove(id)}
                      aria-label={`remove ${DATASETS[id].title} from this browser`}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <FileDropZone
        label={
          <>
            Import an official CIFAR archive (<code>cifar-10-binary.tar.gz</code> or{' '}
            <code>cifar-100-binary.tar.gz</code>):
          </>
        }
        accept=".gz,.tgz,application/gzip"
        disabled={!!operation}
        onFile={importFile}
        zoneTestId="drop-zone"
        inputTestId="import-input"
      />
      {operation && <Progress operation={operation} />}
      {error && (
        <p className="data-error" role="alert" data-testid="data-error">
          {error}
        </p>
      )}
      {notice && !error && (
        <p className="data-notice" role="status" data-testid="data-notice">
          {notice}
        </p>
      )}
      {nothingAnywhere && <HowToGetData />}
      {estimate?.usage !== undefined && estimate.quota !== undefined && (
        <p className="muted storage">
          This site stores {formatBytes(estimate.usage)} of the {formatBytes(estimate.quota)} the
          browser allows it{estimate.persisted ? ' (persistent)' : ''}.
        </p>
      )}
    </>
  );
}

function Progress({ operation }: { operation: DataOperation }) {
  const { progress } = operation;
  const total = progress?.totalBytes;
  const loaded = progress?.loadedBytes ?? 0;
  const percent = total ? Math.min(100, (100 * loaded) / total) : undefined;
  const what =
    operation.kind === 'import'
      ? `Importing ${operation.source}`
      : operation.kind === 'remove'
        ? `Removing ${operation.dataset}`
        : `Downloading ${operation.dataset}`;
  return (
    <div className="data-progress">
      <progress
        data-testid="data-progress"
        max={100}
        value={percent}
        aria-label={what}
        data-loaded={loaded}
        data-total={total ?? ''}
      />
      <span className="muted">
        {what}: {formatBytes(loaded)}
        {total ? ` of ${formatBytes(total)}` : ''}
        {progress?.item ? ` — ${progress.item}` : ''}
      </span>
    </div>
  );
}

function HowToGetData() {
  return (
    <div className="how-to" data-testid="data-howto">
      <p>
        No dataset yet. Import an archive above, or let the server offer it: in the project folder
        run
      </p>
      <pre>npm run data -- fetch cifar10</pre>
      <p>(downloads the official archive), or, with an archive you already have,</p>
      <pre>npm run data -- import path/to/cifar-10-binary.tar.gz</pre>
      <p>then reload this page and click Download.</p>
    </div>
  );
}
