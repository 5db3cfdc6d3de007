// One demo's size: the quick/full switch, what the chosen size trains (runs, epochs, images,
// recipe, how long), the networks' parameters and multiply-adds before anything trains, and the
// button that queues it (with the data check and the "shorten" fields).
import { useMemo, useState } from 'react';
import { analyze } from '../../spec';
import { DEMO_SIZES, type Demo, type DemoSize } from '../../spec/demos';
import { availability, useData } from '../../store/data';
import { useQueue } from '../../store/queueStore';
import { useRun } from '../../store/run';
import { seriesColor } from '../compare/palette';
import { TimeEstimate } from '../TimeEstimate';
import { DataProgress } from '../DataProgress';
import { compact, grouped } from '../format';
import { demoItems, NO_SHORTEN, shortenPlan, type Shorten } from './demoItems';
import type { DemoMeta } from './useDemoGroup';

const SIZE_NAMES: Record<DemoSize, string> = {
  quick: 'Quick: minutes',
  full: 'Full: the published setting',
};

/** The number of a "shorten" field (blank or invalid = 0, no limit). */
const whole = (value: string) => {
  const n = Math.floor(Number(value));
  return Number.isFinite(n) && n > 0 ? n : 0;
};

/** What the chosen size trains, as shortened: the text follows the "shorten" fields. */
function SizeFacts({ demo, size, shorten }: { demo: Demo; size: DemoSize; shorten: Shorten }) {
  const plan = useMemo(() => shortenPlan(demo.sizes[size], shorten), [demo, size, shorten]);
  const shortened = shorten.maxEpochs > 0 || shorten.maxTrainImages > 0;
  const epochs = [...new Set(plan.runs.map((r) => r.recipe.epochs))].join('/');
  const limit = plan.runs[0].limitTrain;
  const rows = useMemo(
    () => plan.runs.map((r) => ({ label: r.label, totals: analyze(r.spec).totals })),
    [plan],
  );
  return (
    <div className="learn-size-facts" data-testid="learn-plan">
      <p>
        <strong>{plan.runs.length} runs</strong>, one after another · {epochs} epoch
        {epochs === '1' ? '' : 's'} each · {limit ? `the first ${grouped(limit)}` : 'all 50,000'}{' '}
        CIFAR-10 training images{shortened ? ' (shortened below)' : ''} · {plan.recipeNote}.
      </p>
      <p>
        {/* Shortened, the line under the fields says how long; this one keeps the demo's own. */}
        <TimeEstimate
          runs={demo.sizes[size].runs}
          testId="learn-takes"
          prefix={shortened ? 'Unshortened, it takes' : 'Takes'}
        />{' '}
        <span className="muted">{plan.expect}</span>
      </p>
      <table className="numbers learn-facts">
        <thead>
          <tr>
            <th>network</th>
            <th>parameters</th>
            <th>multiply-adds / image</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.label}>
              <td>
                <span className="swatch" style={{ background: seriesColor(i) }} aria-hidden />
                {r.label}
              </td>
              <td>{grouped(r.totals.params)}</td>
              <td>{compact(r.totals.macs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A cap on every run of the demo; blank leaves the demo's value. */
function ShortenField(props: { label: string; testId: string; onChange: (n: number) => void }) {
  return (
    <label
      className="learn-shorten"
      title="Caps every run of the demo, for a slow machine or a first try; blank keeps the demo's size"
    >
      {props.label}
      <input
        data-testid={props.testId}
        type="number"
        min={1}
        placeholder="as above"
        onChange={(e) => props.onChange(whole(e.target.value))}
      />
    </label>
  );
}

function RunDemo(props: {
  demo: Demo;
  size: DemoSize;
  shorten: Shorten;
  setShorten: (change: (s: Shorten) => Shorten) => void;
}) {
  const { demo, size, shorten, setShorten } = props;
  const plan = demo.sizes[size];
  const cached = useData((s) => s.cached.find((c) => c.dataset === plan.dataset && c.complete));
  // Not cached but the lab's server can supply it: the queue's first run fetches it (one click).
  const obtainable = useData((s) => availability(s, plan.dataset) === 'server');
  const backend = useRun((s) => s.backend);
  const [queued, setQueued] = useState(false);

  const blocker =
    cached || obtainable
      ? null
      : 'CIFAR-10 is not in this browser yet: download or import it in the Data panel above. The demo trains on it.';
  const needed = Math.max(...plan.runs.map((r) => r.limitTrain || 50_000));
  const fewer = cached && cached.records.train < needed ? cached.records.train : null;

  function queue() {
    const meta: DemoMeta = { demo: demo.id, size, ...shorten };
    useQueue
      .getState()
      .enqueue(
        { title: `${demo.title} (${size})`, kind: 'demo', meta: { ...meta } },
        demoItems(plan, shorten),
      );
    setQueued(true);
  }

  return (
    <div className="learn-run">
      <div className="learn-run-row">
        <button
          type="button"
          data-testid="learn-run"
          data-present="demo-controls"
          disabled={blocker !== null}
          title={blocker ?? `Queue the ${plan.runs.length} runs of this demo`}
          onClick={queue}
        >
          ▶ Run this demo
        </button>
        <ShortenField
          label="train images ≤"
          testId="learn-limit"
          onChange={(n) => setShorten((s) => ({ ...s, maxTrainImages: n }))}
        />
        <ShortenField
          label="epochs ≤"
          testId="learn-epochs"
          onChange={(n) => setShorten((s) => ({ ...s, maxEpochs: n }))}
        />
      </div>
      {(shorten.maxTrainImages > 0 || shorten.maxEpochs > 0) && (
        <p className="learn-note">
          <TimeEstimate
            runs={demoItems(plan, shorten).map((item) => item.experiment)}
            testId="learn-takes-shortened"
            prefix="Shortened like this, it takes"
          />
        </p>
      )}
      <DataProgress testId="learn-data-progress" forQueued="demo" />
      {blocker ? (
        <p className="blocker" role="status" data-testid="learn-data">
          {blocker}
        </p>
      ) : (
        <p className="muted learn-note" data-testid="learn-data">
          The runs join the run queue and train one after another on the page’s backend ({backend},
          set in the Training panel).
          {fewer !== null &&
            ` This browser’s CIFAR-10 has ${grouped(fewer)} training images, so each run uses at most those.`}
          {queued && ' Queued: see its runs below.'}
        </p>
      )}
    </div>
  );
}

export function DemoPlanView(props: {
  demo: Demo;
  size: DemoSize;
  onSize: (size: DemoSize) => void;
}) {
  const { demo, size, onSize } = props;
  // The shortening belongs to one demo and size: it starts blank for another.
  const [shortening, setShortening] = useState({ key: '', shorten: NO_SHORTEN });
  const key = `${demo.id}-${size}`;
  const shorten = shortening.key === key ? shortening.shorten : NO_SHORTEN;
  const setShorten = (change: (s: Shorten) => Shorten) =>
    setShortening({ key, shorten: change(shorten) });
  return (
    <div className="learn-plan">
      <div className="learn-sizes" role="group" aria-label="size" data-present="demo-controls">
        {DEMO_SIZES.map((s) => (
          <button
            key={s}
            type="button"
            className={s === size ? 'small' : 'ghost small'}
            aria-pressed={s === size}
            data-testid={`learn-size-${s}`}
            onClick={() => onSize(s)}
          >
            {SIZE_NAMES[s]}
          </button>
        ))}
      </div>
      <SizeFacts demo={demo} size={size} shorten={shorten} />
      <RunDemo key={key} demo={demo} size={size} shorten={shorten} setShorten={setShorten} />
    </div>
  );
}
