/** Text cut to Slack's limits stays whole text: no half of an emoji's surrogate pair, flag or accented letter. */
import { describe, expect, it } from 'vitest';
import { clip, escapeMrkdwn } from '../../src/views/numbers.js';

describe('clip', () => {
  it('never cuts a surrogate pair, a flag or an accent from its letter', () => {
    expect(clip('ab😀', 3)).toBe('ab…');
    expect(clip('🇯🇵🇰🇷', 5)).toBe('🇯🇵…');
    expect(clip('🇯🇵🇰🇷', 4)).toBe('…');
    expect(clip('ae\u0301', 2)).toBe('a…');
    expect(clip(escapeMrkdwn('short'), 60)).toBe('short');
    for (let max = 1; max < 12; max++) {
      const c = clip('山田 😀 太郎 👩‍💻 ليلى', max);
      expect(c.length).toBeLessThanOrEqual(max);
      expect(c).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});
