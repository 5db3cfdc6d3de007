// The two ends of the diagram: the stem card (its conv, width and the input shape) and the
// head card (pool, classifier and its params). Narrower than block cards, on the same line.
import type { ReactNode } from 'react';
import type { ArchSpec } from '../spec';
import { CENTER_Y, END_H, END_W, type DiagramLayout } from './diagramLayout';
import { compact, shape } from './format';

function EndRow(props: { x: number; y: number; label: string; children: ReactNode }) {
  const { x, y, label, children } = props;
  return (
    <>
      <text x={x + 10} y={y} className="card-key">
        {label}
      </text>
      <text x={x + END_W - 10} y={y} textAnchor="end" className="card-value mono">
        {children}
      </text>
    </>
  );
}

export function StemCard({ spec, layout }: { spec: ArchSpec; layout: DiagramLayout }) {
  const x = layout.stem.x;
  const y = CENTER_Y - END_H / 2;
  const imagenet = spec.stem.kind === 'imagenet';
  return (
    <g className="end-card" data-testid="stem-card">
      <rect className="card" x={x} y={y} width={END_W} height={END_H} rx={10} />
      <text x={x + 10} y={y + 18} className="card-name">
        stem
      </text>
      <text x={x + 10} y={y + 38} className="card-kind">
        {imagenet ? '7×7/2 conv' : '3×3 conv'}
      </text>
      <text x={x + 10} y={y + 56} className="card-key">
        {spec.stem.channels} channels
      </text>
      {(imagenet || spec.stem.dropout > 0) && (
        <text x={x + 10} y={y + 72} className="card-key">
          {[imagenet && 'max-pool /2', spec.stem.dropout > 0 && `dropout ${spec.stem.dropout}`]
            .filter(Boolean)
            .join(' · ')}
        </text>
      )}
      <EndRow x={x} y={y + 98} label="in">
        {shape(layout.stem.input)}
      </EndRow>
      <EndRow x={x} y={y + 116} label="out">
        {layout.stem.output ? shape(layout.stem.output) : '?'}
      </EndRow>
    </g>
  );
}

export function HeadCard({ spec, layout }: { spec: ArchSpec; layout: DiagramLayout }) {
  const x = layout.head.x;
  const y = CENTER_Y - END_H / 2;
  return (
    <g className="end-card" data-testid="head-card">
      <rect className="card" x={x} y={y} width={END_W} height={END_H} rx={10} />
      <text x={x + 10} y={y + 18} className="card-name">
        head
      </text>
      <text x={x + 10} y={y + 38} className="card-kind">
        {spec.head.pool === 'avg' ? 'avg pool' : '4×4 max-pool'}
      </text>
      <text x={x + 10} y={y + 56} className="card-key">
        fc → {spec.classes} classes
      </text>
      <EndRow x={x} y={y + 98} label="in">
        {layout.head.input ? shape(layout.head.input) : '?'}
      </EndRow>
      <EndRow x={x} y={y + 116} label="params">
        {layout.head.params !== null ? compact(layout.head.params) : '—'}
      </EndRow>
    </g>
  );
}
