// How a run's size follows from its train-image limit, shared by the run store (which sends it
// to the worker) and the demos' time estimates.

/** Test (and validation) images a run evaluates per epoch: a fifth of its train limit, at least
 * 500; 0 = the whole split, for a run on all the train images. */
export const testLimitFor = (limitTrain: number) =>
  limitTrain ? Math.max(500, limitTrain / 5) : 0;

/** Which test (or validation) images an accuracy was measured on. */
export interface EvaluatedImages {
  /** Images evaluated: the first `images` of the split. */
  images: number;
  /** The split's size. */
  of: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/** "all 10,000" or "first 1,000" (of 10,000): for table cells beside an accuracy. */
export const imagesShort = ({ images, of }: EvaluatedImages) =>
  images >= of ? `all ${count(of)}` : `first ${count(images)}`;

/** "on all 10,000 test images" or "on the first 1,000 of 10,000 test images". */
export const evaluatedOn = ({ images, of }: EvaluatedImages, split = 'test') =>
  images >= of
    ? `on all ${count(of)} ${split} images`
    : `on the first ${count(images)} of ${count(of)} ${split} images`;

/**
 * The images behind an epoch's test figures: what the worker recorded, or for a record from
 * before it did, what the run's test limit implies.
 */
export function testImagesOf(
  metrics: { testImages?: number; testSplitImages?: number },
  limitTest: number,
): EvaluatedImages {
  if (metrics.testImages !== undefined && metrics.testSplitImages !== undefined) {
    return { images: metrics.testImages, of: metrics.testSplitImages };
  }
  // Records written before the counts were kept: CIFAR's test splits have 10,000 images.
  const of = 10_000;
  return { images: limitTest > 0 ? Math.min(limitTest, of) : of, of };
}
