// One stage of the diagram as a selectable box: its title, its block cards, and a footer with
// its params and mult-adds — or, when validate() found problems in it, those problems.
import type { KeyboardEvent } from 'react';
import type { ArchSpec, SpecIssue } from '../spec';
import { BlockCard } from './BlockCard';
import { FOOTER_H, FOOTER_Y, STAGE_BOTTOM, STAGE_TOP, type StageLayout } from './diagramLayout';
import { compact } from './format';
import { withoutStagePrefix } from './issuePaths';

interface StageBoxProps {
  spec: ArchSpec;
  stage: StageLayout;
  selected: boolean;
  issues: SpecIssue[];
  onSelect(): void;
  onKeyDown(event: KeyboardEvent): void;
}

export function StageBox({ spec, stage, selected, issues, onSelect, onKeyDown }: StageBoxProps) {
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
