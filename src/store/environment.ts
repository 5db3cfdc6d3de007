// What the browser offers (backends) and how the user likes the page (theme). Kept apart from
// the experiment state: none of this belongs in a shared URL.
import { create } from 'zustand';
import { probeBackends, type BackendProbe } from '../engine/backends';

export type Theme = 'light' | 'dark';

const THEME_KEY = 'cardinal.theme';

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
}));
