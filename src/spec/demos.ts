// The Learn section's guided demos: ready experiments (networks, recipe, data subset) with a
// short narrative in our own words. Each has a quick size that shows the effect in minutes on a
// laptop GPU and a full size that follows the published setting. Pure data, for the Learn panel
// (which queues the runs) and its tests.

import { analyze } from './analyze';
import { basicStage, bottleneckStage, presetSpec } from './presets';
import { presetRecipe } from './recipes';
import { testLimitFor } from './runSize';
import { armLabel, cardinalityStudy } from './study';
import type { ArchSpec, AugmentSpec, Recipe, ShortcutKind } from './types';

export type DemoId = 'degradation' | 'cardinality' | 'blocks' | 'shortcuts' | 'augmentation';
export type DemoSize = 'quick' | 'full';
export const DEMO_SIZES: readonly DemoSize[] = ['quick', 'full'];

export interface DemoRun {
  label: string;
  spec: ArchSpec;
  recipe: Recipe;
  /** Train on the first N images (0 = all 50,000). */
  limitTrain: number;
}

export interface DemoPlan {
  runs: DemoRun[];
  dataset: 'cifar10';
  /** What this size shows when it has run. */
  expect: string;
  /** Where the recipe comes from and what was cut. */
  recipeNote: string;
}

export interface Demo {
  id: DemoId;
  title: string;
  /** The tab's label. */
  short: string;
  narrative: { idea: string; watch: string; meaning: string };
  /** The view besides loss and test accuracy: train vs test accuracy (gap), or none. */
  extra: 'gap' | null;
  sizes: Record<DemoSize, DemoPlan>;
}

const CIFAR10_TRAIN = 50_000;
const CIFAR10_TEST = 10_000;

/** A named recipe with some fields changed (a fresh copy). */
function recipeFrom(name: string, change: Partial<Recipe>): Recipe {
  return { ...presetRecipe(name)!, ...change };
}

/** He et al.'s CIFAR recipe (step-160), cut to its first epochs: SGD 0.1 before any drop. */
const heFirstEpochs = (epochs: number) => recipeFrom('step-160', { epochs });

/**
 * He et al.'s SGD (momentum 0.9, wd 1e-4, batch 128) with a one-cycle rate peaking at their 0.1:
 * a short run needs the warm-up. At 0.1 from the first step a 56-layer net has a rough first
 * epoch (a PyTorch check of the quick size: ResNet-56's loss 3.1 in epoch 1, plain-56's 2.3) and
 * a 237-step run never makes it up; He et al. warmed ResNet-110 up at 0.01 for the same reason.
 */
const heWarmCycle = (epochs: number) =>
  recipeFrom('step-160', {
    epochs,
    schedule: {
      kind: 'onecycle',
      maxLr: 0.1,
      pctStart: 0.3,
      divFactor: 25,
      finalDivFactor: 1e4,
      anneal: 'cos',
    },
  });

/** The ResNeXt paper's CIFAR recipe (§5.2): batch 128, lr 0.1 ÷10 at 150 and 225 of 300, wd 5e-4. */
const resnextCifar = (epochs = 300): Recipe =>
  recipeFrom('step-160', {
    epochs,
    schedule: { kind: 'multistep', milestones: [150, 225], gamma: 0.1 },
    optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
  });

const preset = (name: string) => presetSpec(name)!;

const withShortcut = (spec: ArchSpec, shortcut: ShortcutKind): ArchSpec => ({
  ...spec,
  stages: spec.stages.map((s) => ({ ...s, shortcut })),
});

const run = (label: string, spec: ArchSpec, recipe: Recipe, limitTrain: number): DemoRun => ({
  label,
  spec,
  recipe: structuredClone(recipe),
  limitTrain,
});

// ---- 1. Degradation -------------------------------------------------------------------------

function degradationRuns(recipe: Recipe, limitTrain: number): DemoRun[] {
  return [
    run('plain-20', preset('plain20'), recipe, limitTrain),
    run('plain-56', preset('plain56'), recipe, limitTrain),
    run('ResNet-20', preset('resnet20'), recipe, limitTrain),
    run('ResNet-56', preset('resnet56'), recipe, limitTrain),
  ];
}

// ---- 2. Cardinality -------------------------------------------------------------------------

/** ResNeXt-29's layout (3 × 3 bottlenecks, outputs 256/512/1024) at the 1×64d budget. */
function resnext29OneBy64(): ArchSpec {
  return {
    ...preset('resnext29_32x4d'),
    stages: [0, 1, 2].map((i) => bottleneckStage(3, 256 << i, 64 << i, 1, i === 0 ? 1 : 2)),
  };
}

