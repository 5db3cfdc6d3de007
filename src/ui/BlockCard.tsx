// One block card of the diagram: its kind and layers (a bottleneck's grouped 3×3 drawn as C
// lanes), C×d, output shape and params. A card with repeat > 1 is drawn as a stack and stands
// for that many identical blocks.
import type { ReactNode } from 'react';
import type { ArchSpec, StageSpec } from '../spec';
import { CARD_H, CARD_W, CARD_Y, type CardLayout } from './diagramLayout';
import { compact, shape } from './format';

/** The per-path width as the paper writes it ("64d"), or the fraction when C does not divide. */
function perPath(stage: StageSpec): { text: string; whole: boolean } {
  const d = stage.bottleneckWidth / stage.cardinality;
  const whole = Number.isInteger(d);
  return { text: `${stage.cardinality}×${whole ? d : d.toFixed(1)}d`, whole };
}

export function BlockCard({
  spec,
  stage,
  card,
}: {
  spec: ArchSpec;
  stage: StageSpec;
  card: CardLayout;
}) {
  const { x, repeat, facts } = card;
  const y = CARD_Y;
  const inner = CARD_W - 20;
  const bottleneck = stage.block === 'bottleneck';
  const paths = perPath(stage);
  const title =
    `${card.name}: ${stage.block} block` +
    (bottleneck
      ? `, width ${stage.bottleneckWidth}, C = ${stage.cardinality} (${paths.text})`
      : '') +
    `, ${stage.outChannels} channels out` +
    (card.stride > 1 ? `, stride ${card.stride}` : '') +
    (repeat > 1 ? `; stands for ${repeat} identical blocks` : '') +
    (spec.residual ? `; shortcut: ${facts.shortcut}` : '; no shortcut (plain network)');
  // Stride on the name row; the repeat count on the kind row, clear of a long "layer1.1–199".
  const pill = card.stride > 1 ? `stride ${card.stride}` : repeat > 1 ? `× ${repeat}` : null;
  const pillWidth = pill ? pill.length * 5.6 + 12 : 0;
  const pillY = card.stride > 1 ? y + 6 : y + 25;
  return (
    <g className="block-card" data-testid="block-card" data-repeat={repeat}>
      <title>{title}</title>
      {repeat > 1 && (
        <>
          <rect className="card stack" x={x + 8} y={y + 8} width={CARD_W} height={CARD_H} rx={10} />
          <rect className="card stack" x={x + 4} y={y + 4} width={CARD_W} height={CARD_H} rx={10} />
        </>
      )}
      <rect className="card" x={x} y={y} width={CARD_W} height={CARD_H} rx={10} />
      <text x={x + 10} y={y + 18} className="card-name">
        {card.name}
      </text>
      {pill && (
        <g className={repeat > 1 ? 'card-pill repeat' : 'card-pill'}>
          <rect x={x + CARD_W - 8 - pillWidth} y={pillY} width={pillWidth} height={17} rx={8.5} />
          <text x={x + CARD_W - 8 - pillWidth / 2} y={pillY + 12.5} textAnchor="middle">
            {pill}
          </text>
        </g>
      )}
      <text x={x + 10} y={y + 38} className="card-kind">
        {stage.block}
      </text>

      {bottleneck ? (
        <>
          <Bar
            x={x + 10}
            y={y + 48}
            width={inner}
            height={15}
            label={`1×1, ${stage.bottleneckWidth}`}
          />
          <Lanes x={x + 10} y={y + 67} width={inner} height={18} count={stage.cardinality} />
          <Bar
            x={x + 10}
            y={y + 89}
            width={inner}
            height={15}
            label={`1×1, ${stage.outChannels}`}
          />
        </>
      ) : (
        <>
          <Bar
            x={x + 10}
            y={y + 50}
            width={inner}
            height={22}
            label={`3×3, ${stage.outChannels}`}
          />
          <Bar
            x={x + 10}
            y={y + 80}
            width={inner}
            height={22}
            label={`3×3, ${stage.outChannels}`}
          />
        </>
      )}

      <Row x={x} y={y + 124} label={bottleneck ? 'C×d' : 'width'}>
        {bottleneck ? (
          <tspan className={paths.whole ? undefined : 'bad'} data-testid="card-paths">
            {paths.text}
          </tspan>
        ) : (
          String(stage.outChannels)
        )}
      </Row>
      <Row x={x} y={y + 142} label="out" mono>
        {facts.output ? shape(facts.output) : '?'}
      </Row>
      <Row x={x} y={y + 160} label={repeat > 1 ? 'per block' : 'params'}>
        {facts.params !== null ? compact(facts.params) : '—'}
      </Row>
    </g>
  );
}

function Row(props: { x: number; y: number; label: string; mono?: boolean; children: ReactNode }) {
  const { x, y, label, mono, children } = props;
  return (
    <>
      <text x={x + 10} y={y} className="card-key">
        {label}
      </text>
      <text
        x={x + CARD_W - 10}
        y={y}
        textAnchor="end"
        className={mono ? 'card-value mono' : 'card-value'}
      >
        {children}
      </text>
    </>
  );
}

function Bar(props: { x: number; y: number; width: number; height: number; label: string }) {
  const { x, y, width, height, label } = props;
  return (
    <g className="layer-bar">
      <rect x={x} y={y} width={width} height={height} rx={3} />
      <text x={x + width / 2} y={y + height / 2 + 3.5} textAnchor="middle">
        {label}
      </text>
    </g>
  );
}

/** The grouped 3×3 conv as C parallel lanes (at most 32 drawn); one wide lane when C = 1. */
function Lanes(props: { x: number; y: number; width: number; height: number; count: number }) {
  const { x, y, width, height, count } = props;
  const n = Math.max(1, Math.min(32, Number.isFinite(count) ? Math.floor(count) : 1));
  const gap = n === 1 ? 0 : n <= 8 ? 3 : n <= 16 ? 2 : 1;
  const lane = (width - gap * (n - 1)) / n;
  return (
    <g className={n === 1 ? 'lanes single' : 'lanes'} data-testid="lanes" data-lanes={n}>
      {Array.from({ length: n }, (_, i) => (
        <rect
          key={i}
          x={x + i * (lane + gap)}
          y={y}
          width={lane}
          height={height}
          rx={n > 16 ? 0.5 : 1.5}
        />
      ))}
      <text x={x + width / 2} y={y + height / 2 + 3.5} textAnchor="middle" className="lanes-label">
        3×3{count > 1 ? `, ${count} paths` : ''}
      </text>
    </g>
  );
}
