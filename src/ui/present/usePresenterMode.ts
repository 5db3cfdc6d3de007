// Presenter mode for a projector: the page keeps only the Learn demos (their tabs, size switch,
// run button, queue and charts, marked data-present in the Learn panel) and draws them large.
// The switch is a data attribute on <html>, so present.css can restyle any part of the page.
import { useEffect } from 'react';
import './present.css';

/** `setPresenting` must be stable (the environment store's): Escape calls it with false. */
export function usePresenterMode(presenting: boolean, setPresenting: (on: boolean) => void) {
  useEffect(() => {
    const root = document.documentElement;
    if (!presenting) {
      delete root.dataset.presenting;
      return;
    }
    root.dataset.presenting = 'on';
    // The Learn panel is all that is left, right under the sticky header: the top of the page
    // shows its heading. (scrollIntoView put the heading at the viewport's top edge, under the
    // header, which covered it and the first line of text.)
    window.scrollTo({ top: 0 });
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setPresenting(false);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      delete root.dataset.presenting;
    };
  }, [presenting, setPresenting]);
}
