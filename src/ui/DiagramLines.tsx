// The diagram's lines: the main flow from stem to head (with the split and ⊕ of each residual
// block) and each block's shortcut arc, styled by its kind. Drawn under the cards.
import type { ArchSpec } from '../spec';
import {
  ADD_AFTER,
  ARC_Y,
  CARD_W,
  CENTER_Y,
  END_W,
  SPLIT_BEFORE,
  type CardLayout,
  type DiagramLayout,
} from './diagramLayout';

const SHORTCUT_LABELS = {
  identity: 'identity',
  A: 'A: subsample + zero-pad',
  B: 'B: 1×1 conv + BN',
  conv3x3: '3×3 conv + BN',
} as const;

/** The main line from the stem to the head, an arrow into every card, ⊕ where shortcuts join. */
export function Flow(props: { layout: DiagramLayout; spec: ArchSpec; marker: string }) {
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
export function Shortcut({ card, marker }: { card: CardLayout; marker: string }) {
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
