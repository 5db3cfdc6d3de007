// The inspector's section for the selected stage: add/remove it, its blocks, block kind,
// widths, cardinality (with keep-complexity), stride and shortcut, and its problems.
import { useId } from 'react';
import { LIMITS, type ArchSpec, type ShortcutKind, type SpecIssue, type StageSpec } from '../spec';
import { useLab } from '../store/lab';
import { cardinalityChoices, keepHint } from './cardinalitySlider';
import { NumberField, Segmented, Switch } from './InspectorFields';
import { messagesAt, stageIssues, withoutStagePrefix } from './issuePaths';
import {
  stageInputChannels,
  withBlockKind,
  withStage,
  withStageAdded,
  withStageRemoved,
} from './specEdits';

export function StageInspector(props: { spec: ArchSpec; index: number; issues: SpecIssue[] }) {
  const { spec, index, issues } = props;
  const stage = spec.stages[index];
  const { setSpec, selectStage, setCardinality } = useLab.getState();
  const keep = useLab((s) => s.keepComplexity);
  const reference = useLab((s) => s.complexityReference);
  const setKeepComplexity = useLab((s) => s.setKeepComplexity);
  const id = useId();
  const path = (field: keyof StageSpec) => `stages/${index}/${field}`;
  const problem = (field: keyof StageSpec) => messagesAt(issues, path(field)).length > 0;
  const edit = (patch: Partial<StageSpec>) => setSpec(withStage(spec, index, patch));
  const mine = stageIssues(issues, index);
  const bottleneck = stage.block === 'bottleneck';
  const problemsId = `${id}-problems`;

  const referenceStage = keep ? reference?.stages[index] : undefined;
  const solving = keep && bottleneck && referenceStage?.block === 'bottleneck';
  const slider = cardinalityChoices(solving ? reference! : spec, index, stage);
  const d = stage.bottleneckWidth / stage.cardinality;
  const dText = bottleneck
    ? Number.isInteger(d)
      ? `d = ${d} per path`
      : `d = ${d.toFixed(2)}: not a whole number`
    : 'one path (basic block)';

  const hint = keepHint(spec, index, keep, referenceStage, reference);
  const inputChannels = stageInputChannels(spec, index);
  const shortcutUsed = stage.stride !== 1 || inputChannels !== stage.outChannels;

  return (
    <section className="inspector-section" aria-labelledby={`${id}-title`}>
      <header className="inspector-head">
        <h3 id={`${id}-title`}>
          Stage {index + 1} <span className="muted mono">layer{index + 1}</span>
        </h3>
        <div className="inspector-actions">
          <button
            type="button"
            className="ghost small"
            data-testid="add-stage"
            disabled={spec.stages.length >= LIMITS.stages}
            title="Insert a stage after this one: the same blocks at twice the width, stride 2"
            onClick={() => {
              setSpec(withStageAdded(spec, index));
              selectStage(index + 1);
            }}
          >
            + Add stage after
          </button>
          <button
            type="button"
            className="ghost small"
            data-testid="remove-stage"
            disabled={spec.stages.length <= 1}
            onClick={() => setSpec(withStageRemoved(spec, index))}
          >
            − Remove stage
          </button>
        </div>
      </header>

      <div className="field-grid">
        <span className="field-label" id={`${id}-blocks`}>
          Blocks
        </span>
        <div className="stepper" role="group" aria-labelledby={`${id}-blocks`}>
          <button
            type="button"
            className="ghost"
            data-testid="blocks-minus"
            aria-label="one block fewer"
            disabled={stage.blocks <= 1}
            onClick={() => edit({ blocks: Math.max(1, stage.blocks - 1) })}
          >
            −
          </button>
          <output data-testid="blocks-value" aria-live="polite">
            {stage.blocks}
          </output>
          <button
            type="button"
            className="ghost"
            data-testid="blocks-plus"
            aria-label="one block more"
            disabled={stage.blocks >= LIMITS.blocks}
            onClick={() => edit({ blocks: Math.min(LIMITS.blocks, stage.blocks + 1) })}
          >
            +
          </button>
        </div>

        <span className="field-label" id={`${id}-kind`}>
          Block
        </span>
        <Segmented
          labelledBy={`${id}-kind`}
          testId="block-kind"
          value={stage.block}
          options={[
            { value: 'basic', label: 'basic (3×3, 3×3)' },
            { value: 'bottleneck', label: 'bottleneck (1×1, 3×3, 1×1)' },
          ]}
          onChange={(block) => setSpec(withBlockKind(spec, index, block))}
        />

        <label className="field-label" htmlFor={`${id}-out`}>
          Output width
        </label>
        <div className="field-control">
          <NumberField
            id={`${id}-out`}
            testId="out-channels-input"
            value={stage.outChannels}
            invalid={problem('outChannels')}
            describedBy={problemsId}
            onChange={(outChannels) =>
              edit(bottleneck ? { outChannels } : { outChannels, bottleneckWidth: outChannels })
            }
          />
          <span className="hint">channels out of every block</span>
        </div>

        <label className="field-label" htmlFor={`${id}-width`}>
          Bottleneck width
        </label>
        <div className="field-control">
          <NumberField
            id={`${id}-width`}
            testId="bottleneck-width-input"
            value={bottleneck ? stage.bottleneckWidth : stage.outChannels}
            disabled={!bottleneck}
            invalid={problem('bottleneckWidth')}
            describedBy={problemsId}
            onChange={(bottleneckWidth) => edit({ bottleneckWidth })}
          />
          <span className="hint">
            {bottleneck ? 'channels of the grouped 3×3 conv (C × d)' : 'basic blocks: = output'}
          </span>
        </div>

        <label className="field-label" htmlFor={`${id}-cardinality`}>
          Cardinality C
        </label>
        <div className="field-control cardinality">
          <input
            id={`${id}-cardinality`}
            type="range"
            data-testid="cardinality-slider"
            min={0}
            max={slider.values.length - 1}
            step={1}
            value={slider.index}
            disabled={slider.values.length <= 1}
            aria-valuetext={`C = ${stage.cardinality}, ${dText}`}
            aria-invalid={problem('cardinality') || undefined}
            aria-describedby={problemsId}
            onChange={(e) => setCardinality(index, slider.values[Number(e.target.value)])}
          />
          <output
            className="cardinality-value"
            data-testid="cardinality-value"
            htmlFor={`${id}-cardinality`}
          >
            C = {stage.cardinality}
          </output>
          <span
            className={bottleneck && !Number.isInteger(d) ? 'hint bad' : 'hint'}
            data-testid="d-value"
          >
            {dText}
          </span>
        </div>

        <span className="field-label" />
        <div className="field-control keep">
          <Switch
            testId="keep-complexity"
            checked={keep}
            onChange={setKeepComplexity}
            label="Keep complexity fixed"
          />
          <span className="hint" data-testid="keep-complexity-hint" title={hint}>
            {hint}
          </span>
        </div>

        <span className="field-label" id={`${id}-stride`}>
          Stride
        </span>
        <Segmented
          labelledBy={`${id}-stride`}
          testId="stride"
          value={String(stage.stride) as '1' | '2'}
          invalid={problem('stride')}
          options={[
            { value: '1', label: '1' },
            { value: '2', label: '2 (halve the map)' },
          ]}
          onChange={(stride) => edit({ stride: Number(stride) })}
        />

        <label className="field-label" htmlFor={`${id}-shortcut`}>
          Shortcut
        </label>
        <div className="field-control">
          <select
            id={`${id}-shortcut`}
            data-testid="shortcut-select"
            value={stage.shortcut}
            disabled={!spec.residual}
            aria-invalid={problem('shortcut') || undefined}
            aria-describedby={problemsId}
            onChange={(e) => edit({ shortcut: e.target.value as ShortcutKind })}
          >
            <option value="A">A: subsample + zero-pad</option>
            <option value="B">B: 1×1 conv + BN</option>
            <option value="conv3x3">3×3 conv + BN</option>
          </select>
          <span className="hint">
            {!spec.residual
              ? 'plain network: no shortcuts'
              : shortcutUsed
                ? `used by layer${index + 1}.0 (${inputChannels} → ${stage.outChannels} ch${stage.stride > 1 ? ', stride 2' : ''})`
                : 'not used: every block keeps its shape'}
          </span>
        </div>
      </div>

      <div
        id={problemsId}
        className={mine.length ? 'stage-problems error' : 'stage-problems'}
        data-testid="stage-problems"
        aria-live="polite"
      >
        {mine.length
          ? mine.map((issue) => (
              <div key={issue.path + issue.message}>⚠ {withoutStagePrefix(issue.message)}</div>
            ))
          : 'No problems in this stage.'}
      </div>
    </section>
  );
}
