// PyTorch's symmetric conv padding in the form TF.js's conv ops take (NHWC). Its own module so
// that groupedConv.ts and the WebGPU kernels (kernels/kernelConv.ts), which import each other's
// neighbours, share it without an import cycle.
//
// PyTorch pads `pad` pixels on every side. TF.js 'same' with stride 2 on an even size pads only
// after (bottom/right), which shifts every output by one pixel, so we always pass explicit
// [[0,0],[p,p],[p,p],[0,0]] and never 'same'.

export type PadArg =
  'valid' | [[number, number], [number, number], [number, number], [number, number]];

export function torchPadding(pad: number): PadArg {
  return pad === 0
    ? 'valid'
    : [
        [0, 0],
        [pad, pad],
        [pad, pad],
        [0, 0],
      ];
}
