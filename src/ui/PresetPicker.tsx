import { PRESETS, type PresetGroup } from '../spec';
import { matchingPreset, useLab } from '../store/lab';

const GROUP_LABELS: Record<PresetGroup, string> = {
  tiny: 'Tiny (demos, tests)',
  'cifar-resnet': 'CIFAR ResNets (He et al.)',
  'imagenet-resnet': 'ImageNet-style ResNets (patched for 32×32)',
  resnext: 'ResNeXts',
  notebook: "The notebooks' models",
};

/** The preset list, grouped, with the chosen preset's one-line origin under it. */
export function PresetPicker() {
  const spec = useLab((s) => s.spec);
  const choosePreset = useLab((s) => s.choosePreset);
  const current = matchingPreset(spec);
  const groups = Object.keys(GROUP_LABELS) as PresetGroup[];

  return (
    <div className="preset-picker">
      <label htmlFor="preset-select">Network</label>
      <select
        id="preset-select"
        data-testid="preset-select"
        value={current ?? ''}
        onChange={(e) => choosePreset(e.target.value)}
      >
        {current === null && <option value="">custom (edited)</option>}
        {groups.map((group) => (
          <optgroup key={group} label={GROUP_LABELS[group]}>
            {Object.entries(PRESETS)
              .filter(([, preset]) => preset.group === group)
              .map(([name]) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </optgroup>
        ))}
      </select>
      <p className="muted origin">
        {current ? PRESETS[current].description : 'An edited network: share it with the URL.'}
      </p>
    </div>
  );
}
