// Official CIFAR records → shards of the planar layout (see SHARD_LAYOUT in manifest.ts),
// with the checks that belong to single records (size, label range) and the train split's
// pixel statistics, counted on the way so no second pass over the data is needed.

import type { ArchiveEntry } from './archive';
import { DATASETS, PIXELS_PER_IMAGE, type DatasetInfo } from './cifar';
import { DataError } from './errors';

export interface BuiltShard {
  records: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Cuts one data file into shards of the planar layout (see SHARD_LAYOUT), checking record
 * size and label ranges on the way. Records may straddle stream chunks; `carry` joins them.
 */
export async function readRecords(
  entry: ArchiveEntry,
  info: DatasetInfo,
  fileName: string,
  recordsPerShard: number,
  histogram: Float64Array | undefined,
  yieldIfBusy: () => Promise<void>,
  emit: (shard: BuiltShard) => Promise<void>,
): Promise<void> {
  const recordBytes = info.recordBytes;
  if (entry.size === 0 || entry.size % recordBytes !== 0) {
    const other = info.id === 'cifar10' ? DATASETS.cifar100 : DATASETS.cifar10;
    throw new DataError(
      'record-size',
      `${entry.name} in ${fileName} is ${entry.size} bytes, not a whole number of ` +
        `${info.title} records (${recordBytes} bytes each)` +
        (entry.size > 0 && entry.size % other.recordBytes === 0
          ? ` — it looks like ${other.title} data under a ${info.title} name`
          : '') +
        '. The archive is damaged or not an official one: download it again.',
    );
  }
  let remaining = entry.size / recordBytes;
  const labelPlanes = info.labelBytes;
  let capacity = 0;
  let shard = new Uint8Array(0);
  let filled = 0;
  let recordNumber = 0;
  const startShard = () => {
    capacity = Math.min(remaining, recordsPerShard);
    shard = new Uint8Array(capacity * (PIXELS_PER_IMAGE + labelPlanes));
    filled = 0;
  };
  const labelError = (label: number, classes: number, what: string) =>
    new DataError(
      'label-range',
      `Record ${recordNumber} of ${entry.name} in ${fileName} has ${what} ${label}, but ` +
        `${info.title} has ${classes} (0–${classes - 1}). The archive is damaged or not an ` +
        'official one: download it again.',
    );
  // Writes one record into the current shard; true when the shard is full.
  const addRecord = (bytes: Uint8Array, offset: number): boolean => {
    const fine = bytes[offset + labelPlanes - 1];
    if (fine >= info.classes) throw labelError(fine, info.classes, 'label');
    shard[capacity * PIXELS_PER_IMAGE + filled] = fine;
    if (labelPlanes === 2) {
      const coarse = bytes[offset];
      if (coarse >= info.coarseClasses)
        throw labelError(coarse, info.coarseClasses, 'coarse label');
      shard[capacity * (PIXELS_PER_IMAGE + 1) + filled] = coarse;
    }
    shard.set(
      bytes.subarray(offset + labelPlanes, offset + recordBytes),
      filled * PIXELS_PER_IMAGE,
    );
    // Counted here, record by record, rather than per finished shard: a 30 MB pass in one go
    // would block the page for a few hundred milliseconds.
    if (histogram) countPixels(histogram, bytes, offset + labelPlanes);
    filled++;
    recordNumber++;
    return filled === capacity;
  };
  const flush = async () => {
    remaining -= filled;
    await emit({ records: filled, bytes: shard });
    if (remaining > 0) startShard();
  };

  startShard();
  const carry = new Uint8Array(recordBytes);
  let carried = 0;
  const reader = entry.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let offset = 0;
    if (carried > 0) {
      const take = Math.min(recordBytes - carried, value.length);
      carry.set(value.subarray(0, take), carried);
      carried += take;
      offset = take;
      if (carried < recordBytes) continue;
      if (addRecord(carry, 0)) await flush(); // `carried` is reset below
    }
    for (; offset + recordBytes <= value.length; offset += recordBytes) {
      if (addRecord(value, offset)) await flush();
    }
    carry.set(value.subarray(offset), 0);
    carried = value.length - offset;
    await yieldIfBusy();
  }
  // The tar decoder errors out on a short body, so a whole number of records arrived.
}

/** Counts one image's pixel values per channel: exact, and cheaper than sums of squares. */
function countPixels(histogram: Float64Array, bytes: Uint8Array, start: number): void {
  for (let c = 0; c < 3; c++) {
    const from = start + c * 1024;
    const offset = c * 256;
    for (let i = from; i < from + 1024; i++) histogram[offset + bytes[i]]++;
  }
}

/** Mean and population std per channel, in units of /255 (as torchvision's ToTensor). */
export function channelStats(histogram: Float64Array): {
  mean: [number, number, number];
  std: [number, number, number];
} {
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  for (let c = 0; c < 3; c++) {
    let count = 0;
    let sum = 0;
    let sumSquares = 0;
    for (let v = 0; v < 256; v++) {
      const n = histogram[c * 256 + v];
      count += n;
      sum += n * v;
      sumSquares += n * v * v;
    }
    const m = count > 0 ? sum / count : 0;
    mean[c] = m / 255;
    std[c] = count > 0 ? Math.sqrt(Math.max(0, sumSquares / count - m * m)) / 255 : 0;
  }
  return { mean, std };
}