function cardinalityRuns(
  template: ArchSpec,
  cardinalities: number[],
  recipe: Recipe,
  limitTrain: number,
): DemoRun[] {
  return cardinalityStudy(template, cardinalities, true).arms.map((arm) =>
    run(armLabel(arm), arm.spec, recipe, limitTrain),
  );
}

// ---- 3. Basic vs bottleneck -----------------------------------------------------------------

/** ResNet-20's nine blocks as bottlenecks: 1×1 to 16/32/64, 3×3, 1×1 out to 4× (29 layers). */
function bottleneck29(): ArchSpec {
  return {
    ...preset('resnet20'),
    stages: [0, 1, 2].map((i) => bottleneckStage(3, 64 << i, 16 << i, 1, i === 0 ? 1 : 2)),
  };
}

function resnet20B(): ArchSpec {
  return {
    ...preset('resnet20'),
    stages: [0, 1, 2].map((i) => basicStage(3, 16 << i, i === 0 ? 1 : 2, 'B')),
  };
}

// ---- 5. Augmentation ------------------------------------------------------------------------

const NO_AUGMENT: AugmentSpec = { crop: false, flip: false, colorJitter: null, randomErasing: 0 };

function augmentationRuns(recipe: Recipe, limitTrain: number): DemoRun[] {
  return [
    run('crop + flip', preset('resnet20'), recipe, limitTrain),
    run('no augmentation', preset('resnet20'), { ...recipe, augment: NO_AUGMENT }, limitTrain),
  ];
}

/** He et al.'s step schedule squeezed into 12 epochs (÷10 at 6 and 9), to let the nets overfit. */
const compressedStep = recipeFrom('step-160', {
  epochs: 12,
  schedule: { kind: 'multistep', milestones: [6, 9], gamma: 0.1 },
});

