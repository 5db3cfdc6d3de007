// The first-visit tour: one step per part of the page, in the order a newcomer meets them.
// `target` is the id of the part's heading (the step highlights its panel) or of a control.

export interface TourStep {
  target: string | null;
  title: string;
  text: string;
}

export const TOUR_STEPS: TourStep[] = [
  {
    target: null,
    title: 'Welcome to Cardinal',
    text: 'A lab for residual networks that runs entirely in this tab: build a ResNet or ResNeXt, train it on CIFAR with your GPU, watch it learn, and compare it with others. Nothing leaves your machine.',
  },
  {
    target: 'learn-title',
    title: 'Learn',
    text: 'Five guided demos: why shortcuts let deep nets train, what cardinality buys at equal cost, basic vs bottleneck blocks, shortcut types, augmentation. Each queues its runs with one button; “quick” shows the effect in minutes.',
  },
  {
    target: 'architecture-title',
    title: 'Architecture',
    text: 'Pick a preset or click a stage in the diagram to change its blocks, widths, cardinality and shortcuts. Parameters and multiply-adds update as you edit, and the URL keeps the experiment so you can share it.',
  },
  {
    target: 'data-title',
    title: 'Data',
    text: 'Import CIFAR-10 or CIFAR-100 once (drop the official archive here). It is checked and kept in the browser, so the next visit starts at once, offline too.',
  },
  {
    target: 'train-title',
    title: 'Training',
    text: 'Choose a recipe, epochs and backend, then Train. Loss, accuracy and learning rate stream in live; pause, resume or stop at any time, and look inside the network while it learns.',
  },
  {
    target: 'history-title',
    title: 'Run history',
    text: 'Every run is kept with its checkpoint: reopen it, resume it after a reload, export its weights for PyTorch, or tick two or more to compare their curves and settings.',
  },
  {
    target: 'study-title',
    title: 'Cardinality study',
    text: 'The ResNeXt paper’s experiment in one click: the same network at several cardinalities with equal parameters and multiply-adds, trained one after another, with accuracy and the step-time price side by side.',
  },
  {
    target: 'present-toggle',
    title: 'Teaching with it',
    text: 'Presenter mode shows only the demos’ controls and charts in large type, for a projector. The “Tour” button brings this tour back.',
  },
];
