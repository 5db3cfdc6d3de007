// One progress shape for every long data operation, so one progress bar serves them all.

export interface DataProgress {
  /**
   * import: reading an archive; fetch: the lab's server downloading the official archive (for
   * this page or another); download: fetching shards from the server; load: reading cached
   * shards into memory for training.
   */
  phase: 'import' | 'fetch' | 'download' | 'load';
  /** Bytes done: compressed archive bytes consumed, or shard bytes received or read. */
  loadedBytes: number;
  /** Bytes in all; undefined when unknown (an archive stream of unknown size). */
  totalBytes?: number;
  /** What is being worked on, for a caption: a shard or archive member name. */
  item?: string;
  /** Measured transfer rate and the time left at it, where the producer knows them. */
  bytesPerSecond?: number;
  etaSeconds?: number;
}

export type ProgressCallback = (progress: DataProgress) => void;
