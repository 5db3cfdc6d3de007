// A progress bar on stderr (stdout stays clean for --json). On a terminal it redraws one line
// at most ten times a second; in a log (CI, a pipe) it prints a line every 10%.

import { formatBytes } from '../../src/data/errors';

export interface ProgressBar {
  update(loadedBytes: number, totalBytes?: number): void;
  done(): void;
}

export function createProgressBar(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  const started = performance.now();
  let lastDraw = 0;
  let lastTenth = -1;
  let drawn = false;
  const line = (loaded: number, total?: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? `${formatBytes(loaded / seconds)}/s` : '';
    if (!total) return `${label} ${formatBytes(loaded)} ${rate}`;
    const fraction = Math.min(1, loaded / total);
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const percent = `${(fraction * 100).toFixed(0)}%`.padStart(4);
    return `${label} [${bar}] ${percent} ${formatBytes(loaded)} / ${formatBytes(total)} ${rate}`;
  };
  return {
    update(loaded, total) {
      if (stream.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100 && loaded !== total) return;
        lastDraw = now;
        stream.write(`\r${line(loaded, total)}\x1b[K`);
        drawn = true;
      } else if (total) {
        const tenth = Math.floor((loaded / total) * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        stream.write(`${line(loaded, total)}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
