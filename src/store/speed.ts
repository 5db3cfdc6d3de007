// This computer's measured training speed, per backend and adapter, for the time estimates of
// the demos and the study (spec/timeEstimate.ts does the arithmetic). Measured twice over: a
// calibration (a few timed steps of ResNet-8 in the worker, once per backend, when the page is
// idle) and every epoch a run finishes (its real img/s). Kept in localStorage.
import { create } from 'zustand';
import type { BackendChoice } from '../engine/setBackend';
import { analyze, PRESETS } from '../spec';
import { addSample, type SpeedProfile, type SpeedSample } from '../spec/timeEstimate';
import { newRunId } from './history';
import { useRun } from './run';

const KEY = 'cardinal.speed';
/** The calibration: small enough to take seconds on WASM, big enough to time real convs. */
export const CALIBRATION = { preset: 'resnet8', batch: 16, steps: 3, warmup: 1 } as const;
/** How long the page must be left alone before it calibrates (a click on Train wins). */
const IDLE_MS = 2500;

interface Saved {
  /** By profile key: "<backend>|<adapter>". */
  profiles: Record<string, SpeedProfile>;
  /** Which profile a backend choice came out as ('auto' → whatever it picked). */
  chosen: Partial<Record<BackendChoice, string>>;
}

interface SpeedState extends Saved {
  /** The backend choice being calibrated now, if any. */
  measuring: BackendChoice | null;
  /** Why the last calibration failed, if it did. */
  failed: string | null;
  /** Calibrates `choice` once the page has been idle a moment, unless it is measured already. */
  request(choice: BackendChoice): void;
  /** Adds a measurement made on `backend` / `adapter` (as the choice `choice`). */
  record(choice: BackendChoice, backend: string, adapter: string, sample: SpeedSample): void;
}

const profileKey = (backend: string, adapter: string) => `${backend}|${adapter}`;

function load(): Saved {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? 'null') as Saved | null;
    if (saved && typeof saved.profiles === 'object' && typeof saved.chosen === 'object')
      return saved;
  } catch {
    // unreadable: start afresh
  }
  return { profiles: {}, chosen: {} };
}

export const useSpeed = create<SpeedState>((set, get) => {
  let timer: ReturnType<typeof setTimeout> | undefined;

  function calibrate(choice: BackendChoice) {
    const runs = useRun.getState();
    if (runs.status === 'running' || runs.status === 'paused' || get().measuring) return;
    const runId = newRunId('calibrate');
    const worker = runs.worker();
    set({ measuring: choice, failed: null });
    const unsubscribe = worker.subscribe((event) => {
      if (event.runId !== runId) return;
      unsubscribe();
      set({ measuring: null });
      if (event.type === 'calibration') {
        get().record(choice, event.backend, event.adapter, {
          macsPerImage: event.macsPerImage,
          imagesPerSecond: event.imagesPerSecond,
          source: 'calibration',
          at: Date.now(),
        });
      } else if (event.type === 'error') {
        set({ failed: event.message });
      }
    });
    const { preset, ...bench } = CALIBRATION;
    worker.send({
      type: 'calibrate',
      runId,
      backend: choice,
      spec: PRESETS[preset].spec,
      ...bench,
    });
  }

  return {
    ...load(),
    measuring: null,
    failed: null,
    request(choice) {
      clearTimeout(timer);
      if (get().chosen[choice]) return;
      timer = setTimeout(() => calibrate(choice), IDLE_MS);
    },
    record(choice, backend, adapter, sample) {
      const key = profileKey(backend, adapter);
      const profile = get().profiles[key] ?? { backend, adapter, samples: [] };
      const next: Saved = {
        profiles: { ...get().profiles, [key]: addSample(profile, sample) },
        chosen: { ...get().chosen, [choice]: key, [backend as BackendChoice]: key },
      };
      set(next);
      globalThis.localStorage?.setItem(KEY, JSON.stringify(next));
    },
  };
});

/** The profile the estimates use for a backend choice, once measured. */
export function profileFor(state: Saved, choice: BackendChoice): SpeedProfile | undefined {
  const key = state.chosen[choice];
  return key ? state.profiles[key] : undefined;
}

// Every finished epoch of a run is a measurement of the network it trains.
useRun.subscribe((now, before) => {
  const run = now.current;
  if (!run || run.runId !== before.current?.runId) return;
  if (run.epochs.length <= (before.current?.epochs.length ?? 0)) return;
  if (!run.backend || !run.adapter || !run.imagesPerSecond) return;
  useSpeed.getState().record(run.config.backend, run.backend, run.adapter, {
    macsPerImage: analyze(run.config.spec).totals.macs,
    imagesPerSecond: run.imagesPerSecond,
    source: 'run',
    at: Date.now(),
  });
});
