// Small labelled controls of the inspector: a number input that lets any number through (the
// spec's validate() judges it), a segmented radio group and an on/off switch.
import { useId, useState } from 'react';

/**
 * A plain number input. While it is being typed in, the text is its own (so "1" on the way to
 * "100" is fine); every parseable number goes to onChange at once, valid or not. Leaving the
 * field shows the spec's value again (an emptied field changes nothing).
 */
export function NumberField(props: {
  id: string;
  testId: string;
  value: number;
  onChange(value: number): void;
  invalid?: boolean;
  disabled?: boolean;
  describedBy?: string;
}) {
  const { id, testId, value, onChange, invalid, disabled, describedBy } = props;
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <input
      id={id}
      type="number"
      inputMode="numeric"
      step={1}
      className="number-field"
      data-testid={testId}
      value={draft ?? String(value)}
      disabled={disabled}
      aria-invalid={invalid || undefined}
      aria-describedby={describedBy}
      onChange={(e) => {
        const text = e.target.value;
        setDraft(text);
        const n = Number(text);
        if (text.trim() !== '' && Number.isFinite(n)) onChange(n);
      }}
      onBlur={() => setDraft(null)}
    />
  );
}

/** A radio group drawn as a segmented control; arrow keys move between the options. */
export function Segmented<T extends string>(props: {
  labelledBy: string;
  testId: string;
  value: T;
  options: { value: T; label: string }[];
  onChange(value: T): void;
  invalid?: boolean;
}) {
  const { labelledBy, testId, value, options, onChange, invalid } = props;
  const name = useId();
  return (
    <div
      className={invalid ? 'segmented invalid' : 'segmented'}
      role="radiogroup"
      aria-labelledby={labelledBy}
      data-testid={testId}
    >
      {options.map((option) => (
        <label key={option.value} className="segment">
          <input
            type="radio"
            name={name}
            value={option.value}
            checked={option.value === value}
            onChange={() => onChange(option.value)}
          />
          <span>{option.label}</span>
        </label>
      ))}
    </div>
  );
}

/** An on/off switch: a checkbox with role="switch", its label beside it. */
export function Switch(props: {
  testId: string;
  checked: boolean;
  onChange(checked: boolean): void;
  label: string;
}) {
  const { testId, checked, onChange, label } = props;
  return (
    <label className="switch">
      <input
        type="checkbox"
        role="switch"
        data-testid={testId}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span className="switch-track" aria-hidden="true" />
      <span className="switch-label">{label}</span>
    </label>
  );
}
