import { useEffect, useId, useMemo, useRef, type KeyboardEvent, type ReactNode } from 'react';
import type { ArchSpec, SpecIssue, StageSpec } from '../spec';
import { useLab } from '../store/lab';
import {
  ADD_AFTER,
  ARC_Y,
  CARD_H,
  CARD_W,
  CARD_Y,
  CENTER_Y,
  END_H,
  END_W,
  FOOTER_H,
  FOOTER_Y,
  HEIGHT,
  layoutDiagram,
  SPLIT_BEFORE,
  STAGE_BOTTOM,
  STAGE_TOP,
  type CardLayout,
  type StageLayout,
} from './diagramLayout';
import { compact, shape } from './format';

/** Issues that belong to stage `index` (paths "stages/<index>" and below). */
export function stageIssues(issues: SpecIssue[], index: number): SpecIssue[] {
  const prefix = `stages/${index}`;
  return issues.filter((issue) => issue.path === prefix || issue.path.startsWith(`${prefix}/`));
}

/** validate() starts a stage's messages with "stage N: "; at the stage itself that is noise. */
export const withoutStagePrefix = (message: string) => message.replace(/^stage \d+: /, '');

const SHORTCUT_LABELS = {
  identity: 'identity',
  A: 'A: subsample + zero-pad',
  B: 'B: 1×1 conv + BN',
  conv3x3: '3×3 conv + BN',
} as const;

/**
 * The network as a diagram: stem → stages → head. Each block is a card (kind, widths, C×d with
 * its C paths drawn as lanes, stride, output shape), each shortcut an arc over its block into
 * the addition — solid for identity, dashed for a projection, dotted for option A, none in a
 * plain net. A stage shows its first block and one stacked card for the blocks that repeat.
 * Clicking a stage (or focusing it and pressing Enter/Space) selects it for the inspector.
 */
