// What the scripts that drive the app (train.ts, bench.ts) share on the command line: options
// as `--name value` or `--name=value`, whole numbers with a range, backend names, the
// UsageError such a script prints with exit status 2 before it builds or launches anything,
// and where it writes.

import type { BackendChoice } from '../../src/engine/setBackend';

/** Bad usage: printed with exit status 2, before anything is built or launched. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export const BACKENDS: readonly BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * The value of the option being read. A following argument that starts with `--` is taken
 * for a forgotten value (an error) unless `flag` says values are themselves flags (Chromium's).
 */
export type OptionValue = (flag?: boolean) => string;

/**
 * Walks argv, calling onOption with each argument (`--name=value` split at the first `=`)
 * and a function that reads its value. Stops with 'help' as soon as onOption returns it.
 */
export function scanArgs(
  argv: string[],
  onOption: (arg: string, value: OptionValue) => 'help' | void,
): 'help' | void {
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) [arg, inline] = [arg.slice(0, eq), arg.slice(eq + 1)];
    const value: OptionValue = (flag = false) => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && !flag && v.startsWith('--'))) {
        throw new UsageError(`${arg} needs a value`);
      }
      return v;
    };
    if (onOption(arg, value) === 'help') return 'help';
  }
}

/** The error for an argument no option matched. */
export function unknownArgument(arg: string): UsageError {
  return new UsageError(
    arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument ${arg}`,
  );
}

export function wholeNumber(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${option} needs a whole number from ${min} to ${max}, got ${text}`);
  }
  return value;
}

export function backendChoice(text: string): BackendChoice {
  if (!BACKENDS.includes(text as BackendChoice)) {
    throw new UsageError(`unknown backend "${text}": ${BACKENDS.join(', ')}`);
  }
  return text as BackendChoice;
}

export const errorMessage = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

export const round = (x: number, digits: number) => Number(x.toFixed(digits));
/** Seconds since a performance.now() reading, to 0.01 s. */
export const secondsSince = (since: number) => round((performance.now() - since) / 1000, 2);

/** Where a script writes: stdout for results only (JSON stays parseable), stderr for the rest. */
export interface ScriptIo {
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WriteStream;
}

export const processIo = (): ScriptIo => ({ stdout: process.stdout, stderr: process.stderr });
