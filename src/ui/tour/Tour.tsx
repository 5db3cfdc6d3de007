// The tour's card: fixed in a corner, never over the part it explains (that panel is scrolled
// into view and outlined instead), and it never blocks the page: everything stays clickable.
import { useEffect } from 'react';
import { useEnvironment } from '../../store/environment';
import { TOUR_STEPS } from './steps';
import './tour.css';

/** The panel a heading belongs to, or the control itself. */
function targetElement(id: string): HTMLElement | null {
  const element = document.getElementById(id);
  return element?.closest<HTMLElement>('section.panel') ?? element;
}

export function Tour() {
  const step = useEnvironment((s) => s.tourStep);
  const { showTourStep, endTour } = useEnvironment.getState();
  const steps = TOUR_STEPS;
  const current = step === null ? undefined : steps[Math.min(step, steps.length - 1)];

  useEffect(() => {
    if (!current?.target) return;
    const element = targetElement(current.target);
    if (!element) return;
    element.classList.add('tour-target');
    element.scrollIntoView({ block: 'start', behavior: 'smooth' });
    return () => element.classList.remove('tour-target');
  }, [current]);

  useEffect(() => {
    if (step === null) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && endTour();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [step, endTour]);

  if (step === null || !current) return null;
  const index = steps.indexOf(current);
  const last = index === steps.length - 1;
  return (
    <aside className="tour-card" role="dialog" aria-labelledby="tour-title" data-testid="tour">
      <p className="tour-count muted" data-testid="tour-count">
        {index + 1} / {steps.length}
      </p>
      <h3 id="tour-title">{current.title}</h3>
      <p>{current.text}</p>
      <div className="tour-actions">
        <button type="button" className="ghost small" data-testid="tour-skip" onClick={endTour}>
          {last ? 'Close' : 'Skip tour'}
        </button>
        <span className="tour-spacer" />
        {index > 0 && (
          <button
            type="button"
            className="ghost small"
            data-testid="tour-back"
            onClick={() => showTourStep(index - 1)}
          >
            Back
          </button>
        )}
        <button
          type="button"
          className="small"
          data-testid="tour-next"
          onClick={() => (last ? endTour() : showTourStep(index + 1))}
          autoFocus
        >
          {last ? 'Start exploring' : 'Next'}
        </button>
      </div>
    </aside>
  );
}
