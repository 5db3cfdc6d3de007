// The inspector's section for the whole network: residual or plain, ReLU placement, conv
// bias, the stem and the head pool.
import { useId } from 'react';
import type { ArchSpec, SpecIssue } from '../spec';
import { useLab } from '../store/lab';
import { NumberField, Switch } from './InspectorFields';
import { messagesAt } from './issuePaths';

export function NetworkInspector({ spec, issues }: { spec: ArchSpec; issues: SpecIssue[] }) {
  const setSpec = useLab((s) => s.setSpec);
  const id = useId();
  const problem = (path: string) => messagesAt(issues, path).length > 0;
  const set = (patch: Partial<ArchSpec>) => setSpec({ ...spec, ...patch });
  return (
    <section className="inspector-section" aria-labelledby={`${id}-title`}>
      <header className="inspector-head">
        <h3 id={`${id}-title`}>Whole network</h3>
      </header>
      <div className="field-grid">
        <span className="field-label">Shortcuts</span>
        <div className="field-control">
          <Switch
            testId="residual-switch"
            checked={spec.residual}
            onChange={(residual) => set({ residual })}
            label="residual"
          />
          <span className="hint">{spec.residual ? 'blocks add their input' : 'plain network'}</span>
        </div>

        <span className="field-label">ReLU</span>
        <div className="field-control">
          <Switch
            testId="relu-after-add"
            checked={spec.reluAfterAdd}
            onChange={(reluAfterAdd) => set({ reluAfterAdd })}
            label="after the addition"
          />
        </div>

        <span className="field-label">Conv bias</span>
        <div className="field-control">
          <Switch
            testId="conv-bias"
            checked={spec.convBias}
            onChange={(convBias) => set({ convBias })}
            label="on block and projection convs"
          />
        </div>

        <label className="field-label" htmlFor={`${id}-stem`}>
          Stem
        </label>
        <div className="field-control">
          <select
            id={`${id}-stem`}
            data-testid="stem-kind"
            value={spec.stem.kind}
            aria-invalid={problem('stem/kind') || undefined}
            onChange={(e) =>
              set({ stem: { ...spec.stem, kind: e.target.value as ArchSpec['stem']['kind'] } })
            }
          >
            <option value="cifar">CIFAR: 3×3 conv</option>
            <option value="imagenet">ImageNet: 7×7/2 conv + max-pool/2</option>
          </select>
        </div>

        <label className="field-label" htmlFor={`${id}-stem-channels`}>
          Stem width
        </label>
        <div className="field-control">
          <NumberField
            id={`${id}-stem-channels`}
            testId="stem-channels-input"
            value={spec.stem.channels}
            invalid={problem('stem/channels')}
            onChange={(channels) => set({ stem: { ...spec.stem, channels } })}
          />
          <span className="hint">channels</span>
        </div>

        <label className="field-label" htmlFor={`${id}-head`}>
          Head pool
        </label>
        <div className="field-control">
          <select
            id={`${id}-head`}
            data-testid="head-pool"
            value={spec.head.pool}
            aria-invalid={problem('head/pool') || undefined}
            onChange={(e) => set({ head: { pool: e.target.value as ArchSpec['head']['pool'] } })}
          >
            <option value="avg">global average pool</option>
            <option value="max4">4×4 max-pool, stride 1</option>
          </select>
        </div>
      </div>
    </section>
  );
}
