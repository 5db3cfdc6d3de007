import { useLab } from '../store/lab';
import { NetworkInspector } from './NetworkInspector';
import { StageInspector } from './StageInspector';

/**
 * Edits the selected stage and the network-wide settings. Every change goes through setSpec (or
 * setCardinality), so validate() runs and Train, the counts and the URL follow; nothing here
 * refuses a value validate() would reject — the problem is shown where it is instead.
 */
export function Inspector() {
  const spec = useLab((s) => s.spec);
  const issues = useLab((s) => s.specIssues);
  const selected = useLab((s) => s.selectedStage);
  const stage = spec.stages[selected];
  return (
    <div className="inspector" data-testid="inspector">
      {stage && <StageInspector key={selected} spec={spec} index={selected} issues={issues} />}
      <NetworkInspector spec={spec} issues={issues} />
    </div>
  );
}
