// The datasets as the page sees them: what the browser has cached, what the app's server
// offers (public/data, written by `npm run data`), the storage estimate, and the one data
// operation (download or import) that may be running, with its progress and its outcome.
import { create } from 'zustand';
import {
  DATASET_IDS,
  DataCache,
  ensureDataset,
  importFileToCache,
  type CachedDataset,
  type DataProgress,
  type DatasetId,
  type StorageEstimate,
} from '../data';

const cache = new DataCache();
const dataUrl = `${import.meta.env.BASE_URL}data`;

export interface DataOperation {
  kind: 'download' | 'import' | 'remove';
  dataset?: DatasetId;
  /** The archive's name, for an import. */
  source?: string;
  progress: DataProgress | null;
}

interface DataState {
  dataset: DatasetId;
  cached: CachedDataset[];
  /** Whether /data/<id>/manifest.json exists on this server; undefined until asked. */
  onServer: Partial<Record<DatasetId, boolean>>;
  estimate: StorageEstimate | null;
  operation: DataOperation | null;
  /** The last operation's failure, in words a user can act on. */
  error: string | null;
  /** The last operation's success, e.g. "CIFAR-10 cached: 50,000 + 10,000 images". */
  notice: string | null;
  chooseDataset(dataset: DatasetId): void;
  refresh(): Promise<void>;
  download(dataset: DatasetId): Promise<void>;
  importFile(file: File): Promise<void>;
  remove(dataset: DatasetId): Promise<void>;
}

async function serverHas(dataset: DatasetId): Promise<boolean> {
  try {
    const response = await fetch(`${dataUrl}/${dataset}/manifest.json`, { method: 'HEAD' });
    // Vite answers unknown paths with index.html: only JSON counts.
    return response.ok && (response.headers.get('content-type') ?? '').includes('json');
  } catch {
    return false;
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export const useData = create<DataState>((set, get) => {
  /** Runs one data operation at a time, with progress, then refreshes the cache listing. */
  async function run(
    operation: DataOperation,
    work: (onProgress: (p: DataProgress) => void) => Promise<string>,
  ) {
    if (get().operation) return;
    set({ operation, error: null, notice: null });
    const onProgress = (progress: DataProgress) =>
      set((s) => (s.operation ? { operation: { ...s.operation, progress } } : {}));
    try {
      set({ notice: await work(onProgress) });
    } catch (error) {
      set({ error: message(error) });
    } finally {
      set({ operation: null });
      await get().refresh();
    }
  }

  return {
    dataset: 'cifar10',
    cached: [],
    onServer: {},
    estimate: null,
    operation: null,
    error: null,
    notice: null,
    chooseDataset(dataset) {
      set({ dataset });
    },
    async refresh() {
      const [cached, estimate, ...server] = await Promise.all([
        cache.listCached(),
        cache.storageEstimate(),
        ...DATASET_IDS.map(serverHas),
      ]);
      set({
        cached,
        estimate,
        onServer: Object.fromEntries(DATASET_IDS.map((id, i) => [id, server[i]])),
      });
    },
    download(dataset) {
      return run({ kind: 'download', dataset, progress: null }, async (onProgress) => {
        const manifest = await ensureDataset(dataset, { cache, baseUrl: dataUrl, onProgress });
        return `${manifest.dataset} is cached: ${summary(manifest.splits)}`;
      });
    },
    importFile(file) {
      return run({ kind: 'import', source: file.name, progress: null }, async (onProgress) => {
        const manifest = await importFileToCache(file, { cache, onProgress });
        set({ dataset: manifest.dataset });
        return `Imported ${file.name} as ${manifest.dataset}: ${summary(manifest.splits)}`;
      });
    },
    remove(dataset) {
      return run({ kind: 'remove', dataset, progress: null }, async () => {
        await cache.removeDataset(dataset);
        return `Removed ${dataset} from this browser's cache.`;
      });
    },
  };
});

function summary(splits: { train: { records: number }; test: { records: number } }): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(splits.train.records)} train + ${n(splits.test.records)} test images`;
}
