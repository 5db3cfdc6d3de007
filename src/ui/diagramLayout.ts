// Where everything of the network diagram goes: plain geometry from the spec (and its shapes
// when they can be computed), no React. The diagram reads left to right, stem → stages → head,
// along one centre line; each block is a card, its shortcut an arc over it into an addition ⊕.
import {
  analyze,
  LIMITS,
  networkRows,
  type ArchSpec,
  type Shape,
  type ShortcutUsed,
  type StageSpec,
} from '../spec';
import { stageInputChannels } from './specEdits';

export const CARD_W = 136;
export const CARD_H = 172;
/** Stem and head cards: narrower and shorter, centred on the same line. */
export const END_W = 120;
export const END_H = 132;
const BLOCK_GAP = 48;
const PAD_LEFT = 22;
const PAD_RIGHT = 30;
const STAGE_GAP = 12;
const END_GAP = 20;
const MARGIN = 10;
/** Shortcuts leave the line this far before a card and join it (⊕) this far after it. */
export const SPLIT_BEFORE = 16;
export const ADD_AFTER = 18;

export const STAGE_TOP = 6;
export const ARC_Y = 48;
export const CARD_Y = 64;
export const CENTER_Y = CARD_Y + CARD_H / 2;
export const FOOTER_Y = CARD_Y + CARD_H + 14;
export const FOOTER_H = 48;
export const STAGE_BOTTOM = FOOTER_Y + FOOTER_H + 4;
export const HEIGHT = STAGE_BOTTOM + 8;

/** Stages with more blocks than this show their first block and one card for the rest. */
export const SHOWN_BLOCKS = 1;

export interface BlockFacts {
  input: Shape | null;
  output: Shape | null;
  shortcut: ShortcutUsed;
  /** Per block; null while the spec is invalid (counts of an invalid net mean nothing). */
  params: number | null;
  macs: number | null;
}

export interface CardLayout {
  key: string;
  /** "layer2.0", or "layer2.1–5" for the card standing for the repeated blocks. */
  name: string;
  x: number;
  /** How many identical blocks this card stands for (1, or blocks − 1 for the repeat card). */
  repeat: number;
  stride: number;
  facts: BlockFacts;
}

export interface StageLayout {
  index: number;
  stage: StageSpec;
  x: number;
  width: number;
  cards: CardLayout[];
  params: number | null;
  macs: number | null;
}

export interface DiagramLayout {
  width: number;
  stem: { x: number; input: Shape; output: Shape | null; params: number | null };
  stages: StageLayout[];
  head: { x: number; input: Shape | null; params: number | null };
}

const wholeIn = (x: unknown, lo: number, hi: number) =>
  Number.isInteger(x) && (x as number) >= lo && (x as number) <= hi;

/** Whether the layer walk can run on this spec: every number it loops over or divides by is sane. */
function walkable(spec: ArchSpec): boolean {
  const channels = (x: unknown) => wholeIn(x, 1, LIMITS.channels);
  return (
    channels(spec.stem.channels) &&
    spec.stages.length >= 1 &&
    spec.stages.length <= LIMITS.stages &&
    spec.stages.every(
      (s) =>
        wholeIn(s.blocks, 1, LIMITS.blocks) &&
        channels(s.outChannels) &&
        channels(s.bottleneckWidth) &&
        channels(s.cardinality) &&
        wholeIn(s.stride, 1, 2),
    )
  );
}

interface Facts {
  stem: { output: Shape | null; params: number | null };
  blocks: BlockFacts[][];
  head: { input: Shape | null; params: number | null };
}

/**
 * Shapes and counts per block: analyze() for a valid spec; for an invalid one the same layer walk
 * still gives shapes where it can run (e.g. a width not divisible by C), with no counts.
 */
function facts(spec: ArchSpec, valid: boolean): Facts {
  let rows: {
    stage: number | null;
    input: Shape;
    output: Shape;
    shortcut: ShortcutUsed;
    params: number | null;
    macs: number | null;
  }[] = [];
  try {
    if (valid) rows = analyze(spec).rows;
    else if (walkable(spec)) {
      rows = networkRows(spec).map((row) => ({ ...row, params: null, macs: null }));
    }
  } catch {
    rows = [];
  }
  if (rows.length === 0) {
    // No walk: draw the structure alone, with the shortcut each stage's first block would use.
    return {
      stem: { output: null, params: null },
      blocks: spec.stages.map((stage, s) =>
        Array.from({ length: Math.min(stage.blocks, SHOWN_BLOCKS + 1) }, (_, i) => {
          const changes =
            i === 0 && (stage.stride !== 1 || stageInputChannels(spec, s) !== stage.outChannels);
          const shortcut: ShortcutUsed = !spec.residual
            ? 'none'
            : changes
              ? stage.shortcut
              : 'identity';
          return { input: null, output: null, shortcut, params: null, macs: null };
        }),
      ),
      head: { input: null, params: null },
    };
  }
  const head = rows[rows.length - 1];
  return {
    stem: { output: rows[0].output, params: rows[0].params },
    blocks: spec.stages.map((_, s) => rows.filter((row) => row.stage === s + 1)),
    head: { input: head.input, params: head.params },
  };
}

export function layoutDiagram(spec: ArchSpec, valid: boolean): DiagramLayout {
  const known = facts(spec, valid);
  const stemX = MARGIN;
  let x = stemX + END_W + END_GAP;
  const stages = spec.stages.map((stage, index): StageLayout => {
    const blocks = known.blocks[index] ?? [];
    const count = Number.isInteger(stage.blocks) && stage.blocks > 0 ? stage.blocks : 1;
    const cards: CardLayout[] = [];
    let cardX = x + PAD_LEFT;
    const shown = Math.min(count, SHOWN_BLOCKS);
    for (let i = 0; i < shown; i++) {
      cards.push({
        key: `${index}.${i}`,
        name: `layer${index + 1}.${i}`,
        x: cardX,
        repeat: 1,
        stride: i === 0 ? stage.stride : 1,
        facts: blocks[i] ?? emptyFacts(spec),
      });
      cardX += CARD_W + BLOCK_GAP;
    }
    if (count > shown) {
      const repeat = count - shown;
      cards.push({
        key: `${index}.rest`,
        name:
          repeat === 1 ? `layer${index + 1}.${shown}` : `layer${index + 1}.${shown}–${count - 1}`,
        x: cardX,
        repeat,
        stride: 1,
        facts: blocks[shown] ?? emptyFacts(spec),
      });
    }
    const width = PAD_LEFT + cards.length * CARD_W + (cards.length - 1) * BLOCK_GAP + PAD_RIGHT;
    const sum = (key: 'params' | 'macs') =>
      blocks.length === count && blocks.every((b) => b[key] !== null)
        ? blocks.reduce((total, b) => total + (b[key] ?? 0), 0)
        : null;
    const layout: StageLayout = {
      index,
      stage,
      x,
      width,
      cards,
      params: sum('params'),
      macs: sum('macs'),
    };
    x += width + STAGE_GAP;
    return layout;
  });
  const headX = x - STAGE_GAP + END_GAP;
  return {
    width: headX + END_W + MARGIN,
    stem: { x: stemX, input: [3, 32, 32], ...known.stem },
    stages,
    head: { x: headX, ...known.head },
  };
}

function emptyFacts(spec: ArchSpec): BlockFacts {
  return {
    input: null,
    output: null,
    shortcut: spec.residual ? 'identity' : 'none',
    params: null,
    macs: null,
  };
}
