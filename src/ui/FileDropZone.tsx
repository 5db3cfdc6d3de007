import { useState, type DragEvent, type ReactNode } from 'react';

interface FileDropZoneProps {
  /** What to drop, shown before the file picker ("… drop it here or [Choose file]"). */
  label: ReactNode;
  accept: string;
  disabled: boolean;
  onFile: (file: File) => void;
  /** data-testid of the zone and of its file input. */
  zoneTestId: string;
  inputTestId: string;
  /** A line under the label. */
  hint?: ReactNode;
}

/** A dashed zone that takes a dropped file, with a file picker for the keyboard and mouse. */
export function FileDropZone(props: FileDropZoneProps) {
  const { label, accept, disabled, onFile, zoneTestId, inputTestId, hint } = props;
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file && !disabled) onFile(file);
  };
  return (
    <div
      className={over ? 'drop-zone over' : 'drop-zone'}
      data-testid={zoneTestId}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <label>
        {label} drop it here or{' '}
        <input
          type="file"
          accept={accept}
          data-testid={inputTestId}
          disabled={disabled}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) onFile(file);
          }}
        />
      </label>
      {hint && <p className="muted hint">{hint}</p>}
    </div>
  );
}
