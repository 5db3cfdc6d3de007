import { describe, expect, it } from 'vitest';
import { formatCell, roughDuration } from './format';

describe('format', () => {
  it('estimates the time in words', () => {
    expect(roughDuration(30)).toBe('about a minute');
    expect(roughDuration(12 * 60)).toBe('about 12 minutes');
    expect(roughDuration(9 * 3600)).toBe('about 9 hours');
    expect(roughDuration(3 * 86400)).toBe('about 3 days');
  });

  it('shows a dash for a missing number, and a number as `show` writes it', () => {
    expect(formatCell(null)).toBe('—');
    expect(formatCell(NaN, String)).toBe('—');
    expect(formatCell(1.234, (v) => v.toFixed(1))).toBe('1.2');
    expect(formatCell('wasm', (v) => v.toFixed(1))).toBe('wasm');
  });
});
