// What the browser offers (backends) and how the user likes the page (theme). Kept apart from
// the experiment state: none of this belongs in a shared URL.
import { create } from 'zustand';
import { probeBackends, type BackendProbe } from '../engine/backends';

export type Theme = 'light' | 'dark';

const THEME_KEY = 'cardinal.theme';
/** Set once the first-visit tour was finished or skipped: it does not open by itself again. */
export const TOUR_KEY = 'cardinal.tour';

function initialTheme(): Theme {
  const saved = globalThis.localStorage?.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

interface EnvironmentState {
  backends: BackendProbe[] | null;
  theme: Theme;
  probe(): Promise<void>;
  toggleTheme(): void;
  /** The tour's step on screen; null when it is closed. */
  tourStep: number | null;
  startTour(): void;
  showTourStep(step: number): void;
  /** Closes the tour (finished or skipped) and remembers it. */
  endTour(): void;
  /** Presenter mode: large type, only the Learn demos' controls and charts. */
  presenting: boolean;
  setPresenting(on: boolean): void;
}

export const useEnvironment = create<EnvironmentState>((set, get) => ({
  backends: null,
  theme: initialTheme(),
  async probe() {
    set({ backends: await probeBackends() });
  },
  toggleTheme() {
    const theme = get().theme === 'dark' ? 'light' : 'dark';
    globalThis.localStorage?.setItem(THEME_KEY, theme);
    set({ theme });
  },
  // First visit: the tour opens by itself, until it is finished or skipped once.
  tourStep: globalThis.localStorage && !localStorage.getItem(TOUR_KEY) ? 0 : null,
  startTour: () => set({ tourStep: 0, presenting: false }),
  showTourStep: (tourStep) => set({ tourStep }),
  endTour() {
    globalThis.localStorage?.setItem(TOUR_KEY, 'done');
    set({ tourStep: null });
  },
  presenting: false,
  setPresenting: (presenting) => set({ presenting, tourStep: null }),
}));
