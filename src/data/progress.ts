// One progress shape for every long data operation, so one progress bar serves them all.

export interface DataProgress {
  /**
   * import: reading an archive; download: fetching shards from the server; load: reading
   * cached shards into memory for training.
   */
  phase: 'import' | 'download' | 'load';
  /** Bytes done: compressed archive bytes consumed, or shard bytes received or read. */
  loadedBytes: number;
  /** Bytes in all; undefined when unknown (an archive stream of unknown size). */
  totalBytes?: number;
  /** What is being worked on, for a caption: a shard or archive member name. */
  item?: string;
}

export type ProgressCallback = (progress: DataProgress) => void;
