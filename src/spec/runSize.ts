// How a run's size follows from its train-image limit, shared by the run store (which sends it
// to the worker) and the demos' time estimates.

/** Test (and validation) images a run evaluates per epoch: a fifth of its train limit, at least
 * 500; 0 = the whole split, for a run on all the train images. */
export const testLimitFor = (limitTrain: number) =>
  limitTrain ? Math.max(500, limitTrain / 5) : 0;
