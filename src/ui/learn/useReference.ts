// A demo's reference run (public/reference/<demo>.json, written by scripts/reference.ts),
// fetched once per page and kept, so switching tabs draws it at once.
import { useEffect, useState } from 'react';
import { isReferenceFile, referencePath, type ReferenceFile } from '../../spec/reference';

export type ReferenceState =
  | { status: 'loading' }
  | { status: 'ready'; file: ReferenceFile }
  | { status: 'missing' }
  | { status: 'error'; message: string };

const loaded = new Map<string, Promise<ReferenceState>>();

async function load(demoId: string): Promise<ReferenceState> {
  const url = `${import.meta.env.BASE_URL}${referencePath(demoId)}`;
  try {
    const response = await fetch(url);
    // A missing file comes back as 404, or as the app's index.html from a dev server.
    const type = response.headers.get('content-type') ?? '';
    if (response.status === 404 || (response.ok && type.includes('text/html'))) {
      return { status: 'missing' };
    }
    if (!response.ok) return { status: 'error', message: `${url}: HTTP ${response.status}` };
    const value: unknown = await response.json();
    if (!isReferenceFile(value)) {
      return { status: 'error', message: `${url} is not a reference file this page can draw` };
    }
    return { status: 'ready', file: value };
  } catch (e) {
    // Not cached: the next visit to the tab tries again (a dropped connection, say).
    loaded.delete(demoId);
    return { status: 'error', message: `${url}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function useReference(demoId: string): ReferenceState {
  const [state, setState] = useState<{ id: string; value: ReferenceState }>({
    id: demoId,
    value: { status: 'loading' },
  });
  useEffect(() => {
    let live = true;
    let promise = loaded.get(demoId);
    if (!promise) loaded.set(demoId, (promise = load(demoId)));
    void promise.then((value) => live && setState({ id: demoId, value }));
    return () => {
      live = false;
    };
  }, [demoId]);
  return state.id === demoId ? state.value : { status: 'loading' };
}
