// The experiment being edited: the architecture spec, the recipe and the train-image limit. They
// live in the URL
// fragment (TF-Playground style), so copying the address shares the exact experiment; a
// malformed or hostile fragment leaves the defaults in place and lists what was wrong.
import { create } from 'zustand';
import {
  decodeState,
  encodeState,
  LIMITS,
  PRESETS,
  presetRecipe,
  presetSpec,
  solveWidth,
  validate,
  type ArchSpec,
  type Recipe,
  type SpecIssue,
} from '../spec';
import { DATASETS, type DatasetId } from '../data/cifar';
import { useData } from './data';

export const DEFAULT_PRESET = 'resnet20';
export const DEFAULT_RECIPE = 'step-160';

interface LabState {
  spec: ArchSpec;
  recipe: Recipe;
  /** Train on the first N images only (0 = all): quick runs on slow backends. In the URL too. */
  limitTrain: number;
  setLimitTrain(n: number): void;
  /** Problems with the spec as edited; Train stays disabled while there are any. */
  specIssues: SpecIssue[];
  /** Why the link the page was opened with could not be used (empty when it could). */
  linkIssues: SpecIssue[];
  /** The stage the builder's inspector edits: always an index into spec.stages. */
  selectedStage: number;
  /**
   * "Keep complexity fixed": the cardinality slider re-solves the stage's bottleneck width with
   * solveWidth() against complexityReference instead of keeping the width.
   */
  keepComplexity: boolean;
  /**
   * The spec the fixed-complexity solver matches, or null while keepComplexity is off. It is
   * the spec as it stood when the switch was turned on, and it follows every later edit except
   * the cardinality slider's own (a preset, the blocks, a width…): so sliding C back and forth
   * never drifts, always returns to the same widths, and an edit made on purpose becomes the
   * new reference. We do not use the C = 1 version of the stage as the reference: for a
   * ResNeXt preset (e.g. 8×64d) its dense 512-wide template is a much bigger network, so the
   * first move of the slider would jump far away from the network on screen.
   */
  complexityReference: ArchSpec | null;
  choosePreset(name: string): void;
  setSpec(spec: ArchSpec): void;
  selectStage(index: number): void;
  setKeepComplexity(on: boolean): void;
  /** The cardinality slider: C for one stage, with the width re-solved when keepComplexity. */
  setCardinality(stageIndex: number, cardinality: number): void;
  setRecipe(recipe: Recipe): void;
  dismissLinkIssues(): void;
}

function fromLocation(): Pick<LabState, 'spec' | 'recipe' | 'limitTrain' | 'linkIssues'> {
  const defaults = {
    spec: presetSpec(DEFAULT_PRESET)!,
    recipe: presetRecipe(DEFAULT_RECIPE)!,
    limitTrain: 0,
  };
  const hash = globalThis.location?.hash ?? '';
  if (hash.length <= 1) return { ...defaults, linkIssues: [] };
  const decoded = decodeState(hash);
  if (!decoded.ok) return { ...defaults, linkIssues: decoded.issues };
  const { spec, recipe, limitTrain = 0 } = decoded;
  return { spec, recipe, limitTrain, linkIssues: [] };
}

const initial = fromLocation();

// The output layer follows the dataset (10 classes for CIFAR-10, 100 for CIFAR-100): a link to
// a 100-class network opens with CIFAR-100 chosen, and choosing a dataset resizes the fc layer.
const datasetFor = (classes: number): DatasetId | undefined =>
  (Object.keys(DATASETS) as DatasetId[]).find((id) => DATASETS[id].classes === classes);
const linkedDataset = datasetFor(initial.spec.classes);
if (linkedDataset) useData.setState({ dataset: linkedDataset });

function withDatasetClasses(spec: ArchSpec): ArchSpec {
  const classes = DATASETS[useData.getState().dataset].classes;
  return spec.classes === classes ? spec : { ...spec, classes };
}

/** The state after an edit: issues re-validated, the selection kept inside the stages. */
function edited(state: LabState, spec: ArchSpec, isReference = true): Partial<LabState> {
  const last = Math.max(0, spec.stages.length - 1);
  return {
    spec,
    specIssues: validate(spec),
    selectedStage: Math.min(state.selectedStage, last),
    complexityReference: state.keepComplexity && isReference ? spec : state.complexityReference,
  };
}

export const useLab = create<LabState>((set, get) => ({
  ...initial,
  specIssues: validate(initial.spec),
  selectedStage: 0,
  keepComplexity: false,
  complexityReference: null,
  choosePreset(name) {
    const spec = presetSpec(name);
    if (spec) set((state) => edited(state, withDatasetClasses(spec)));
  },
  setSpec(spec) {
    set((state) => edited(state, spec));
  },
  selectStage(index) {
    const { spec } = get();
    if (Number.isInteger(index) && index >= 0 && index < spec.stages.length) {
      set({ selectedStage: index });
    }
  },
  setKeepComplexity(on) {
    set((state) => ({ keepComplexity: on, complexityReference: on ? state.spec : null }));
  },
  setCardinality(stageIndex, cardinality) {
    const state = get();
    const stage = state.spec.stages[stageIndex];
    if (!stage) return;
    let next = { ...stage, cardinality };
    const reference = state.complexityReference?.stages[stageIndex];
    const solvable =
      Number.isInteger(cardinality) && cardinality >= 1 && cardinality <= LIMITS.channels;
    if (
      solvable &&
      state.keepComplexity &&
      reference?.block === 'bottleneck' &&
      stage.block === 'bottleneck'
    ) {
      // Solve this stage alone: its repeated block's count depends only on the stage itself
      // (and the spec's convBias), and other stages keep the cardinality the user gave them.
      const template = { ...state.complexityReference!, stages: [reference] };
      const [solved] = solveWidth(template, cardinality).spec.stages;
      next = { ...next, bottleneckWidth: solved.bottleneckWidth };
    }
    const stages = state.spec.stages.map((s, i) => (i === stageIndex ? next : s));
    set(edited(state, { ...state.spec, stages }, false));
  },
  setRecipe(recipe) {
    set({ recipe });
  },
  setLimitTrain(limitTrain) {
    set({ limitTrain });
  },
  dismissLinkIssues() {
    set({ linkIssues: [] });
  },
}));

/** The preset whose spec equals `spec` exactly, if any (the picker shows "custom" otherwise). */
/** The preset this spec is, whatever its number of classes (that follows the dataset). */
export function matchingPreset(spec: ArchSpec): string | null {
  const json = JSON.stringify(spec);
  for (const [name, preset] of Object.entries(PRESETS)) {
    if (JSON.stringify({ ...preset.spec, classes: spec.classes }) === json) return name;
  }
  return null;
}

useData.subscribe((state, previous) => {
  if (state.dataset === previous.dataset) return;
  const lab = useLab.getState();
  const spec = withDatasetClasses(lab.spec);
  if (spec !== lab.spec) lab.setSpec(spec);
});

// Keep the fragment in step with the state; replaceState, so editing does not flood history.
function writeFragment({ spec, recipe, limitTrain, specIssues }: LabState): void {
  if (specIssues.length > 0) return; // an invalid spec is not worth sharing
  globalThis.history?.replaceState(null, '', `#${encodeState({ spec, recipe, limitTrain })}`);
}
useLab.subscribe((state, previous) => {
  if (
    state.spec !== previous.spec ||
    state.recipe !== previous.recipe ||
    state.limitTrain !== previous.limitTrain
  ) {
    writeFragment(state);
  }
});
if (initial.linkIssues.length === 0) writeFragment(useLab.getState());
