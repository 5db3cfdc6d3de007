// Every failure of the data layer is a DataError: a `code` the UI and the tests can branch on,
// and a message a user can act on (what is wrong, then what to do). Anything else thrown out
// of src/data is a bug.

export type DataErrorCode =
  /** The archive ends inside the gzip stream (an interrupted download or copy). */
  | 'truncated-gzip'
  /** The gzip stream is damaged (a CRC or data error in the middle). */
  | 'corrupt-gzip'
  /** The (decompressed) file is not a tar archive at all. */
  | 'not-tar'
  /** A tar archive that breaks off or is damaged after some good entries. */
  | 'corrupt-tar'
  /** The archive lacks files that the official CIFAR archives hold, or holds unknown ones. */
  | 'missing-files'
  /** A data file is not a whole number of records of the dataset's size. */
  | 'record-size'
  /** A label byte is outside the dataset's classes. */
  | 'label-range'
  /** A label-names file has the wrong number of names. */
  | 'label-names'
  /** A shard's (or a download's) bytes do not match the hash they were published with. */
  | 'checksum'
  /** The browser refused to store more data. */
  | 'quota'
  /** The network failed or the server said no. */
  | 'network'
  /** A manifest.json that is not one this code wrote, or one that a cached dataset lacks. */
  | 'bad-manifest'
  /** A shard the manifest names is not in the cache. */
  | 'missing-shard'
  /** The caller aborted (AbortSignal). */
  | 'aborted'
  /** Reading the source failed (the file changed or vanished while it was read). */
  | 'read';

export class DataError extends Error {
  readonly code: DataErrorCode;

  constructor(code: DataErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DataError';
    this.code = code;
  }
}

export function isDataError(error: unknown, code?: DataErrorCode): error is DataError {
  return error instanceof DataError && (code === undefined || error.code === code);
}

/** The DOMException names browsers use when storage is full (Firefox has its own). */
const QUOTA_ERROR_NAMES = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  // code 22 is the legacy QUOTA_EXCEEDED_ERR; some engines only set that.
  return (typeof name === 'string' && QUOTA_ERROR_NAMES.has(name)) || code === 22;
}

/** Turns an AbortSignal's reason into the DataError every caller expects. */
export function abortedError(signal: AbortSignal): DataError {
  const reason = signal.reason as unknown;
  if (reason instanceof DataError) return reason;
  return new DataError('aborted', 'Cancelled: nothing was changed in the data cache.', {
    cause: reason,
  });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** A number of bytes for messages: "153.7 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit++;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value.toFixed(1)} ${units[unit]}`;
}
