// Reads a .tar.gz (or plain .tar) byte stream into tar entries, in the browser and in Node
// alike: gzip through the platform's DecompressionStream, tar through modern-tar's streaming
// decoder. Nothing is buffered beyond the streams' own queues, so a 170 MB archive costs a few
// MB here. Three loops run side by side — feed (source → gunzip), pump (gunzip → tar) and
// consume (tar entries → caller) — so that each failure can be told apart: a read error of
// the gunzip output is a gzip problem, a write error into the tar decoder a tar problem.

import { createTarDecoder, type ParsedTarEntry } from 'modern-tar';
import { DataError, abortedError, throwIfAborted } from './errors';
import type { ProgressCallback } from './progress';
import { Sha256 } from './sha256';

export interface ArchiveEntry {
  /** Path inside the archive, e.g. "cifar-10-batches-bin/data_batch_1.bin". */
  name: string;
  size: number;
  /** Read it to the end, or leave it alone: readArchive skips what is left unread. */
  body: ReadableStream<Uint8Array>;
}

export interface ReadArchiveOptions {
  /** Name for messages, e.g. the dropped file's name. */
  fileName: string;
  /** The source's size when known; progress counts compressed bytes consumed against it. */
  totalBytes?: number;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  onEntry: (entry: ArchiveEntry) => Promise<void>;
}

