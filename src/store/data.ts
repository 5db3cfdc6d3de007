// The datasets as the page sees them: what the browser has cached, what the lab's server offers
// (shards it has, or a fetch of the official archive on demand), the storage estimate, and the
// one data operation (download or import) that may be running, with its progress, a Cancel and
// its outcome. `ensure` is the one-click path: Train, the study and the demos call it first.
import { create } from 'zustand';
import {
  DATASET_IDS,
  DATASETS,
  DataCache,
  ensureDataset,
  type CachedDataset,
  type DataProgress,
  type DatasetId,
  type StorageEstimate,
} from '../data';
import { askServer, statusUrl, type ServerOffer } from '../data/serverFetch';
import { importInWorker } from '../worker/dataClient';

const cache = new DataCache();
const appBase = import.meta.env.BASE_URL;
const dataUrl = `${appBase}data`;

export interface DataOperation {
  kind: 'download' | 'import' | 'remove';
  dataset?: DatasetId;
  /** The archive's name, for an import. */
  source?: string;
  progress: DataProgress | null;
}

/** Whether a dataset can be used: cached, or the server can supply it with one click. */
export type Availability = 'cached' | 'server' | 'missing';

/** How `ensure` ended. */
export type EnsureResult = { ok: true } | { ok: false; cancelled: boolean; message: string };

interface DataState {
  dataset: DatasetId;
  cached: CachedDataset[];
  /** What the lab's server offers per dataset; undefined until asked. */
  onServer: Partial<Record<DatasetId, ServerOffer>>;
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
  /** Stops the download or import under way; the cache stays as it was. */
  cancel(): void;
  /** Resolves once `dataset` is cached: at once if it is, else after a download (or the one under way). */
  ensure(dataset: DatasetId): Promise<EnsureResult>;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isAbort = (error: unknown) => (error as { code?: string })?.code === 'aborted';

export function availability(
  state: Pick<DataState, 'cached' | 'onServer'>,
  dataset: DatasetId,
): Availability {
  if (state.cached.some((c) => c.dataset === dataset && c.complete)) return 'cached';
  const offer = state.onServer[dataset]?.kind;
  return offer === 'ready' || offer === 'on-demand' ? 'server' : 'missing';
}

/** The running operation's AbortController (not state: nothing renders from it). */
let controller: AbortController | null = null;

export const useData = create<DataState>((set, get) => {
  /** Runs one data operation at a time, with progress, then refreshes the cache listing. */
  async function run(
    operation: DataOperation,
    work: (onProgress: (p: DataProgress) => void, signal: AbortSignal) => Promise<string>,
  ) {
    if (get().operation) return;
    controller = new AbortController();
    set({ operation, error: null, notice: null });
    const onProgress = (progress: DataProgress) =>
      set((s) => (s.operation ? { operation: { ...s.operation, progress } } : {}));
    try {
      set({ notice: await work(onProgress, controller.signal) });
      // The first dataset in: ask the browser not to evict the cache under storage pressure.
      if (operation.kind !== 'remove') await cache.requestPersistence().catch(() => false);
    } catch (error) {
      set({ error: message(error) });
    } finally {
      controller = null;
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
        ...DATASET_IDS.map((id) => askServer(appBase, id)),
      ]);
      set({
        cached,
        estimate,
        onServer: Object.fromEntries(DATASET_IDS.map((id, i) => [id, server[i]])),
      });
    },
    download(dataset) {
      return run({ kind: 'download', dataset, progress: null }, (onProgress, signal) =>
        fetchDataset(dataset, onProgress, signal),
      );
    },
    importFile(file) {
      return run(
        { kind: 'import', source: file.name, progress: null },
        async (onProgress, signal) => {
          // In a worker of its own: the page stays smooth while 170 MB are checked and stored.
          const manifest = await importInWorker(file, onProgress, signal);
          set({ dataset: manifest.dataset });
          return `Imported ${file.name} as ${manifest.dataset}: ${summary(manifest.splits)}`;
        },
      );
    },
    remove(dataset) {
      return run({ kind: 'remove', dataset, progress: null }, async () => {
        await cache.removeDataset(dataset);
        return `Removed ${dataset} from this browser's cache.`;
      });
    },
    cancel() {
      controller?.abort();
    },
    async ensure(dataset) {
      if (get().onServer[dataset] === undefined) await get().refresh();
      for (;;) {
        if (availability(get(), dataset) === 'cached') return { ok: true };
        const busy = get().operation;
        if (!busy) break;
        // Another operation (this dataset's download, an import) first; then look again.
        await new Promise<void>((resolve) => {
          const unsubscribe = useData.subscribe((s) => {
            if (s.operation === null) {
              unsubscribe();
              resolve();
            }
          });
        });
        await get().refresh();
      }
      let failure: string | null = null;
      let cancelled = false;
      await run({ kind: 'download', dataset, progress: null }, (onProgress, signal) =>
        fetchDataset(dataset, onProgress, signal).catch((error: unknown) => {
          cancelled = isAbort(error);
          failure = message(error);
          throw error;
        }),
      );
      if (availability(get(), dataset) === 'cached') return { ok: true };
      return {
        ok: false,
        cancelled,
        message: failure ?? `${DATASETS[dataset].title} is not cached.`,
      };
    },
  };
});

/** From the lab's server into the cache (the server may first fetch the archive itself). */
async function fetchDataset(
  dataset: DatasetId,
  onProgress: (p: DataProgress) => void,
  signal: AbortSignal,
): Promise<string> {
  const manifest = await ensureDataset(dataset, {
    cache,
    baseUrl: dataUrl,
    onProgress,
    signal,
    serverStatusUrl: statusUrl(appBase, dataset),
  });
  return `${DATASETS[manifest.dataset].title} is cached: ${summary(manifest.splits)}`;
}

function summary(splits: { train: { records: number }; test: { records: number } }): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(splits.train.records)} train + ${n(splits.test.records)} test images`;
}
