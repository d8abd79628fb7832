/**
 * dealcast's Block Kit preview (scripts/block-kit-html.ts): text from a payload is only ever
 * text (a deal named `<script>` or `*bold*` draws as those characters), Slack's own mrkdwn is
 * drawn, RTL names keep their direction, and nothing it does not know is silently dropped —
 * including in every payload captured in docs/examples.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Json, mrkdwnToHtml, type PreviewContext, renderBlock, renderBlocks, renderPreview, UnknownBlockKitError } from '../../scripts/block-kit-html.js';
import { escapeMrkdwn } from '../../src/views/numbers.js';

const ctx: PreviewContext = { appName: 'dealcast', time: '9:00 AM', users: { U0HANAKO: '山田 花子' }, channels: { C0SALES: 'sales' } };
const section = (text: string): Json => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('mrkdwn', () => {
  it('draws a deal named <script> as text, escaped by the app or not', () => {
    const name = '<script>alert(1)</script>';
    for (const text of [`*Deal won*: ${escapeMrkdwn(name)}`, `*Deal won*: ${name}`]) {
      const html = renderBlock(section(text), ctx);
      expect(html).not.toMatch(/<script/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('<b>Deal won</b>');
    }
  });

  it('draws a deal named *bold* (escaped by the app) with its asterisks, not bold', () => {
    for (const name of ['*bold*', '_italic_', '~strike~', '`code`']) {
      const html = mrkdwnToHtml(`Deal: ${escapeMrkdwn(name)}`, ctx);
      expect(html).not.toMatch(/<(b|i|s|code)>/);
      expect(html.replace(/\u200B/g, '')).toContain(name);
    }
  });

  it("draws Slack's own formatting, links, mentions and known emoji", () => {
    const html = mrkdwnToHtml(
      ':tada: *Won* _fast_ ~late~ `owner:me` <https://example.com/a?b=1&amp;c=2|the deal> <@U0HANAKO> <#C0SALES> <!here> :no_such_emoji: 10:08:00 snake_case_name',
      ctx,
    );
    expect(html).toContain('🎉');
    expect(html).toContain('<b>Won</b>');
    expect(html).toContain('<i>fast</i>');
    expect(html).toContain('<s>late</s>');
    expect(html).toContain('<code>owner:me</code>');
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2">the deal</a>');
    expect(html).toContain('@山田 花子');
    expect(html).toContain('#sales');
    expect(html).toContain('@here');
    expect(html).toContain(':no_such_emoji:');
    expect(html).toContain('10:08:00');
    expect(html).toContain('snake_case_name');
  });

  it('keeps a link label and a mention name from the payload as text', () => {
    const html = mrkdwnToHtml('<https://x.test/"onmouseover="x|a &lt;img src=x&gt;> <@U0OTHER|&lt;b&gt;Eve&lt;/b&gt;> <not a link|<img src=x>>', ctx);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>Eve');
    expect(html).toContain('href="https://x.test/&quot;onmouseover=&quot;x"');
  });
});

describe('blocks', () => {
  it('gives every text container dir="auto", so Arabic and Hebrew names keep their direction', () => {
    const html = renderBlocks(
      [
        section('*ليلى حداد* · $12K'),
        { type: 'section', fields: [{ type: 'mrkdwn', text: 'נועה כהן' }] },
        { type: 'table', rows: [[{ type: 'raw_text', text: 'Owner' }], [{ type: 'raw_text', text: 'شركة الأفق – Annual plan' }]] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'נועה כהן' }] },
      ],
      ctx,
    );
    expect(html).toContain('<div class="bk-text" dir="auto"><b>ليلى حداد</b> · $12K</div>');
    expect(html).toContain('<div dir="auto">נועה כהן</div>');
    expect(html).toContain('<td dir="auto" class="nowrap">شركة الأفق – Annual plan</td>');
    expect(html).toContain('<span dir="auto">נועה כהן</span>');
  });

  it('draws controls: buttons, selects with their choice, overflow, date and time pickers', () => {
    const html = renderBlock(
      {
        type: 'actions',
        elements: [
          { type: 'button', text: { type: 'plain_text', text: 'Send now' }, style: 'primary', action_id: 'a' },
          { type: 'static_select', action_id: 'b', options: [], initial_option: { text: { type: 'plain_text', text: '山田 花子' }, value: 'rep-1' } },
          { type: 'overflow', action_id: 'c', options: [] },
          { type: 'datepicker', action_id: 'd', initial_date: '2026-11-24' },
          { type: 'timepicker', action_id: 'e', initial_time: '08:30' },
        ],
      },
      ctx,
    );
    expect(html).toContain('class="button primary" dir="auto">Send now<');
    expect(html).toContain('山田 花子');
    expect(html).toContain('class="button overflow"');
    expect(html).toContain('2026-11-24');
    expect(html).toContain('08:30');
  });

  it('throws on a block type, element, text object or view it does not know, naming where', () => {
    expect(() => renderBlocks([section('ok'), { type: 'video', title: { type: 'plain_text', text: 'x' } }], ctx)).toThrow(UnknownBlockKitError);
    expect(() => renderBlocks([section('ok'), { type: 'video' }], ctx)).toThrow(/block type "video" at blocks\[1\]/);
    expect(() => renderBlock({ type: 'actions', elements: [{ type: 'workflow_button' }] }, ctx)).toThrow(/element type "workflow_button"/);
    expect(() => renderBlock({ type: 'section', text: { type: 'markdown', text: 'x' } }, ctx)).toThrow(/text object type "markdown"/);
    expect(() => renderBlock({ type: 'table', rows: [[{ type: 'emoji_cell' }]] }, ctx)).toThrow(/table cell type "emoji_cell"/);
    expect(() => renderPreview({ kind: 'modal', view: { type: 'home', blocks: [] } }, ctx)).toThrow(UnknownBlockKitError);
  });
});

describe('docs/examples', () => {
  const dir = join(import.meta.dirname, '..', '..', 'docs', 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it.each(files)('%s: every payload is drawn whole, with no block or element the preview does not know', (file) => {
    const example = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { calls: { method: string; params: Json }[] };
    let drawn = 0;
    for (const { method, params } of example.calls) {
      if (Array.isArray(params.blocks)) {
        const html = renderBlocks(params.blocks as Json[], ctx, `${method}.blocks`);
        expect(html).not.toMatch(/<script/i);
        drawn++;
      }
      const view = params.view as Json | undefined;
      if (view) {
        expect(renderPreview({ kind: view.type === 'home' ? 'home' : 'modal', view }, ctx)).toContain('</html>');
        drawn++;
      }
    }
    expect(drawn).toBeGreaterThan(0);
  });
});
