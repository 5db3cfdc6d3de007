import { useEffect } from 'react';
import { useEnvironment } from '../store/environment';
import { useQueue } from '../store/queueStore';
import { ArchitectureSummary } from './ArchitectureSummary';
import { BackendBadges } from './BackendBadges';
import { DataPanel } from './DataPanel';
import { Inspector } from './Inspector';
import { LinkIssuesBanner } from './LinkIssuesBanner';
import { LearnPanel } from './learn/LearnPanel';
import { NetworkDiagram } from './NetworkDiagram';
import { PresetPicker } from './PresetPicker';
import { RunHistory } from './RunHistory';
import { RunView } from './RunView';
import { CardinalityStudy } from './study/CardinalityStudy';
import { usePresenterMode } from './present/usePresenterMode';
import { Tour } from './tour/Tour';
import { TrainControls } from './TrainControls';

export function App() {
  const theme = useEnvironment((s) => s.theme);
  const toggleTheme = useEnvironment((s) => s.toggleTheme);
  const probe = useEnvironment((s) => s.probe);
  const presenting = useEnvironment((s) => s.presenting);
  const { setPresenting, startTour } = useEnvironment.getState();

  useEffect(() => {
    void probe();
    // The run queue picks up where it was: a study's next run, or the one a reload interrupted.
    void useQueue.getState().load();
  }, [probe]);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  usePresenterMode(presenting, setPresenting);

  return (
    <div className="app" data-testid="app-shell">
      <header className="app-header">
        <h1>
          <img src="/cardinal.svg" alt="" width={28} height={28} /> Cardinal
        </h1>
        <p className="tagline">ResNet &amp; ResNeXt training lab, in your browser</p>
        <button type="button" className="ghost" data-testid="tour-start" onClick={startTour}>
          ? Tour
        </button>
        <button
          type="button"
          id="present-toggle"
          className={presenting ? '' : 'ghost'}
          data-testid="present-toggle"
          aria-pressed={presenting}
          onClick={() => setPresenting(!presenting)}
        >
          {presenting ? 'Exit presenter mode' : 'Present'}
        </button>
        <button
          type="button"
          className="ghost"
          onClick={toggleTheme}
          aria-label={`switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀ light' : '☾ dark'}
        </button>
      </header>
      <LinkIssuesBanner />
      <section className="panel" aria-labelledby="learn-title">
        <h2 id="learn-title">Learn</h2>
        <LearnPanel />
      </section>
      <section className="panel" aria-labelledby="architecture-title">
        <h2 id="architecture-title">Architecture</h2>
        <PresetPicker />
        <NetworkDiagram />
        <Inspector />
        <ArchitectureSummary />
      </section>
      <section className="panel" aria-labelledby="data-title">
        <h2 id="data-title">Data</h2>
        <DataPanel />
      </section>
      <section className="panel" aria-labelledby="train-title">
        <h2 id="train-title">Training</h2>
        <TrainControls />
        <RunView />
      </section>
      <section className="panel" aria-labelledby="history-title">
        <h2 id="history-title">Run history</h2>
        <RunHistory />
      </section>
      <section className="panel" aria-labelledby="study-title">
        <h2 id="study-title">Cardinality study</h2>
        <CardinalityStudy />
      </section>
      <section className="panel" aria-labelledby="backends-title">
        <h2 id="backends-title">Compute backends</h2>
        <BackendBadges />
      </section>
      <Tour />
    </div>
  );
}
