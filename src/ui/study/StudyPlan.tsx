// The study's plan, before anything trains: each cardinality's per-path width d, its params and
// multiply-adds, and how far they are from C = 1's. With "keep complexity fixed" the Δ columns
// show the solver's promise (a few percent); without it, how much bigger each C gets.
import type { Study } from '../../spec';
import { seriesColor } from '../compare/palette';
import { compact, grouped } from '../format';
import { signedPercent } from './studyRows';

/** How far from C = 1 still counts as "the same complexity". */
const CLOSE = 0.05;

function Delta({ ratio }: { ratio: number }) {
  const off = Math.abs(ratio - 1) > CLOSE;
  return <td className={off ? 'delta off' : 'delta'}>{signedPercent(ratio)}</td>;
}

export function StudyPlan({ study }: { study: Study }) {
  if (study.issues.length) {
    return (
      <ul className="issues study-issues" data-testid="study-template-issues">
        {study.issues.map((issue) => (
          <li key={issue.path + issue.message}>{issue.message}</li>
        ))}
      </ul>
    );
  }
  if (!study.arms.length) {
    return <p className="muted">Tick at least one cardinality.</p>;
  }
  // The colour each arm's run will have: the queue colours the arms it gets (the valid ones) in order.
  const colors = new Map(
    study.arms.filter((a) => !a.issues.length).map((a, i) => [a.cardinality, seriesColor(i)]),
  );
  return (
    <div className="study-scroll">
      <table className="numbers study-plan" data-testid="study-plan">
        <thead>
          <tr>
            <th className="left" title="cardinality: the number of parallel paths">
              C
            </th>
            <th className="left" title="width of each path (per stage)">
              d per stage
            </th>
            <th className="left" title="C × d: the grouped 3×3 conv’s width (per stage)">
              width
            </th>
            <th>params</th>
            <th title="multiply-adds per image">MACs</th>
            <th title="params against C = 1">Δ params</th>
            <th title="MACs against C = 1">Δ MACs</th>
          </tr>
        </thead>
        <tbody>
          {study.arms.map((arm) => {
            const invalid = arm.issues.length > 0;
            return (
              <tr
                key={arm.cardinality}
                data-c={arm.cardinality}
                data-params={invalid ? undefined : arm.params}
                className={invalid ? 'invalid' : undefined}
              >
                <td className="left">
                  <span
                    className="swatch"
                    style={{ background: colors.get(arm.cardinality) }}
                    aria-hidden
                  />
                  {arm.cardinality}
                </td>
                <td className="left">{arm.perStage.map((s) => s.d).join(' / ')}</td>
                <td className="left">{arm.perStage.map((s) => s.width).join(' / ')}</td>
                {invalid ? (
                  <td colSpan={4} className="left study-arm-issue">
                    {arm.issues[0].message}
                  </td>
                ) : (
                  <>
                    <td>{grouped(arm.params)}</td>
                    <td>{compact(arm.macs)}</td>
                    <Delta ratio={arm.paramsRatio} />
                    <Delta ratio={arm.macsRatio} />
                  </>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
