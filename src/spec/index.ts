// The public API of src/spec: plain data and pure functions, no TF.js, no DOM.

export type * from './types';
export { createRng, normal, permutation, type Rng } from './random';
export {
  blockLayers,
  networkRows,
  type Layer,
  type LayerOp,
  type Row,
  type Shape,
  type ShortcutUsed,
} from './layers';
export {
  analyze,
  trainingMemoryBytes,
  type Analysis,
  type RowAnalysis,
  type StageAnalysis,
} from './analyze';
export { validate, validateRecipe, isArchSpec, isRecipe, LIMITS } from './validate';
export {
  PRESETS,
  presetNames,
  presetSpec,
  plainVersion,
  type Preset,
  type PresetGroup,
} from './presets';
export { RECIPES, recipeNames, presetRecipe, type NamedRecipe } from './recipes';
export {
  evaluatedOn,
  imagesShort,
  testImagesOf,
  testLimitFor,
  type EvaluatedImages,
} from './runSize';
export { solveWidth, validCardinalities, repeatedBlockParams, type StageWidth } from './complexity';
export {
  encodeState,
  decodeState,
  closestPreset,
  closestRecipe,
  MAX_FRAGMENT_LENGTH,
  type UrlState,
  type DecodedState,
} from './url';
export {
  cardinalityStudy,
  armLabel,
  STUDY_CARDINALITIES,
  STUDY_DEFAULT_EPOCHS,
  STUDY_DEFAULT_TRAIN_IMAGES,
  STUDY_MEMORY_BUDGET,
  STUDY_REFERENCE,
  studyBatchFor,
  studyLr,
  studyRecipe,
  type Study,
  type StudyArm,
} from './study';
export { familyName, networkName } from './names';
