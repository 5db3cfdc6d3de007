// The two datasets and the files of their official "binary version" archives
// (https://www.cs.toronto.edu/~kriz/cifar.html; layouts in ../shared/data/README.md).
// Everything dataset-specific lives here, so the import pipeline stays one generic loop.

export type DatasetId = 'cifar10' | 'cifar100';
export type SplitName = 'train' | 'test';

export const DATASET_IDS: readonly DatasetId[] = ['cifar10', 'cifar100'];

/** Pixel bytes of one 32×32 RGB image, planar: 1024 R, then 1024 G, then 1024 B (row-major). */
export const PIXELS_PER_IMAGE = 3072;
export const IMAGE_SHAPE = [3, 32, 32] as const;

export interface DatasetInfo {
  id: DatasetId;
  title: string;
  /** The official archive's name and address, and its published MD5. */
  archiveName: string;
  url: string;
  md5: string;
  /** The folder every file of the official archive sits in. */
  folder: string;
  /** Label bytes before the pixels of each record: [fine] or [coarse, fine]. */
  labelBytes: 1 | 2;
  recordBytes: number;
  classes: number;
  /** Coarse classes (superclasses); 0 when the dataset has none. */
  coarseClasses: number;
  /** Files with one label name per line. */
  labelNamesFile: string;
  coarseLabelNamesFile?: string;
  /** Commands a user can run, for messages. */
  fetchCommand: string;
}

export const DATASETS: Record<DatasetId, DatasetInfo> = {
  cifar10: {
    id: 'cifar10',
    title: 'CIFAR-10',
    archiveName: 'cifar-10-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    md5: 'c32a1d4ab5d03f1284b67883e8d87530',
    folder: 'cifar-10-batches-bin',
    labelBytes: 1,
    recordBytes: 1 + PIXELS_PER_IMAGE,
    classes: 10,
    coarseClasses: 0,
    labelNamesFile: 'batches.meta.txt',
    fetchCommand: 'npm run data -- fetch cifar10',
  },
  cifar100: {
    id: 'cifar100',
    title: 'CIFAR-100',
    archiveName: 'cifar-100-binary.tar.gz',
    url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
    md5: '03b5dce01913d631647c71ecec9e9cb8',
    folder: 'cifar-100-binary',
    labelBytes: 2,
    recordBytes: 2 + PIXELS_PER_IMAGE,
    classes: 100,
    coarseClasses: 20,
    labelNamesFile: 'fine_label_names.txt',
    coarseLabelNamesFile: 'coarse_label_names.txt',
    fetchCommand: 'npm run data -- fetch cifar100',
  },
};

export function isDatasetId(value: unknown): value is DatasetId {
  return value === 'cifar10' || value === 'cifar100';
}

/** What one tar entry is, judged by its file name alone. */
export type ArchiveFileRole =
  | { kind: 'data'; dataset: DatasetId; split: SplitName; /** sorts train files */ order: number }
  | { kind: 'names'; dataset: DatasetId; coarse: boolean }
  | { kind: 'other' };

/**
 * Classifies an entry by its base name, so that an archive re-packed under another top-level
 * folder still imports. macOS "._" resource-fork twins are ignored.
 */
export function classifyArchiveFile(path: string): ArchiveFileRole {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base.startsWith('._')) return { kind: 'other' };
  const batch = /^data_batch_(\d+)\.bin$/.exec(base);
  if (batch) return { kind: 'data', dataset: 'cifar10', split: 'train', order: Number(batch[1]) };
  switch (base) {
    case 'test_batch.bin':
      return { kind: 'data', dataset: 'cifar10', split: 'test', order: 0 };
    case 'batches.meta.txt':
      return { kind: 'names', dataset: 'cifar10', coarse: false };
    case 'train.bin':
      return { kind: 'data', dataset: 'cifar100', split: 'train', order: 0 };
    case 'test.bin':
      return { kind: 'data', dataset: 'cifar100', split: 'test', order: 0 };
    case 'fine_label_names.txt':
      return { kind: 'names', dataset: 'cifar100', coarse: false };
    case 'coarse_label_names.txt':
      return { kind: 'names', dataset: 'cifar100', coarse: true };
    default:
      return { kind: 'other' };
  }
}

/** The files an archive of this dataset must hold, for messages. */
export function expectedFiles(info: DatasetInfo): string[] {
  const names = [info.labelNamesFile, info.coarseLabelNamesFile].filter(
    (n): n is string => n !== undefined,
  );
  const data =
    info.id === 'cifar10'
      ? ['data_batch_1.bin … data_batch_N.bin', 'test_batch.bin']
      : ['train.bin', 'test.bin'];
  return [...data, ...names].map((f) => `${info.folder}/${f}`);
}

/** One label name per line; blank lines (the official files end with one) are dropped. */
export function parseLabelNames(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
