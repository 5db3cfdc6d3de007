// Small readers for untrusted JSON (a spec or recipe from a URL or a file). Each reports what
// is wrong as a SpecIssue instead of throwing, and never walks into a value it does not
// expect, so hostile input (deep nesting, huge strings, __proto__ keys) costs nothing extra.

import type { SpecIssue } from './types';

/** The ranges validate() and validateRecipe() accept. */
export const LIMITS = {
  channels: 4096,
  blocks: 200,
  stages: 6,
  classes: 1000,
  epochs: 10_000,
  batchSize: 8192,
  milestones: 100,
} as const;

export type Fields = Record<string, unknown>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of any value for a message, without printing (or walking) all of it. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : `a value of type ${typeof value}`;
}

export const join = (path: string, key: string | number) => (path ? `${path}/${key}` : `${key}`);

/**
 * Reads an object with a fixed set of fields: reports a non-object and every unknown field
 * (which also keeps keys like __proto__ out of every spec that passes). Missing fields are left
 * to the checks of each field, which say "is missing". Returns the object when it is one.
 */
export function readObject(
  value: unknown,
  path: string,
  label: string,
  fields: readonly string[],
  issues: SpecIssue[],
): Fields | undefined {
  if (!isRecord(value)) {
    fail(value, path, label, 'an object', issues);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) {
      issues.push({
        path: join(path, key),
        message: `${label} has an unknown field ${describe(key)}`,
      });
    }
  }
  return value;
}

/** Reports a value that is not what it must be (or is missing altogether). */
export function fail(
  value: unknown,
  path: string,
  label: string,
  expected: string,
  issues: SpecIssue[],
): false {
  const message =
    value === undefined
      ? `${label} is missing (it must be ${expected})`
      : `${label} must be ${expected}, got ${describe(value)}`;
  issues.push({ path, message });
  return false;
}

export function checkInteger(
  value: unknown,
  path: string,
  label: string,
  min: number,
  max: number,
  issues: SpecIssue[],
): value is number {
  if (Number.isInteger(value) && (value as number) >= min && (value as number) <= max) return true;
  return fail(value, path, label, `a whole number from ${min} to ${max}`, issues);
}

/** A finite number in a range; `interval` is the same range written for people, e.g. "[0, 1)". */
export function checkNumber(
  value: unknown,
  path: string,
  label: string,
  inRange: (x: number) => boolean,
  interval: string,
  issues: SpecIssue[],
): value is number {
  if (typeof value === 'number' && Number.isFinite(value) && inRange(value)) return true;
  return fail(value, path, label, `a number in ${interval}`, issues);
}

export function checkChoice<T extends string>(
  value: unknown,
  path: string,
  label: string,
  choices: readonly T[],
  issues: SpecIssue[],
): value is T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return true;
  const options = choices.map((c) => `"${c}"`).join(', ');
  return fail(value, path, label, `one of ${options}`, issues);
}

export function checkBoolean(
  value: unknown,
  path: string,
  label: string,
  issues: SpecIssue[],
): value is boolean {
  if (typeof value === 'boolean') return true;
  return fail(value, path, label, 'true or false', issues);
}

/** Runs a check on untrusted input; anything thrown (a hostile getter, a Proxy) becomes an issue. */
export function neverThrow(check: () => SpecIssue[], what: string): SpecIssue[] {
  try {
    return check();
  } catch {
    return [{ path: '', message: `the ${what} could not be read` }];
  }
}
