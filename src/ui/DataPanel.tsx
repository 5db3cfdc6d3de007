import { useEffect } from 'react';
import { DATASET_IDS, DATASETS, formatBytes, type DatasetId } from '../data';
import { useData } from '../store/data';
import { DataProgress } from './DataProgress';
import { FileDropZone } from './FileDropZone';

/** Which datasets are cached, getting them (server download or archive import), removing them. */
export function DataPanel() {
  const { dataset, cached, onServer, estimate, operation, error, notice } = useData();
  const { chooseDataset, refresh, download, importFile, remove } = useData.getState();

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const entry = (id: DatasetId) => cached.find((c) => c.dataset === id);
  // A static host (no lab server) with no shards in the build: only the manual ways remain.
  const staticHost = DATASET_IDS.every((id) => onServer[id]?.kind === 'none');
  const nothingAnywhere = cached.length === 0 && staticHost;

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
                  {(onServer[id]?.kind === 'ready' || onServer[id]?.kind === 'on-demand') &&
                    !c?.complete && (
                      <button
                        type="button"
                        disabled={!!operation}
                        onClick={() => download(id)}
                        title={
                          onServer[id]?.kind === 'on-demand'
                            ? `The lab's server downloads the official archive first (${DATASETS[id].url}), checks and imports it`
                            : 'Copy the shards the lab server has into this browser'
                        }
                      >
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
      <DataProgress />
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
      {staticHost && (nothingAnywhere || error) && <HowToGetData />}
      {estimate?.usage !== undefined && estimate.quota !== undefined && (
        <p className="muted storage" data-testid="data-storage">
          This site stores {formatBytes(estimate.usage)};{' '}
          {formatBytes(Math.max(0, estimate.quota - estimate.usage))} more is available to it.{' '}
          {estimate.persisted
            ? 'The browser keeps it (persistent storage).'
            : 'The browser may evict it when disk space runs low.'}
        </p>
      )}
    </>
  );
}

function HowToGetData() {
  return (
    <div className="how-to" data-testid="data-howto">
      <p>
        This copy of the lab is served as plain files, so nothing here can download CIFAR for you
        (the official site sends no CORS headers, so a page cannot fetch it itself). Any of these
        works:
      </p>
      <ul>
        <li>
          Download <code>cifar-10-binary.tar.gz</code> (or <code>cifar-100-binary.tar.gz</code>)
          from <a href="https://www.cs.toronto.edu/~kriz/cifar.html">the CIFAR page</a> and drop it
          on the Data panel above: it is checked and cached in this browser.
        </li>
        <li>
          Run the lab with its own server (<code>npm start</code>, or <code>npm run preview</code>{' '}
          after a build): it fetches the archive when you click Train or Download.
        </li>
        <li>
          Before building, put the shards into the build: <code>npm run data -- fetch cifar10</code>{' '}
          (or <code>import path/to/cifar-10-binary.tar.gz</code>), then <code>npm run build</code>.
        </li>
      </ul>
    </div>
  );
}
