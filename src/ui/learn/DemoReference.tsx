// What a demo shows, before anything trains: its reference run (PyTorch, the quick size, see
// scripts/reference.ts) as dashed curves with the user's latest runs drawn over them, the
// figures the reference ended at, and a note when the demo has changed since it was computed.
import type { Demo } from '../../spec/demos';
import { referenceIsFresh, type ReferenceFile } from '../../spec/reference';
import { duration, grouped } from '../format';
import { useGroupRuns } from '../queue/useGroupRuns';
import { ReferenceCharts } from './ReferenceCharts';
import { armColor, finalEpoch } from './referenceCurves';
import type { ReferenceState } from './useReference';
import './reference.css';

const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });

/** The reference's outcome in words, from its numbers: each arm's final loss and accuracy. */
export function referenceSummary(file: ReferenceFile): string {
  const finals = file.arms.map((a) => ({ label: a.label, e: a.epochs.at(-1)! }));
  const parts = finals.map(
    ({ label, e }) =>
      `${label} at a training loss of ${e.trainLoss.toFixed(2)} (test accuracy ${e.testAcc.toFixed(1)}%)`,
  );
  const lowest = finals.reduce((a, b) => (b.e.trainLoss < a.e.trainLoss ? b : a));
  const best = finals.reduce((a, b) => (b.e.testAcc > a.e.testAcc ? b : a));
  const epochs = finals[0].e.epoch;
  return (
    `After ${epochs} epoch${epochs === 1 ? '' : 's'} on ${grouped(file.trainImages)} images the reference ended with ` +
    `${parts.join('; ')}. Lowest training loss: ${lowest.label}; best test accuracy: ${best.label} ` +
    `(on ${grouped(file.testImages)} test images, so a point or two is noise).`
  );
}

function FinalTable({ file, colors }: { file: ReferenceFile; colors: Map<string, string> }) {
  return (
    <table className="numbers reference-finals" data-testid="reference-finals" data-present="hide">
      <thead>
        <tr>
          <th>reference, last epoch</th>
          <th>train loss</th>
          <th>train acc.</th>
          <th>test loss</th>
          <th>test acc.</th>
          <th title="the arm's training and evaluation time in PyTorch">time</th>
        </tr>
      </thead>
      <tbody>
        {file.arms.map((a) => {
          const e = finalEpoch(file, a.label)!;
          return (
            <tr key={a.label} data-label={a.label}>
              <td>
                <span className="swatch" style={{ background: colors.get(a.label) }} aria-hidden />
                {a.label}
              </td>
              <td>{e.trainLoss.toFixed(3)}</td>
              <td>{e.trainAcc.toFixed(1)}%</td>
              <td>{e.testLoss.toFixed(3)}</td>
              <td>{e.testAcc.toFixed(1)}%</td>
              <td>{duration(a.seconds)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function DemoReference({
  demo,
  state,
  groupId,
}: {
  demo: Demo;
  state: ReferenceState;
  /** The demo's latest queued group, whose runs are drawn over the reference. */
  groupId: string | undefined;
}) {
  const runs = useGroupRuns(groupId ?? '');
  if (state.status === 'loading') return null;
  if (state.status !== 'ready') {
    return (
      <p className="muted learn-note" data-testid="reference-missing">
        {state.status === 'missing'
          ? 'No reference run for this demo yet (scripts/reference.ts computes one): its curves appear once you run it.'
          : `The reference run could not be read: ${state.message}`}
      </p>
    );
  }
  const { file } = state;
  const fresh = referenceIsFresh(file, demo.sizes.quick);
  const colors = new Map(
    file.arms.map((a, i) => [a.label, armColor(demo.sizes.quick, a.label, i)]),
  );
  return (
    <div className="learn-reference" data-testid="learn-reference" data-fresh={fresh}>
      <h4 data-testid="reference-caption">
        PyTorch on {file.device}, {day(file.date)}: what this demo shows at its quick size
      </h4>
      {!fresh && (
        <p className="blocker" role="status" data-testid="reference-stale">
          Stale reference: this demo’s networks, recipe or image counts have changed since the
          reference was computed, so its curves may no longer match what the demo trains. Rerun{' '}
          <code>npx tsx scripts/reference.ts --demos {demo.id}</code> to renew it.
        </p>
      )}
      <p className="reference-summary" data-testid="reference-summary">
        {referenceSummary(file)}
      </p>
      <ReferenceCharts demo={demo} file={file} runs={runs} />
      <FinalTable file={file} colors={colors} />
      <p className="muted learn-note" data-present="hide">
        PyTorch {file.torch}, seed {file.seed}, {duration(file.wallSeconds)} for all{' '}
        {file.arms.length} run{file.arms.length === 1 ? '' : 's'}. {file.method}
      </p>
    </div>
  );
}
