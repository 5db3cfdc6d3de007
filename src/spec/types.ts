// The architecture spec and the training recipe: plain JSON-serialisable data, the single
// source of truth for every model. The builder edits it, the engine builds from it, analyze()
// counts from it, the export writes it and the URL carries it. No TF.js, no DOM here.

/** The first layer. Both kinds are conv (no bias) → batch norm → ReLU. */
export interface StemSpec {
  /** 'cifar': 3×3 stride-1 conv. 'imagenet': 7×7 stride-2 conv, then a 3×3 stride-2 max-pool. */
  kind: 'cifar' | 'imagenet';
  /** Output channels of the stem conv. */
  channels: number;
  /** Channel dropout (PyTorch Dropout2d) after the stem's ReLU; 0 turns it off. */
  dropout: number;
}

/**
 * basic: 3×3 → 3×3 (ResNet-18/34, the CIFAR ResNets).
 * bottleneck: 1×1 → 3×3 with groups = cardinality → 1×1 (ResNet-50+, and ResNeXt when C > 1).
 */
export type BlockKind = 'basic' | 'bottleneck';

/**
 * What a block's shortcut does when its input and output shapes differ (stride ≠ 1 or
 * channels change); with equal shapes the shortcut is always the identity.
 * A: parameter-free; subsample by the stride, zero-pad the new channels (half each side).
 * B: 1×1 conv (with the stride) + batch norm, torchvision's `downsample`.
 * conv3x3: 3×3 conv (padding 1, with the stride) + batch norm, as the CIFAR-100 blog post.
 */
export type ShortcutKind = 'A' | 'B' | 'conv3x3';

export interface StageSpec {
  /** Number of blocks in the stage (≥ 1). */
  blocks: number;
  block: BlockKind;
  /** Output channels of every block of the stage. */
  outChannels: number;
  /**
   * Bottleneck blocks: channels of the grouped 3×3 conv (= cardinality × d, the per-path
   * width). Ignored for basic blocks, whose inner width is outChannels.
   */
  bottleneckWidth: number;
  /** Groups of the bottleneck's 3×3 conv (C in the ResNeXt paper); 1 for basic blocks. */
  cardinality: number;
  /** Stride of the stage's first block (1 or 2); the others use 1. */
  stride: number;
  /** The shortcut used where a block changes shape. */
  shortcut: ShortcutKind;
}

export interface HeadSpec {
  /** 'avg': global average pool. 'max4': 4×4 max-pool with stride 1 (the blog's head), then flatten. */
  pool: 'avg' | 'max4';
}

export interface ArchSpec {
  stem: StemSpec;
  stages: StageSpec[];
  head: HeadSpec;
  /** Output classes of the final linear layer (10 for CIFAR-10, 100 for CIFAR-100). */
  classes: number;
  /** false: no shortcuts at all (the "plain" networks of the degradation experiment). */
  residual: boolean;
  /** ReLU after the residual addition (true in torchvision; false in the CIFAR-100 blog post). */
  reluAfterAdd: boolean;
  /** Bias on the block and projection-shortcut convs (the stem conv never has one). */
  convBias: boolean;
}

export type OptimizerSpec =
  | { kind: 'sgd'; lr: number; momentum: number; nesterov: boolean; weightDecay: number }
  | {
      kind: 'adamw';
      lr: number;
      beta1: number;
      beta2: number;
      eps: number;
      weightDecay: number;
    };

/**
 * Learning-rate schedules with PyTorch's semantics. multistep and cosine step once per epoch
 * (MultiStepLR, CosineAnnealingLR); onecycle steps once per iteration (OneCycleLR, whose
 * max_lr replaces the optimizer's lr).
 */
export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'multistep'; milestones: number[]; gamma: number }
  | { kind: 'cosine'; tMax: number; etaMin: number }
  | {
      kind: 'onecycle';
      maxLr: number;
      pctStart: number;
      divFactor: number;
      finalDivFactor: number;
      anneal: 'cos' | 'linear';
    };

export interface AugmentSpec {
  /** Zero-pad by 4 pixels, then a random 32×32 crop. */
  crop: boolean;
  /** Random horizontal flip with probability 0.5. */
  flip: boolean;
  /** torchvision ColorJitter factors; null turns it off. */
  colorJitter: { brightness: number; contrast: number; saturation: number; hue: number } | null;
  /** torchvision RandomErasing probability (after normalisation); 0 turns it off. */
  randomErasing: number;
}

export interface Recipe {
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec;
  epochs: number;
  batchSize: number;
  /** CrossEntropyLoss(label_smoothing=…); 0 turns it off. */
  labelSmoothing: number;
  /** Clip the global L2 norm of the gradients to this value; 0 turns it off. */
  gradClip: number;
  augment: AugmentSpec;
  /** Fraction of the train split held out for validation: its last N%, never shuffled in. */
  validationSplit: number;
  seed: number;
}

/** One problem found by validate(): where it is and a sentence a user understands. */
export interface SpecIssue {
  /** A JSON-pointer-like path into the spec, e.g. "stages/1/cardinality". */
  path: string;
  message: string;
}