export function NetworkDiagram() {
  const spec = useLab((s) => s.spec);
  const issues = useLab((s) => s.specIssues);
  const selected = useLab((s) => s.selectedStage);
  const selectStage = useLab((s) => s.selectStage);
  const valid = issues.length === 0;
  const layout = useMemo(() => layoutDiagram(spec, valid), [spec, valid]);
  const markers = useId().replace(/:/g, '');
  const scroller = useRef<HTMLDivElement>(null);
  const elsewhere = issues.filter((issue) => !issue.path.startsWith('stages/'));

  // Keep the selected stage in view (after adding a stage at the far right, say).
  const selectedLayout = layout.stages[selected];
  const selectedX = selectedLayout?.x ?? 0;
  const selectedWidth = selectedLayout?.width ?? 0;
  useEffect(() => {
    const box = scroller.current;
    if (!box) return;
    if (selectedX < box.scrollLeft) box.scrollLeft = Math.max(0, selectedX - 12);
    else if (selectedX + selectedWidth > box.scrollLeft + box.clientWidth) {
      box.scrollLeft = selectedX + selectedWidth - box.clientWidth + 12;
    }
  }, [selectedX, selectedWidth]);

  const onKey = (index: number) => (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      selectStage(index);
    }
  };

  return (
    <div className="diagram" data-testid="network-diagram">
      <div className="diagram-scroll" ref={scroller}>
        <svg
          width={layout.width}
          height={HEIGHT}
          viewBox={`0 0 ${layout.width} ${HEIGHT}`}
          role="group"
          aria-label="Network diagram: click a stage to edit it"
        >
          <defs>
            <marker
              id={`${markers}-flow`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M0,1 L10,5 L0,9 z" className="diagram-arrowhead" />
            </marker>
            <marker
              id={`${markers}-skip`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto-start-reverse"
            >
              <path d="M0,1 L10,5 L0,9 z" className="diagram-skip-head" />
            </marker>
          </defs>

          {layout.stages.map((stage) => (
            <rect
              key={`bg${stage.index}`}
              className={stage.index === selected ? 'stage-bg selected' : 'stage-bg'}
              x={stage.x}
              y={STAGE_TOP}
              width={stage.width}
              height={STAGE_BOTTOM - STAGE_TOP}
              rx={12}
            />
          ))}

          <Flow layout={layout} spec={spec} marker={`${markers}-flow`} />
          {spec.residual &&
            layout.stages.flatMap((stage) =>
              stage.cards.map((card) => (
                <Shortcut key={card.key} card={card} marker={`${markers}-skip`} />
              )),
            )}

          <StemCard spec={spec} layout={layout} />
          {layout.stages.map((stage) => (
            <Stage
              key={stage.index}
              spec={spec}
              stage={stage}
              selected={stage.index === selected}
              issues={stageIssues(issues, stage.index)}
              onSelect={() => selectStage(stage.index)}
              onKeyDown={onKey(stage.index)}
            />
          ))}
          <HeadCard spec={spec} layout={layout} />
        </svg>
      </div>
      <Legend residual={spec.residual} />
      {elsewhere.length > 0 && (
        <ul className="issues diagram-issues" data-testid="network-issues">
          {elsewhere.map((issue) => (
            <li key={issue.path + issue.message}>{issue.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The main line from the stem to the head, an arrow into every card, ⊕ where shortcuts join. */
function Flow(props: { layout: ReturnType<typeof layoutDiagram>; spec: ArchSpec; marker: string }) {
  const { layout, spec, marker } = props;
  const cards = layout.stages.flatMap((stage) => stage.cards);
  const segments: { from: number; to: number }[] = [];
  let from = layout.stem.x + END_W;
  for (const card of cards) {
    segments.push({ from, to: card.x });
    from = card.x + CARD_W;
  }
  segments.push({ from, to: layout.head.x });
  return (
    <g className="flow" aria-hidden="true">
      {segments.map((s) => (
        <line
          key={s.from}
          x1={s.from}
          y1={CENTER_Y}
          x2={s.to - 1}
          y2={CENTER_Y}
          markerEnd={`url(#${marker})`}
        />
      ))}
      {spec.residual &&
        cards.map((card) => (
          <g key={card.key}>
            <circle className="split" cx={card.x - SPLIT_BEFORE} cy={CENTER_Y} r={3} />
            <circle className="add" cx={card.x + CARD_W + ADD_AFTER} cy={CENTER_Y} r={7} />
            <path
              className="add-plus"
              d={`M${card.x + CARD_W + ADD_AFTER - 4},${CENTER_Y} h8 M${card.x + CARD_W + ADD_AFTER},${CENTER_Y - 4} v8`}
            />
          </g>
        ))}
    </g>
  );
}

/** A block's shortcut: from the split before the card, over it, down into its ⊕. */
function Shortcut({ card, marker }: { card: CardLayout; marker: string }) {
  const kind = card.facts.shortcut;
  if (kind === 'none') return null;
  const [sx, ex, r] = [card.x - SPLIT_BEFORE, card.x + CARD_W + ADD_AFTER, 8];
  const d =
    `M${sx},${CENTER_Y - 3} V${ARC_Y + r} Q${sx},${ARC_Y} ${sx + r},${ARC_Y} ` +
    `H${ex - r} Q${ex},${ARC_Y} ${ex},${ARC_Y + r} V${CENTER_Y - 9}`;
  const style = kind === 'identity' ? 'identity' : kind === 'A' ? 'option-a' : 'projection';
  return (
    <g className={`skip ${style}`} data-shortcut={kind} data-testid="shortcut">
      <path d={d} markerEnd={`url(#${marker})`} />
      <text x={card.x + CARD_W / 2} y={ARC_Y - 6} textAnchor="middle" className="skip-label">
        {SHORTCUT_LABELS[kind]}
      </text>
    </g>
  );
}

interface StageProps {
  spec: ArchSpec;
  stage: StageLayout;
  selected: boolean;
  issues: SpecIssue[];
  onSelect(): void;
  onKeyDown(event: KeyboardEvent): void;
}

function Stage({ spec, stage, selected, issues, onSelect, onKeyDown }: StageProps) {
  const { index, x, width } = stage;
  const blocks = stage.stage.blocks;
  const label =
    `Stage ${index + 1} (layer${index + 1}): ${blocks} ${stage.stage.block} block${blocks === 1 ? '' : 's'}, ` +
    `${stage.stage.outChannels} channels out, stride ${stage.stage.stride}` +
    (issues.length ? `. ${issues.length} problem${issues.length > 1 ? 's' : ''}` : '');
  const className = ['stage', selected && 'selected', issues.length > 0 && 'invalid']
    .filter(Boolean)
    .join(' ');
  return (
    <g
      className={className}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={label}
      data-testid={`stage-card-${index + 1}`}
      data-invalid={issues.length > 0}
      onClick={onSelect}
      onKeyDown={onKeyDown}
    >
      <rect
        className="stage-outline"
        x={x}
        y={STAGE_TOP}
        width={width}
        height={STAGE_BOTTOM - STAGE_TOP}
        rx={12}
      />
      <text x={x + 12} y={STAGE_TOP + 19} className="stage-title">
        layer{index + 1}
        <tspan className="stage-subtitle">
          {' '}
          · {blocks} block{blocks === 1 ? '' : 's'}
        </tspan>
      </text>
      {selected && (
        <g className="stage-pill">
          <rect x={x + width - 62} y={STAGE_TOP + 6} width={52} height={18} rx={9} />
          <text x={x + width - 36} y={STAGE_TOP + 19} textAnchor="middle">
            editing
          </text>
        </g>
      )}
      {stage.cards.map((card) => (
        <BlockCard key={card.key} spec={spec} stage={stage.stage} card={card} />
      ))}
      <foreignObject x={x + 8} y={FOOTER_Y} width={width - 16} height={FOOTER_H}>
        {issues.length > 0 ? (
          <div
            className="stage-footer error"
            data-testid={`stage-error-${index + 1}`}
            title={issues.map((i) => i.message).join('\n')}
          >
            ⚠ {issues.map((i) => withoutStagePrefix(i.message)).join('; ')}
          </div>
        ) : (
          <div className="stage-footer">
            {stage.params !== null ? `${compact(stage.params)} params` : ''}
            {stage.macs !== null ? ` · ${compact(stage.macs)} mult-adds` : ''}
          </div>
        )}
      </foreignObject>
    </g>
  );
}

/** The per-path width as the paper writes it ("64d"), or the fraction when C does not divide. */
function perPath(stage: StageSpec): { text: string; whole: boolean } {
  const d = stage.bottleneckWidth / stage.cardinality;
  const whole = Number.isInteger(d);
  return { text: `${stage.cardinality}×${whole ? d : d.toFixed(1)}d`, whole };
}

function BlockCard({ spec, stage, card }: { spec: ArchSpec; stage: StageSpec; card: CardLayout }) {
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

function StemCard({ spec, layout }: { spec: ArchSpec; layout: ReturnType<typeof layoutDiagram> }) {
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

function HeadCard({ spec, layout }: { spec: ArchSpec; layout: ReturnType<typeof layoutDiagram> }) {
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

function Legend({ residual }: { residual: boolean }) {
  if (!residual) {
    return (
      <p className="diagram-legend muted" data-testid="diagram-legend">
        Plain network: no shortcuts, each block feeds the next directly.
      </p>
    );
  }
  const swatch = (style: string) => (
    <svg width="34" height="10" aria-hidden="true" className={`skip ${style}`}>
      <path d="M1,5 H33" />
    </svg>
  );
  return (
    <p className="diagram-legend muted" data-testid="diagram-legend">
      <span>{swatch('identity')} identity shortcut</span>
      <span>{swatch('projection')} projection (B: 1×1 conv, or 3×3 conv) + BN</span>
      <span>{swatch('option-a')} option A: subsample + zero-pad</span>
      <span>
        <span className="legend-add">+</span> addition
      </span>
      <span>lanes: the C parallel paths of a grouped conv</span>
    </p>
  );
}
