// The data worker's messages (data.worker.ts ⇄ dataClient.ts): an import of a user's archive.
import type { DataErrorCode } from '../data/errors';
import type { Manifest } from '../data/manifest';
import type { DataProgress } from '../data/progress';

export type DataWorkerRequest = { type: 'import'; file: File } | { type: 'cancel' };

export type DataWorkerEvent =
  | { type: 'progress'; progress: DataProgress }
  | { type: 'imported'; manifest: Manifest }
  /** code: the DataError's code; null for anything else (a bug). Nothing was kept. */
  | { type: 'failed'; code: DataErrorCode | null; message: string };
