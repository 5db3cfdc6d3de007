// The cardinality study (ResNeXt paper, Table 2 and Fig. 5): one template network trained at
// several cardinalities, every run with the same recipe, seed and data, one after another in the
// run queue; then their curves overlaid, a results table and the accuracy and step time per C.
// The form plans a study; below it, the queued studies (newest first) and the chosen one's results.
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useQueue } from '../../store/queueStore';
import { StudyForm } from './StudyForm';
import { StudyResults } from './StudyResults';
import './study.css';

export function CardinalityStudy() {
  const studies = useQueue(
    useShallow((q) =>
      q.groups.filter((g) => g.kind === 'study').sort((a, b) => b.createdAt - a.createdAt),
    ),
  );
  const [chosen, setChosen] = useState<string | null>(null);
  // The one chosen, else the newest (also after a reload, or when the chosen one is forgotten).
  const group = studies.find((g) => g.id === chosen) ?? studies[0];

  return (
    <div className="cardinality-study">
      <p className="muted study-intro">
        Does splitting a block into more, thinner paths help? Pick a network with bottleneck blocks
        and the cardinalities C to try; each becomes one run, trained one after another with the
        same recipe, seed and data order, so C is the only difference.
      </p>
      <StudyForm onQueued={setChosen} />
      {group && (
        <div className="study-picked">
          <div className="study-section-head study-pick-head">
            {studies.length > 1 ? (
              <label>
                Study
                <select
                  data-testid="study-select"
                  value={group.id}
                  onChange={(e) => setChosen(e.target.value)}
                >
                  {studies.map((g) => (
                    <option key={g.id} value={g.id}>
                      {g.title} · {new Date(g.createdAt).toLocaleString()}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <h3 className="study-title">{group.title}</h3>
            )}
            <button
              type="button"
              className="ghost small"
              data-testid="study-forget"
              title="Remove this study from the queue and this list; its runs stay in the run history"
              onClick={() => useQueue.getState().forget(group.id)}
            >
              Forget this study
            </button>
          </div>
          <StudyResults key={group.id} group={group} />
        </div>
      )}
    </div>
  );
}
