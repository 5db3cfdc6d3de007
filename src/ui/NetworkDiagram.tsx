import {
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type RefObject,
} from 'react';
import { useLab } from '../store/lab';
import { Flow, Shortcut } from './DiagramLines';
import { DiagramLegend } from './DiagramLegend';
import { HEIGHT, layoutDiagram, STAGE_BOTTOM, STAGE_TOP } from './diagramLayout';
import { HeadCard, StemCard } from './EndCards';
import { stageIssues } from './issuePaths';
import { StageBox } from './StageBox';

/**
 * The network as a diagram: stem → stages → head. Each block is a card (kind, widths, C×d with
 * its C paths drawn as lanes, stride, output shape), each shortcut an arc over its block into
 * the addition — solid for identity, dashed for a projection, dotted for option A, none in a
 * plain net. A stage shows its first block and one stacked card for the blocks that repeat.
 * Clicking a stage (or focusing it and pressing Enter/Space) selects it for the inspector.
 *
 * A diagram a little wider than the panel (ResNet-20 at 1280 px) is scaled down to fit; one
 * that would get too small to read (four stages) scrolls sideways, with a visible scrollbar and
 * a line that says so — never cut off without a sign.
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
  const room = useWidth(scroller);
  const scale = room && layout.width > room ? room / layout.width : 1;
  const fits = scale >= MIN_SCALE;
  const drawn = fits ? scale : 1;
  const scrollBy = (direction: number) =>
    scroller.current?.scrollBy({ left: direction * room * 0.8, behavior: 'smooth' });

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
      <div
        className={fits ? 'diagram-scroll' : 'diagram-scroll overflowing'}
        ref={scroller}
        data-testid="diagram-scroll"
        data-scale={drawn.toFixed(2)}
      >
        <svg
          width={layout.width * drawn}
          height={HEIGHT * drawn}
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
            <StageBox
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
      {!fits && (
        <p className="muted diagram-more" data-testid="diagram-more">
          <button type="button" className="ghost small" onClick={() => scrollBy(-1)}>
            ◀
          </button>
          <button type="button" className="ghost small" onClick={() => scrollBy(1)}>
            ▶
          </button>{' '}
          The network is wider than the panel: scroll the diagram sideways (these buttons, the bar
          under it, or Shift + wheel) to see all {spec.stages.length} stages and the head.
        </p>
      )}
      <DiagramLegend residual={spec.residual} />
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

/** Below this the diagram's 12 px labels get too small to read: scroll instead of shrinking. */
const MIN_SCALE = 0.75;

/** The inner width of the scroll box, kept up to date (0 before the first layout). */
function useWidth(ref: RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    const measure = () => {
      const style = getComputedStyle(box);
      setWidth(box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(box);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