export interface ArchiveSummary {
  bytes: number;
  /** SHA-256 of the source bytes, as they came. */
  sha256: string;
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function readArchive(
  source: ReadableStream<Uint8Array>,
  options: ReadArchiveOptions,
): Promise<ArchiveSummary> {
  const { fileName, signal } = options;
  throwIfAborted(signal);
  const sourceReader = source.getReader();
  const hasher = new Sha256();
  let loadedBytes = 0;
  let lastEntry = '';
  const progress = () =>
    options.onProgress?.({
      phase: 'import',
      loadedBytes,
      totalBytes: options.totalBytes,
      item: lastEntry || undefined,
    });

  // Sniff the first bytes: gzip goes through DecompressionStream, anything else is handed to
  // the tar decoder as is (a plain .tar imports too; a random file fails there as 'not-tar').
  const first = await readSource(sourceReader, fileName);
  if (first === undefined) {
    throw new DataError('not-tar', `${fileName} is empty. Choose the official .tar.gz archive.`);
  }
  const gzipped = first[0] === GZIP_MAGIC[0] && (first.length < 2 || first[1] === GZIP_MAGIC[1]);
  const gunzip: TransformStream<Uint8Array, Uint8Array> = gzipped
    ? (new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)
    : new TransformStream<Uint8Array, Uint8Array>();
  const tar = createTarDecoder({ strict: true });
  const gzipWriter = gunzip.writable.getWriter();
  const gzipReader = gunzip.readable.getReader();
  const tarWriter = tar.writable.getWriter();
  const tarReader = tar.readable.getReader();

  let failure: DataError | undefined;
  let sourceEnded = false;
  let entriesSeen = 0;
  const fail = (error: DataError): DataError => {
    if (failure) return failure;
    failure = error;
    // Stop every loop; their own rejections that follow are ignored in favour of `failure`.
    for (const stop of [
      () => sourceReader.cancel(error),
      () => gzipWriter.abort(error),
      () => gzipReader.cancel(error),
      () => tarWriter.abort(error),
      () => tarReader.cancel(error),
    ]) {
      stop().catch(() => {});
    }
    return error;
  };
  const onAbort = () => fail(abortedError(signal!));
  signal?.addEventListener('abort', onAbort);

  const gzipError = (cause: unknown) => {
    if (!gzipped) return tarError(cause);
    // A stream that stops short fails only at its end; a checksum or data error can also fail
    // there, so the platform's message (Node: "unexpected end of file", Chromium: "…was
    // truncated") breaks the tie.
    const damaged = /incorrect|invalid|check|crc|junk/i.test(String(cause));
    return sourceEnded && !damaged
      ? new DataError(
          'truncated-gzip',
          `${fileName} ends early: the gzip stream is cut off after ${loadedBytes} bytes, ` +
            'so the download or copy was interrupted. Download the archive again and import it anew.',
          { cause },
        )
      : new DataError(
          'corrupt-gzip',
          `${fileName} is damaged: its gzip data is corrupt after ${loadedBytes} bytes. ` +
            'Download the archive again and import it anew.',
          { cause },
        );
  };
  const tarError = (cause: unknown) =>
    entriesSeen === 0
      ? new DataError(
          'not-tar',
          `${fileName} is not a ${gzipped ? 'gzip-compressed ' : ''}tar archive. Choose the ` +
            'official "binary version" archive (cifar-10-binary.tar.gz or cifar-100-binary.tar.gz).',
          { cause },
        )
      : new DataError(
          'corrupt-tar',
          `The tar archive inside ${fileName} is damaged or cut off after "${lastEntry}". ` +
            'Download the archive again and import it anew.',
          { cause },
        );

  const feed = async () => {
    let chunk: Uint8Array | undefined = first;
    while (chunk !== undefined) {
      hasher.update(chunk);
      loadedBytes += chunk.length;
      progress();
      try {
        await gzipWriter.write(chunk);
      } catch (cause) {
        throw gzipError(cause);
      }
      chunk = await readSource(sourceReader, fileName);
    }
    sourceEnded = true;
    try {
      await gzipWriter.close();
    } catch (cause) {
      throw gzipError(cause);
    }
  };

  const pump = async () => {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await gzipReader.read();
      } catch (cause) {
        throw gzipError(cause);
      }
      try {
        if (result.done) return await tarWriter.close();
        await tarWriter.write(result.value);
      } catch (cause) {
        throw tarError(cause);
      }
    }
  };

  const consume = async () => {
    for (;;) {
      let result: ReadableStreamReadResult<ParsedTarEntry>;
      try {
        result = await tarReader.read();
      } catch (cause) {
        throw tarError(cause);
      }
      if (result.done) return;
      const { header, body } = result.value;
      entriesSeen++;
      lastEntry = header.name;
      if (header.type === 'file') {
        await options.onEntry({ name: header.name, size: header.size, body });
      }
      // Whatever the caller left unread is read off, or the decoder would stall. Not
      // body.cancel(): in modern-tar 0.8.6, cancelling a body whose bytes are all queued
      // detaches the *next* entry's body, and the import hangs (seen on the real CIFAR-10
      // archive, whose readme.html sits between two data files).
      if (!body.locked) await body.pipeTo(new WritableStream());
    }
  };

  const loops = [feed, pump, consume].map((loop) =>
    loop().catch((error: unknown) => {
      throw fail(
        error instanceof DataError
          ? error
          : new DataError('read', `Reading ${fileName} failed: ${String(error)}`, { cause: error }),
      );
    }),
  );
  const results = await Promise.allSettled(loops);
  signal?.removeEventListener('abort', onAbort);
  if (failure) throw failure;
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw rejected.reason;
  return { bytes: loadedBytes, sha256: hasher.digestHex() };
}

async function readSource(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  fileName: string,
): Promise<Uint8Array | undefined> {
  try {
    const { done, value } = await reader.read();
    return done ? undefined : value;
  } catch (cause) {
    if (cause instanceof DataError) throw cause;
    throw new DataError(
      'read',
      `Reading ${fileName} failed (${String(cause)}). If the file was moved or changed while it ` +
        'was read, choose it again.',
      { cause },
    );
  }
}

/**
 * Lets the page paint between chunks of CPU-bound work. The import runs on the main thread
 * when the page calls it directly; in a worker this costs next to nothing.
 */
export function createYielder(budgetMs = 40): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < budgetMs) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}
