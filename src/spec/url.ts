// The spec and recipe being edited, carried in the URL fragment so that a link reproduces them.
//
// Format (version 1): base64url(UTF-8(JSON([1, specBase, specPatch, recipeBase, recipePatch,
// limitTrain?]))); the last, the "Train images" limit (first N; 0 or absent = all), is written
// only when set, so links made before it still read.
// A base is a preset or named-recipe name; a patch lists [path, value] pairs, each replacing one
// value of that base ("stages/1/cardinality" → 8, "" → the whole thing). The encoder picks the
// base with the shortest patch, so an untouched preset costs ~45 characters and each edit a few
// more. (Renaming a preset breaks old links to it; keep names stable.)
//
// The fragment is untrusted: decodeState never throws and does bounded work. It caps the
// length, checks the alphabet, UTF-8 and JSON, caps the patch size and path depth, lets a
// patch only replace keys the base already has (never __proto__ / constructor / prototype, no
// array "length"), and then runs validate() and validateRecipe() on the result.

import { describe, isRecord, join } from './checks';
import { PRESETS } from './presets';
import { RECIPES } from './recipes';
import type { ArchSpec, Recipe, SpecIssue } from './types';
import { validate, validateRecipe } from './validate';

export interface UrlState {
  spec: ArchSpec;
  recipe: Recipe;
  /** Train on the first N images (absent or 0: all). */
  limitTrain?: number;
}

/** A train-image limit a link may carry: a whole number up to CIFAR's 50,000. */
const MAX_LIMIT_TRAIN = 50_000;
const isLimitTrain = (v: unknown): v is number =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_LIMIT_TRAIN;

export type DecodedState = ({ ok: true } & UrlState) | { ok: false; issues: SpecIssue[] };

const VERSION = 1;
export const MAX_FRAGMENT_LENGTH = 16 * 1024;
const MAX_PATCH_ENTRIES = 100;
const MAX_PATH_DEPTH = 6;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Patch = [string, unknown][];

const specBases = (): Record<string, unknown> =>
  Object.fromEntries(Object.entries(PRESETS).map(([name, preset]) => [name, preset.spec]));
const recipeBases = (): Record<string, unknown> =>
  Object.fromEntries(Object.entries(RECIPES).map(([name, named]) => [name, named.recipe]));

export function encodeState({ spec, recipe, limitTrain }: UrlState): string {
  const [specBase, specPatch] = closestBase(specBases(), spec);
  const [recipeBase, recipePatch] = closestBase(recipeBases(), recipe);
  const payload = [VERSION, specBase, specPatch, recipeBase, recipePatch];
  if (limitTrain) payload.push(limitTrain);
  return toBase64Url(JSON.stringify(payload));
}

/** Accepts what encodeState returned, with or without a leading "#". */
export function decodeState(fragment: string): DecodedState {
  try {
    return decode(fragment);
  } catch {
    return failure('', 'the link could not be read');
  }
}

/** The named recipe this recipe is closest to, and how many values it changes (0: it is that one). */
export function closestRecipe(recipe: Recipe): { name: string; changes: number } {
  const [name, patch] = closestBase(recipeBases(), recipe);
  return { name, changes: patch.length };
}

/** The preset this spec is closest to (whatever its classes), and how many values it changes. */
export function closestPreset(spec: ArchSpec): { name: string; changes: number } {
  const bases = Object.fromEntries(
    Object.entries(PRESETS).map(([name, preset]) => [
      name,
      { ...preset.spec, classes: spec.classes },
    ]),
  );
  const [name, patch] = closestBase(bases, spec);
  return { name, changes: patch.length };
}

function closestBase(bases: Record<string, unknown>, target: unknown): [string, Patch] {
  let best: [string, Patch] = ['', []];
  let bestLength = Infinity;
  for (const [name, base] of Object.entries(bases)) {
    const patch: Patch = [];
    diff(base, target, '', patch);
    const length = name.length + JSON.stringify(patch).length;
    if (length < bestLength) [best, bestLength] = [[name, patch], length];
  }
  return best;
}

/** Recurses where both sides have the same keys (or list length); replaces everything else. */
function diff(base: unknown, target: unknown, path: string, patch: Patch): void {
  if (sameLayout(base, target)) {
    const [from, to] = [base as Record<string, unknown>, target as Record<string, unknown>];
    for (const key of Object.keys(to)) diff(from[key], to[key], join(path, key), patch);
  } else if (base !== target) {
    patch.push([path, target]);
  }
}

