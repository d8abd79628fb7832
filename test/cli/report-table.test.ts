/**
 * `dealcast report` tables line up in a terminal whatever script a name is in: columns are
 * padded by display width (山田 太郎 takes nine columns, 🚀 two), names are cut by whole
 * graphemes, and a right-to-left name sits in bidi isolates so its row's figures keep their side.
 */
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { formatReport, table } from '../../src/cli/report-format.js';
import { displayWidth, isolateRtl, padEndWidth, padStartWidth, truncateWidth } from '../../src/cli/text-width.js';
import type { DealListRow, DealsReport } from '../../src/metrics/report-types.js';

/** Half of an emoji's surrogate pair left on its own: what cutting a string by length can produce. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const NAMES = ['Maria Lopez', '山田 太郎', '김민준', 'محمد علي', 'דוד לוי', '🚀 Rocket deal', 'José Ñúñez', '👩‍💻 Dev team'];

/**
 * The display column at which each cell of `line` ends, found by walking the known cell texts
 * left to right (a cell may contain spaces, so the line is not split on them).
 */
function cellEnds(line: string, cells: string[]): number[] {
  let from = 0;
  return cells.map((c) => {
    const at = line.indexOf(c, from);
    expect(at, `"${c}" in "${line}"`).toBeGreaterThanOrEqual(from);
    from = at + c.length;
    return stringWidth(line.slice(0, from));
  });
}

describe('text width helpers', () => {
  it('measure wide, emoji and combining text by the columns it takes', () => {
    expect(displayWidth('山田 太郎')).toBe(9);
    expect(displayWidth('김민준')).toBe(6);
    expect(displayWidth('🚀')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\u2068محمد\u2069')).toBe(4);
    expect(padEndWidth('山田', 6)).toBe('山田  ');
    expect(padStartWidth('김', 4)).toBe('  김');
    expect(padEndWidth('too wide', 3)).toBe('too wide');
  });

  it('truncate by columns and never split a grapheme', () => {
    expect(truncateWidth('山田 太郎 商事株式会社', 10)).toBe('山田 太郎…');
    expect(displayWidth(truncateWidth('山田 太郎 商事株式会社', 10))).toBeLessThanOrEqual(10);
    // A wide character that would straddle the limit is left out whole.
    expect(truncateWidth('ab山田', 4)).toBe('ab…');
    // Emoji (surrogate pairs, a ZWJ family, a flag) and a combining accent stay whole.
    for (const s of ['😀😀😀😀😀😀', '👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦', '🇯🇵🇰🇷🇸🇦🇮🇱', 'e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301']) {
      const cut = truncateWidth(s, 5);
      expect(cut.endsWith('…')).toBe(true);
      expect(s.startsWith(cut.slice(0, -1))).toBe(true);
      expect(cut).not.toMatch(LONE_SURROGATE);
      expect(displayWidth(cut)).toBeLessThanOrEqual(5);
    }
    expect(truncateWidth('short', 40)).toBe('short');
  });

  it('isolate right-to-left text only; other text is left as it is', () => {
    expect(isolateRtl('محمد علي')).toBe('\u2068محمد علي\u2069');
    expect(isolateRtl('דוד לוי')).toBe('\u2068דוד לוי\u2069');
    for (const s of ['Maria Lopez', '山田 太郎', '김민준', '🚀 Rocket deal', '']) expect(isolateRtl(s)).toBe(s);
  });
});

describe('report tables', () => {
  it('every row has the same display width up to each column boundary, in any script', () => {
    const rows = NAMES.map((n, i) => [n, String(i * 7), `$${(i * 1234.5).toFixed(1)}k`, i % 2 ? '山田 太郎' : 'دانة', `${i}d ago`]);
    const head = ['Rep', 'Deals', 'Value', 'Owner', 'Last activity'];
    const lines = table(head, rows).split('\n');
    expect(lines).toHaveLength(rows.length + 2);
    const ends = [head, ...rows].map((r, i) => cellEnds(lines[i === 0 ? 0 : i + 1]!, r.map(isolateRtl)));
    for (const e of ends.slice(1)) expect(e.slice(1)).toEqual(ends[0]!.slice(1));
    // The rule under the head is as wide as each column.
    expect(lines[1]!.length).toBe(stringWidth(lines[0]!));
    expect(lines[1]!.split('  ')[0]).toBe('-'.repeat(Math.max(...NAMES.map(displayWidth))));
    // Every line is as wide as the head (no trailing padding in the last column, which is right-aligned).
    for (const line of lines) expect(stringWidth(line)).toBe(stringWidth(lines[0]!));
  });

  it('puts a right-to-left cell in bidi isolates with its padding outside them', () => {
    const out = table(['Rep', 'Won'], [['محمد علي', '$1.2M'], ['Li', '$3']]);
    expect(out).toContain('\u2068محمد علي\u2069  $1.2M');
    expect(out).toContain('Li           $3');
    expect(out.split('\n')[3]).not.toMatch(/[\u2068\u2069]/);
  });

  it('deals: long names are cut to 40 columns by whole graphemes, and the columns still line up', () => {
    const deal = (id: string, name: string, owner: string): DealListRow => ({
      id,
      name,
      amount: 12_000,
      stage: 'proposal',
      crm_stage: 'Proposal',
      owner,
      pipeline: null,
      days_in_stage: 12,
      stage_avg_days: 5,
      stuck_ratio: 2.4,
      close_date: '2026-12-24',
    });
    const deals = [
      deal('1', '株式会社山田商事 次世代基幹システム刷新プロジェクト 第二期', '山田 太郎'),
      deal('2', '🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀', '김민준'),
      deal('3', 'شركة الخليج للتجارة — تجديد العقد', 'ليلى حداد'),
      deal('4', 'Acme renewal', 'דוד לוי'),
    ];
    const r: DealsReport = { currency: 'USD', filters: { owner: 'ليلى حداد' }, as_of: '2026-11-24T09:00:00.000Z', deals, total: 4, threshold: 2 } as DealsReport;
    const out = formatReport('deals', r).split('\n');
    const rows = out.slice(out.findIndex((l) => l.startsWith('Deal')) + 2);
    expect(rows).toHaveLength(4);
    const closeEnds = rows.map((l) => stringWidth(l.slice(0, l.indexOf('2026-12-24') + 10)));
    expect(new Set(closeEnds).size).toBe(1);
    for (const l of rows) {
      expect(l).not.toMatch(LONE_SURROGATE);
      const name = l.slice(0, l.indexOf('  $'));
      expect(stringWidth(name)).toBeLessThanOrEqual(40);
    }
    expect(rows[0]).toContain('株式会社山田商事 次世代基幹システム刷新…');
    expect(rows[1]).toContain(`${'🚀'.repeat(19)}…`);
    // The filter echoed in the header keeps its own direction too.
    expect(out[0]).toContain('owner=\u2068ليلى حداد\u2069');
  });
});
