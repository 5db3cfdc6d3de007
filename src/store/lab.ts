// The experiment being edited: the architecture spec and the recipe. Both live in the URL
// fragment (TF-Playground style), so copying the address shares the exact experiment; a
// malformed or hostile fragment leaves the defaults in place and lists what was wrong.
import { create } from 'zustand';
import {
  decodeState,
  encodeState,
  PRESETS,
  presetRecipe,
  presetSpec,
  validate,
  type ArchSpec,
  type Recipe,
  type SpecIssue,
} from '../spec';

export const DEFAULT_PRESET = 'resnet20';
export const DEFAULT_RECIPE = 'step-160';

interface LabState {
  spec: ArchSpec;
  recipe: Recipe;
  /** Problems with the spec as edited; Train stays disabled while there are any. */
  specIssues: SpecIssue[];
  /** Why the link the page was opened with could not be used (empty when it could). */
  linkIssues: SpecIssue[];
  choosePreset(name: string): void;
  setSpec(spec: ArchSpec): void;
  setRecipe(recipe: Recipe): void;
  dismissLinkIssues(): void;
}

function fromLocation(): Pick<LabState, 'spec' | 'recipe' | 'linkIssues'> {
  const defaults = { spec: presetSpec(DEFAULT_PRESET)!, recipe: presetRecipe(DEFAULT_RECIPE)! };
  const hash = globalThis.location?.hash ?? '';
  if (hash.length <= 1) return { ...defaults, linkIssues: [] };
  const decoded = decodeState(hash);
  if (!decoded.ok) return { ...defaults, linkIssues: decoded.issues };
  return { spec: decoded.spec, recipe: decoded.recipe, linkIssues: [] };
}

const initial = fromLocation();

export const useLab = create<LabState>((set) => ({
  ...initial,
  specIssues: validate(initial.spec),
  choosePreset(name) {
    const spec = presetSpec(name);
    if (spec) set({ spec, specIssues: validate(spec) });
  },
  setSpec(spec) {
    set({ spec, specIssues: validate(spec) });
  },
  setRecipe(recipe) {
    set({ recipe });
  },
  dismissLinkIssues() {
    set({ linkIssues: [] });
  },
}));

/** The preset whose spec equals `spec` exactly, if any (the picker shows "custom" otherwise). */
export function matchingPreset(spec: ArchSpec): string | null {
  const json = JSON.stringify(spec);
  for (const [name, preset] of Object.entries(PRESETS)) {
    if (JSON.stringify(preset.spec) === json) return name;
  }
  return null;
}

// Keep the fragment in step with the state; replaceState, so editing does not flood history.
function writeFragment({ spec, recipe, specIssues }: LabState): void {
  if (specIssues.length > 0) return; // an invalid spec is not worth sharing
  globalThis.history?.replaceState(null, '', `#${encodeState({ spec, recipe })}`);
}
useLab.subscribe((state, previous) => {
  if (state.spec !== previous.spec || state.recipe !== previous.recipe) writeFragment(state);
});
if (initial.linkIssues.length === 0) writeFragment(useLab.getState());