function sameLayout(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length;
  if (!isRecord(a) || !isRecord(b)) return false;
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((key) => Object.hasOwn(a, key));
}

function decode(fragment: string): DecodedState {
  const text =
    typeof fragment === 'string' && fragment.startsWith('#') ? fragment.slice(1) : fragment;
  if (typeof text !== 'string') return failure('', 'the link must be text');
  if (text.length > MAX_FRAGMENT_LENGTH) {
    return failure(
      '',
      `the link is too long (${text.length} characters; at most ${MAX_FRAGMENT_LENGTH})`,
    );
  }
  const json = /^[A-Za-z0-9_-]*$/.test(text) ? fromBase64Url(text) : undefined;
  if (json === undefined) return failure('', 'the link is not valid base64url text');
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch {
    return failure('', 'the link does not hold JSON');
  }
  if (
    !Array.isArray(payload) ||
    (payload.length !== 5 && payload.length !== 6) ||
    payload[0] !== VERSION
  ) {
    return failure('', `the link is not a version-${VERSION} Cardinal state`);
  }
  if (payload.length === 6 && !isLimitTrain(payload[5])) {
    return failure(
      'limitTrain',
      `the link's train-image limit must be a whole number from 0 to ${MAX_LIMIT_TRAIN}`,
    );
  }

  const issues: SpecIssue[] = [];
  const spec = rebuild(specBases(), payload[1], payload[2], 'spec', issues);
  const recipe = rebuild(recipeBases(), payload[3], payload[4], 'recipe', issues);
  if (issues.length > 0) return { ok: false, issues };
  const prefix = (at: string) => (issue: SpecIssue) => ({ ...issue, path: join(at, issue.path) });
  issues.push(
    ...validate(spec).map(prefix('spec')),
    ...validateRecipe(recipe).map(prefix('recipe')),
  );
  if (issues.length > 0) return { ok: false, issues };
  const limit = payload.length === 6 && payload[5] > 0 ? { limitTrain: payload[5] as number } : {};
  return { ok: true, spec: spec as ArchSpec, recipe: recipe as Recipe, ...limit };
}

/** A copy of the named base with the patch applied; undefined (and an issue) if either is bad. */
function rebuild(
  bases: Record<string, unknown>,
  name: unknown,
  patch: unknown,
  what: string,
  issues: SpecIssue[],
): unknown {
  if (typeof name !== 'string' || !Object.hasOwn(bases, name)) {
    const kind = what === 'spec' ? 'preset' : 'recipe';
    issues.push({
      path: what,
      message: `the link starts from an unknown ${kind} ${describe(name)}`,
    });
    return undefined;
  }
  if (!Array.isArray(patch) || patch.length > MAX_PATCH_ENTRIES) {
    const message = `the link's ${what} changes must be a list of at most ${MAX_PATCH_ENTRIES}`;
    issues.push({ path: what, message });
    return undefined;
  }
  let value = structuredClone(bases[name]);
  for (const entry of patch) {
    const path = Array.isArray(entry) && entry.length === 2 ? entry[0] : undefined;
    const keys = typeof path === 'string' && path !== '' ? path.split('/') : [];
    if (typeof path !== 'string' || keys.length > MAX_PATH_DEPTH) {
      issues.push({ path: what, message: `the link holds a malformed ${what} change` });
      return undefined;
    }
    if (keys.length === 0) {
      value = entry[1];
      continue;
    }
    let parent: unknown = value;
    for (const [i, key] of keys.entries()) {
      if (!hasSlot(parent, key)) {
        const message = `the link changes ${describe(path)}, which the ${what} does not have`;
        issues.push({ path: what, message });
        return undefined;
      }
      if (i === keys.length - 1) parent[key] = entry[1];
      else parent = parent[key];
    }
  }
  return value;
}

/** An existing key of an object, or an existing index of a list, that may be replaced. */
function hasSlot(parent: unknown, key: string): parent is Record<string, unknown> {
  if (FORBIDDEN_KEYS.has(key)) return false;
  if (Array.isArray(parent))
    return /^(0|[1-9][0-9]{0,5})$/.test(key) && Number(key) < parent.length;
  return isRecord(parent) && Object.hasOwn(parent, key);
}

function failure(path: string, message: string): DecodedState {
  return { ok: false, issues: [{ path, message }] };
}

function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string | undefined {
  if (text.length % 4 === 1) return undefined; // no base64 text has this length
  const base64 =
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined; // atob's error for bad padding, or bytes that are not UTF-8
  }
}