export const DEMOS: readonly Demo[] = [
  {
    id: 'degradation',
    title: 'The degradation problem',
    short: 'Degradation',
    narrative: {
      idea: 'On paper a deeper network can never do worse than a shallower one: its extra layers could just pass their input through. He et al. (2016) found that plain networks do get worse as they get deeper — and worse on the training set, so this is not overfitting: the deeper net is harder to optimise. A residual network adds a shortcut around every pair of layers, so each block only has to learn a correction to the identity.',
      watch:
        'The training loss. The plain pair splits: plain-56 stays above plain-20 although it has three times the layers and parameters. Over the full schedule the residual pair ends the other way round: ResNet-56 below ResNet-20.',
      meaning:
        'Depth is not the problem; being hard to train is. With shortcuts the same 56 layers train at least as well as 20, which is what made networks of 100 layers and more practical.',
    },
    extra: null,
    sizes: {
      quick: {
        runs: degradationRuns(heWarmCycle(3), 10_000),
        dataset: 'cifar10',
        expect:
          'The plain pair splits from the first epoch: plain-56 ends above plain-20 in training loss and below it in test accuracy. With shortcuts the same depth trains, close to ResNet-20; ResNet-56 passing ResNet-20 needs the long schedule. The reference run below gives the figures.',
        recipeNote:
          'He et al.’s SGD (momentum 0.9, wd 1e-4, batch 128, crop + flip) with a one-cycle rate peaking at their 0.1: the warm-up lets the 56-layer nets start',
      },
      full: {
        runs: degradationRuns(presetRecipe('step-160')!, 0),
        dataset: 'cifar10',
        expect:
          'He et al.’s Fig. 6 on CIFAR-10: plain-56 trains and tests worse than plain-20 all the way; ResNet-56 ends better than ResNet-20 (the paper: 6.97% against 8.75% test error).',
        recipeNote: 'He et al.’s step-160 recipe: SGD 0.1, ÷10 at epochs 80 and 120, batch 128',
      },
    },
  },
  {
    id: 'cardinality',
    title: 'Cardinality at fixed complexity',
    short: 'Cardinality',
    narrative: {
      idea: 'ResNeXt (Xie et al. 2017) splits a bottleneck’s 3×3 convolution into C parallel paths of width d — a grouped convolution. The question: with the parameters and multiply-adds held fixed, are more, narrower paths better? Every arm here is the same network at a different C, with d shrunk so that its totals stay within a few percent of C = 1’s.',
      watch:
        'First the table: parameters and multiply-adds nearly equal while d falls as C grows. Then the curves, and the speed: the grouped convolution is split into C small ones here, so higher C trains slower per image even at equal multiply-adds.',
      meaning:
        'In the paper, at equal complexity, raising C lowered ImageNet error step by step (ResNeXt-50’s ablation: 23.9% top-1 error at 1×64d, 22.2% at 32×4d): cardinality is a dimension beside depth and width. The gains are a point or two after full training; short runs on a subset sit within seed noise of each other.',
    },
    extra: null,
    sizes: {
      quick: {
        runs: cardinalityRuns(preset('resnext20_4x16d'), [1, 2, 4, 8], resnextCifar(3), 10_000),
        dataset: 'cifar10',
        expect:
          'Four arms at equal cost train at about the same pace per image: after 3 epochs their accuracies lie within a few points (PyTorch at this size: 38% for C = 1, 40–42% for C = 2, 4, 8), close to seed noise at this size. What shows clearly is the fixed-complexity construction and the time each C costs.',
        recipeNote:
          'The ResNeXt paper’s CIFAR recipe (SGD 0.1, batch 128, wd 5e-4), its first 3 epochs',
      },
      full: {
        runs: cardinalityRuns(resnext29OneBy64(), [1, 2, 4, 8, 32], resnextCifar(), 0),
        dataset: 'cifar10',
        expect:
          'ResNeXt-29 at the 1×64d budget with the paper’s Table 2 widths (d = 64, 40, 24, 14, 4 in the first stage): expect test error to fall as C rises, as in the paper’s ImageNet ablation, by tenths of a point up to about a point.',
        recipeNote:
          'The ResNeXt paper’s CIFAR recipe: SGD 0.1, ÷10 at epochs 150 and 225 of 300, batch 128, wd 5e-4',
      },
    },
  },
  {
    id: 'blocks',
    title: 'Basic vs bottleneck blocks',
    short: 'Blocks',
    narrative: {
      idea: 'A basic block is two 3×3 convolutions. A bottleneck block is 1×1 (narrow the channels), 3×3 (on the narrow width), 1×1 (widen again, to 4× the inner width). For about the same parameters and multiply-adds it has more layers and wider outputs, which is how ResNet-50 and deeper stay affordable.',
      watch:
        'The table: parameters, multiply-adds and best test accuracy side by side, then whether the extra layers buy accuracy at equal cost.',
      meaning:
        'On ImageNet He et al.’s ResNet-50 (bottlenecks) beat ResNet-34 (basic blocks) at similar cost. On CIFAR-10 the factory notebook found them even (96% and 95%): the bottleneck is an efficiency design whose pay-off is depth at a fixed budget, and small images reward it less.',
    },
    extra: null,
    sizes: {
      quick: {
        runs: [
          run('ResNet-20 (basic)', resnet20B(), heFirstEpochs(3), 10_000),
          run('ResNet-29 (bottleneck)', bottleneck29(), heFirstEpochs(3), 10_000),
        ],
        dataset: 'cifar10',
        expect:
          'The same nine blocks, basic or bottleneck: the bottleneck net has 29 layers for 15% more parameters and multiply-adds, and after 3 epochs the deeper net is still behind (PyTorch at this size: 27% test accuracy against 40.5%).',
        recipeNote: 'He et al.’s step-160 recipe (SGD 0.1, batch 128), its first 3 epochs',
      },
      full: {
        runs: [
          run('ResNet-34 (basic)', preset('resnet34'), presetRecipe('step-200')!, 0),
          run('ResNet-50 (bottleneck)', preset('resnet50'), presetRecipe('step-200')!, 0),
        ],
        dataset: 'cifar10',
        expect:
          'torchvision’s ResNet-34 and ResNet-50 patched for 32×32: the factory notebook reached 96% and 95% with this recipe.',
        recipeNote: 'The factory notebook’s step-200: SGD 0.1, ×0.2 at 60, 120, 160, batch 64',
      },
    },
  },
  {
    id: 'shortcuts',
    title: 'Shortcut A (zero-padding) vs B (projection)',
    short: 'Shortcuts',
    narrative: {
      idea: 'Where a stage halves the resolution and doubles the channels, the identity no longer fits the block’s output. Option A skips every other pixel and pads the new channels with zeros: no parameters. Option B uses a 1×1 convolution with batch norm: a learned projection, a few thousand parameters here.',
      watch:
        'The two curves should lie almost on top of each other. Only the two blocks that change shape differ; every other shortcut is the identity in both.',
      meaning:
        'He et al. (Table 3, ImageNet ResNet-34) found B slightly better than A, and projections on every shortcut (C) slightly better again — small enough to conclude that projections are not what solves degradation. The CIFAR ResNets use A.',
    },
    extra: null,
    sizes: {
      quick: {
        runs: [
          run('ResNet-20, A', preset('resnet20'), heFirstEpochs(5), 10_000),
          run('ResNet-20, B', withShortcut(preset('resnet20'), 'B'), heFirstEpochs(5), 10_000),
        ],
        dataset: 'cifar10',
        expect:
          'Curves within noise of each other; B has 1% more parameters (2,752) and the same speed.',
        recipeNote: 'He et al.’s step-160 recipe (SGD 0.1, batch 128), its first 5 epochs',
      },
      full: {
        runs: [
          run('ResNet-56, A', preset('resnet56'), presetRecipe('step-160')!, 0),
          run('ResNet-56, B', withShortcut(preset('resnet56'), 'B'), presetRecipe('step-160')!, 0),
        ],
        dataset: 'cifar10',
        expect:
          'He et al.’s CIFAR setting with either shortcut: both near the paper’s 6.97% test error, within a few tenths of each other.',
        recipeNote: 'He et al.’s step-160 recipe: SGD 0.1, ÷10 at epochs 80 and 120, batch 128',
      },
    },
  },
  {
    id: 'augmentation',
    title: 'Augmentation on vs off',
    short: 'Augmentation',
    narrative: {
      idea: 'Random crops (pad by 4 pixels, cut a 32×32 window) and horizontal flips show the network a slightly different picture every epoch. It can no longer learn the training images by heart, only what stays true under those changes.',
      watch:
        'Train against test accuracy. Without augmentation train accuracy races ahead while test accuracy stalls: the gap is memorisation. With it, the gap stays small, and over a full schedule test accuracy ends higher; in a short run the augmented net is still catching up. Train accuracy here is counted on the batches as they were trained (augmented, for the first run), so it sits a little below a clean pass.',
      meaning:
        'The train–test gap measures overfitting, and crop + flip is a nearly free regulariser: He et al.’s CIFAR results all use it.',
    },
    extra: 'gap',
    sizes: {
      quick: {
        runs: augmentationRuns(compressedStep, 5_000),
        dataset: 'cifar10',
        expect:
          'On 5,000 images without augmentation train accuracy pulls away from test accuracy (PyTorch at this size, after 12 epochs: 62% against 53%); with crop + flip the two stay together (47% and 46%).',
        recipeNote: 'He et al.’s step recipe squeezed into 12 epochs: SGD 0.1, ÷10 at 6 and 9',
      },
      full: {
        runs: augmentationRuns(presetRecipe('step-160')!, 0),
        dataset: 'cifar10',
        expect:
          'ResNet-20 on all 50,000 images: with crop + flip about 91–92% test accuracy (He et al.: 8.75% error); without it train accuracy reaches ~100% and test accuracy ends several points lower.',
        recipeNote: 'He et al.’s step-160 recipe: SGD 0.1, ÷10 at epochs 80 and 120, batch 128',
      },
    },
  },
];

