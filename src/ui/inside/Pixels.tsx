// Small images drawn on a canvas at their own size and scaled up by CSS with crisp pixels
// (image-rendering: pixelated): filter tiles, feature maps, CIFAR test images.
import { useEffect, useRef } from 'react';

interface PixelsProps {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
  /** Displayed width in CSS pixels (the height follows the aspect ratio). */
  size: number;
  title?: string;
  className?: string;
}

export function Pixels({ width, height, rgba, size, title, className }: PixelsProps) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = ref.current?.getContext('2d');
    context?.putImageData(new ImageData(rgba, width, height), 0, 0);
  }, [rgba, width, height]);
  return (
    <canvas
      ref={ref}
      width={width}
      height={height}
      className={`inside-pixels ${className ?? ''}`}
      style={{ width: size, height: (size * height) / width }}
      title={title}
    />
  );
}
