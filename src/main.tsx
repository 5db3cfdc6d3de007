import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { useRun } from './store/run';
import { installAutomation } from './worker/automation';
import './ui/theme.css';

installAutomation({ pageWorker: () => useRun.getState().worker() });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