export function demoById(id: string): Demo | undefined {
  return DEMOS.find((d) => d.id === id);
}

/** Test images per epoch for a train limit (0 = the whole test split). */
const testImages = (limitTrain: number) => testLimitFor(limitTrain) || CIFAR10_TEST;

export interface PlanCost {
  /** Images trained, all runs and epochs together. */
  images: number;
  /** Multiply-adds of training (3× forward) and evaluation (forward), all runs together. */
  macs: number;
}

/** A run as far as its cost goes: a demo's run, or a queued experiment. */
export interface CostedRun {
  spec: ArchSpec;
  recipe: Pick<Recipe, 'epochs'>;
  /** Train images (0 = all 50,000). */
  limitTrain: number;
}

/** What a plan costs in images and multiply-adds; spec/timeEstimate.ts turns it into time. */
export function planCost(plan: { runs: readonly CostedRun[] }): PlanCost {
  let images = 0;
  let macs = 0;
  for (const r of plan.runs) {
    const train = r.limitTrain || CIFAR10_TRAIN;
    const perImage = analyze(r.spec).totals.macs;
    const epochs = r.recipe.epochs;
    images += train * epochs;
    // Every epoch evaluates the run's test subset, except the last: it evaluates the whole split.
    const evaluated = (epochs - 1) * testImages(r.limitTrain) + CIFAR10_TEST;
    macs += perImage * (3 * train * epochs + evaluated);
  }
  return { images, macs };
}
