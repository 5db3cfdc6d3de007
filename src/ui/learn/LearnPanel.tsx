// The Learn section: five guided demos, each a ready experiment with a short narrative (the
// idea, what to watch, what it means), a quick and a full size, and one button that queues its
// runs; below, the demo's latest runs with their curves (kept across reloads by the queue).
import { useState } from 'react';
import { DEMOS, demoById, type DemoId, type DemoSize } from '../../spec/demos';
import { DemoPlanView } from './DemoPlanView';
import { DemoReference } from './DemoReference';
import { DemoResults } from './DemoResults';
import { useDemoGroup } from './useDemoGroup';
import { useReference } from './useReference';
import './learn.css';

const NARRATIVE_PARTS = [
  ['idea', 'The idea'],
  ['watch', 'What to watch'],
  ['meaning', 'What it means'],
] as const;

export function LearnPanel() {
  const [demoId, setDemoId] = useState<DemoId>('degradation');
  const [size, setSize] = useState<DemoSize>('quick');
  const demo = demoById(demoId)!;
  const group = useDemoGroup(demo.id);
  const reference = useReference(demo.id);

  return (
    <div className="learn-panel" data-testid="learn-panel">
      <p className="muted learn-intro">
        Five classic results about residual networks, each a ready experiment: pick one, read what
        it is about, and run it. The quick size shows the effect in minutes on a laptop GPU; the
        full size follows the published setting and takes hours to days.
      </p>
      <div className="learn-tabs" role="tablist" data-present="demo-controls">
        {DEMOS.map((d, i) => (
          <button
            key={d.id}
            type="button"
            role="tab"
            id={`learn-tab-${d.id}`}
            aria-selected={d.id === demo.id}
            aria-controls="learn-demo"
            className={d.id === demo.id ? 'learn-tab selected' : 'learn-tab'}
            data-testid={`learn-demo-${d.id}`}
            onClick={() => setDemoId(d.id)}
          >
            <span className="learn-tab-number">{i + 1}</span> {d.short}
          </button>
        ))}
      </div>
      <div
        className="learn-demo"
        id="learn-demo"
        role="tabpanel"
        aria-labelledby={`learn-tab-${demo.id}`}
        data-demo={demo.id}
      >
        <h3>{demo.title}</h3>
        <div className="learn-narrative" data-testid="learn-narrative">
          {NARRATIVE_PARTS.map(([key, heading]) => (
            <section key={key}>
              <h4>{heading}</h4>
              <p>{demo.narrative[key]}</p>
            </section>
          ))}
        </div>
        <DemoPlanView demo={demo} size={size} onSize={setSize} />
        <DemoReference demo={demo} state={reference} groupId={group?.id} />
        {group && (
          // With a reference, the user's curves are drawn over it above, not a second time here.
          <DemoResults
            key={group.id}
            demo={demo}
            group={group}
            charts={reference.status !== 'ready'}
          />
        )}
      </div>
    </div>
  );
}
