/**
 * dealcast's own Block Kit preview: draws a payload the app sent (message blocks, a modal view,
 * an App Home view) as HTML/CSS in the look of Slack's desktop client, so docs can show each
 * surface as a picture without a Slack workspace. It is a preview, not Slack: fonts, spacing
 * and colours are close enough to be recognised, no more.
 *
 * Every block type and element it does not know throws UnknownBlockKitError: a payload is drawn
 * whole or not at all, never with a part silently left out. Text from a payload is always
 * escaped; Slack's mrkdwn (bold, italic, strike, code, links, mentions, emoji shortcodes) is
 * the only markup it produces, and every text container carries dir="auto" so Arabic and
 * Hebrew names keep their direction.
 */

export type Json = { [key: string]: unknown };

export class UnknownBlockKitError extends Error {
  constructor(what: string, where: string) {
    super(`Block Kit preview: unknown ${what} at ${where}; add it to scripts/block-kit-html.ts rather than leaving it out`);
    this.name = 'UnknownBlockKitError';
  }
}

/** A file shared with a message: a chart PNG drawn as an image, anything else as a file card. */
export interface PreviewFile {
  name: string;
  title?: string;
  mimetype: string;
  /** Where the image is (a file: or data: URL), for images. */
  src?: string;
  altText?: string;
  /** Size in bytes, shown on a file card. */
  size?: number;
}

export interface PreviewMessage {
  blocks?: Json[];
  /** The fallback text; drawn (as mrkdwn) only when there are no blocks, as Slack does. */
  text?: string;
  files?: PreviewFile[];
  /** A response_url or chat.postEphemeral message: "Only visible to you". */
  ephemeral?: boolean;
  /** Updated in place with chat.update: "(edited)". */
  edited?: boolean;
  /** Replies in its thread, shown as Slack's "N replies" link under a channel message. */
  replyCount?: number;
}

export type PreviewSurface =
  | { kind: 'channel'; channel: string; messages: PreviewMessage[] }
  | { kind: 'thread'; channel: string; root: PreviewMessage; replies: PreviewMessage[] }
  | { kind: 'modal'; view: Json }
  | { kind: 'home'; view: Json };

export interface PreviewContext {
  appName: string;
  /** The message time as the reader sees it, e.g. "9:00 AM". */
  time: string;
  /** Display names for user ids in `<@U…>` mentions. */
  users?: Record<string, string>;
  /** Names for channel ids in `<#C…>` mentions (Slack's client shows the channel's name). */
  channels?: Record<string, string>;
  /** CSS @font-face rules (the script fonts) put before the stylesheet. */
  fontFaces?: string;
  /** The CSS font-family list for all text (the families of fontFaces, in fallback order). */
  fontStack?: string;
}

const EMOJI: Record<string, string> = {
  alarm_clock: '⏰',
  arrow_backward: '◀️',
  arrow_forward: '▶️',
  arrows_counterclockwise: '🔄',
  bar_chart: '📊',
  broom: '🧹',
  calendar: '📆',
  chart_with_downwards_trend: '📉',
  chart_with_upwards_trend: '📈',
  double_vertical_bar: '⏸️',
  first_place_medal: '🥇',
  grey_question: '❔',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  lock: '🔒',
  mag: '🔍',
  memory: '📝',
  moneybag: '💰',
  no_entry: '⛔',
  outbox_tray: '📤',
  page_facing_up: '📄',
  recycle: '♻️',
  red_circle: '🔴',
  second_place_medal: '🥈',
  seedling: '🌱',
  tada: '🎉',
  third_place_medal: '🥉',
  trophy: '🏆',
  warning: '⚠️',
  wastebasket: '🗑️',
  wave: '👋',
  white_check_mark: '✅',
  white_circle: '⚪',
  x: '❌',
  zzz: '💤',
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Slack's three entities, as an app must send &, < and > in text. */
function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function emoji(escaped: string): string {
  return escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => {
    const e = EMOJI[name];
    return e ? `<span class="emoji" title=":${name}:">${e}</span>` : whole;
  });
}

/** Opening markers need a boundary before them (start, space, opening punctuation, a placeholder); a zero-width space is none. */
const OPEN = '(^|[\\s(\\[{"\'“‘\\uE001])';
const CLOSE = '(?=$|[\\s.,;:!?)\\]}"\'”’\\uE000-])';
function styled(marker: string, tag: string, s: string): string {
  const m = marker.replace(/[*~]/g, '\\$&');
  const re = new RegExp(`${OPEN}${m}([^\\s${m}](?:[^${m}\\n]*?[^\\s${m}])?)${m}${CLOSE}`, 'g');
  return s.replace(re, (_w, pre: string, body: string) => `${pre}<${tag}>${body}</${tag}>`);
}

/** One `<…>` control sequence of Slack's: a mention, a broadcast, a date or a link; null when it is none. */
function controlSequence(inner: string, ctx: PreviewContext): string | null {
  const [target = '', label] = splitOnce(inner, '|');
  if (/^@[UW][A-Z0-9]+$/.test(target)) return `<span class="mention">@${escapeHtml(label ?? ctx.users?.[target.slice(1)] ?? target.slice(1))}</span>`;
  if (/^#[CGD][A-Z0-9]+$/.test(target)) return `<span class="mention">#${escapeHtml(label ?? ctx.channels?.[target.slice(1)] ?? target.slice(1).toLowerCase())}</span>`;
  if (/^!(here|channel|everyone)$/.test(target)) return `<span class="mention broadcast">@${target.slice(1)}</span>`;
  if (/^!subteam\^[A-Z0-9]+$/.test(target)) return `<span class="mention">${escapeHtml(label ?? '@team')}</span>`;
  if (/^!date\^/.test(target)) return `<span>${escapeHtml(decodeEntities(label ?? target))}</span>`;
  if (/^(https?:\/\/|mailto:)/.test(target)) return `<a href="${escapeHtml(decodeEntities(target))}">${escapeHtml(decodeEntities(label ?? target))}</a>`;
  return null;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Slack mrkdwn to HTML. Code spans, code blocks and `<…>` sequences are taken out first (as
 * placeholders), the rest is unescaped from Slack's entities, escaped for HTML, then styled.
 * Anything in angle brackets that is not one of Slack's sequences is shown as text.
 */
export function mrkdwnToHtml(text: string, ctx: PreviewContext): string {
  const held: string[] = [];
  const hold = (html: string) => `\uE000${held.push(html) - 1}\uE001`;
  let s = text.replace(/```([\s\S]*?)```/g, (_w, code: string) => hold(`<pre class="code-block">${escapeHtml(decodeEntities(code.replace(/^\n/, '')))}</pre>`));
  // Inline code opens only at a boundary, like the other markers (the app's zero-width spaces stop it).
  s = s.replace(new RegExp(`${OPEN}\`([^\`\n]+)\``, 'g'), (_w, pre: string, code: string) => `${pre}${hold(`<code>${escapeHtml(decodeEntities(code))}</code>`)}`);
  s = s.replace(/<([^<>\n]*)>/g, (whole, inner: string) => {
    const html = controlSequence(inner, ctx);
    return html === null ? whole : hold(html);
  });
  s = escapeHtml(decodeEntities(s));
  s = styled('*', 'b', s);
  s = styled('_', 'i', s);
  s = styled('~', 's', s);
  s = emoji(s);
  // Block quotes: lines starting with "&gt; " (an escaped ">").
  s = s
    .split('\n')
    .map((line) => (line.startsWith('&gt; ') ? `<span class="quote">${line.slice(5)}</span>` : line))
    .join('<br>');
  return s.replace(/\uE000(\d+)\uE001/g, (_w, i: string) => held[Number(i)] ?? '');
}

function obj(v: unknown, where: string): Json {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`Block Kit preview: expected an object at ${where}`);
  return v as Json;
}
function arr(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A text object: plain_text (escaped, emoji shortcodes on) or mrkdwn. */
export function textObject(v: unknown, ctx: PreviewContext, where: string): string {
  const t = obj(v, where);
  if (t.type === 'plain_text') return emoji(escapeHtml(str(t.text)));
  if (t.type === 'mrkdwn') return mrkdwnToHtml(str(t.text), ctx);
  throw new UnknownBlockKitError(`text object type "${String(t.type)}"`, where);
}

const CHEVRON = '<span class="chevron">⌄</span>';

function optionText(o: unknown, ctx: PreviewContext, where: string): string {
  return textObject(obj(o, where).text, ctx, `${where}.text`);
}

/** An interactive element (in actions, a section accessory or an input). */
function element(e: Json, ctx: PreviewContext, where: string): string {
  const placeholder = () => (e.placeholder ? `<span class="placeholder">${textObject(e.placeholder, ctx, `${where}.placeholder`)}</span>` : '');
  switch (e.type) {
    case 'button':
      return `<span class="button${e.style === 'primary' ? ' primary' : e.style === 'danger' ? ' danger' : ''}" dir="auto">${textObject(e.text, ctx, `${where}.text`)}</span>`;
    case 'static_select':
    case 'external_select': {
      const initial = e.initial_option ? `<span dir="auto">${optionText(e.initial_option, ctx, `${where}.initial_option`)}</span>` : placeholder();
      return `<span class="select" dir="auto">${initial}${CHEVRON}</span>`;
    }
    case 'multi_static_select': {
      const chosen = arr(e.initial_options).map((o, i) => `<span class="chip" dir="auto">${optionText(o, ctx, `${where}.initial_options[${i}]`)}</span>`);
      return `<span class="select multi">${chosen.length ? chosen.join('') : placeholder()}${CHEVRON}</span>`;
    }
    case 'conversations_select':
    case 'channels_select': {
      const id = str(e.initial_conversation ?? e.initial_channel);
      return `<span class="select">${id ? `<span class="mention">#${escapeHtml(ctx.channels?.[id] ?? id.toLowerCase())}</span>` : placeholder()}${CHEVRON}</span>`;
    }
    case 'users_select': {
      const id = str(e.initial_user);
      return `<span class="select">${id ? `<span class="mention">@${escapeHtml(ctx.users?.[id] ?? id)}</span>` : placeholder()}${CHEVRON}</span>`;
    }
    case 'overflow':
      return '<span class="button overflow" title="More actions"><svg width="4" height="14" viewBox="0 0 4 14"><circle cx="2" cy="2" r="1.6"/><circle cx="2" cy="7" r="1.6"/><circle cx="2" cy="12" r="1.6"/></svg></span>';
    case 'datepicker':
      return `<span class="select picker"><span class="icon">📅</span>${e.initial_date ? escapeHtml(str(e.initial_date)) : placeholder()}${CHEVRON}</span>`;
    case 'timepicker':
      return `<span class="select picker"><span class="icon">🕘</span>${e.initial_time ? escapeHtml(str(e.initial_time)) : placeholder()}${CHEVRON}</span>`;
    case 'plain_text_input':
      return `<span class="text-input${e.multiline ? ' multiline' : ''}" dir="auto">${e.initial_value ? escapeHtml(str(e.initial_value)) : placeholder()}</span>`;
    case 'number_input':
      return `<span class="text-input" dir="auto">${e.initial_value ? escapeHtml(str(e.initial_value)) : placeholder()}</span>`;
    case 'checkboxes':
    case 'radio_buttons': {
      const initial = new Set((e.type === 'checkboxes' ? arr(e.initial_options) : e.initial_option ? [obj(e.initial_option, where)] : []).map((o) => str(o.value)));
      const mark = e.type === 'checkboxes' ? 'checkbox' : 'radio';
      const opts = arr(e.options).map((o, i) => {
        const on = initial.has(str(o.value));
        const desc = o.description ? `<div class="option-description" dir="auto">${textObject(o.description, ctx, `${where}.options[${i}].description`)}</div>` : '';
        return `<div class="option"><span class="${mark}${on ? ' on' : ''}"></span><div><div dir="auto">${optionText(o, ctx, `${where}.options[${i}]`)}</div>${desc}</div></div>`;
      });
      return `<div class="options">${opts.join('')}</div>`;
    }
    case 'image':
      return `<img class="accessory-image" src="${escapeHtml(str(e.image_url))}" alt="${escapeHtml(str(e.alt_text))}">`;
    default:
      throw new UnknownBlockKitError(`element type "${String(e.type)}"`, where);
  }
}

function richTextElements(els: Json[], ctx: PreviewContext, where: string): string {
  return els
    .map((el, i) => {
      const at = `${where}[${i}]`;
      let html: string;
      switch (el.type) {
        case 'text':
          html = escapeHtml(str(el.text)).replace(/\n/g, '<br>');
          break;
        case 'link':
          html = `<a href="${escapeHtml(str(el.url))}">${escapeHtml(str(el.text) || str(el.url))}</a>`;
          break;
        case 'user':
          html = `<span class="mention">@${escapeHtml(ctx.users?.[str(el.user_id)] ?? str(el.user_id))}</span>`;
          break;
        case 'channel':
          html = `<span class="mention">#${escapeHtml(str(el.channel_id).toLowerCase())}</span>`;
          break;
        case 'emoji':
          html = EMOJI[str(el.name)] ?? `:${escapeHtml(str(el.name))}:`;
          break;
        default:
          throw new UnknownBlockKitError(`rich_text element "${String(el.type)}"`, at);
      }
      const style = (el.style ?? {}) as Record<string, boolean>;
      if (style.code) html = `<code>${html}</code>`;
      if (style.bold) html = `<b>${html}</b>`;
      if (style.italic) html = `<i>${html}</i>`;
      if (style.strike) html = `<s>${html}</s>`;
      return html;
    })
    .join('');
}

function richText(block: Json, ctx: PreviewContext, where: string): string {
  return arr(block.elements)
    .map((part, i) => {
      const at = `${where}.elements[${i}]`;
      switch (part.type) {
        case 'rich_text_section':
          return `<div dir="auto">${richTextElements(arr(part.elements), ctx, at)}</div>`;
        case 'rich_text_preformatted':
          return `<pre class="code-block">${richTextElements(arr(part.elements), ctx, at)}</pre>`;
        case 'rich_text_quote':
          return `<div class="quote" dir="auto">${richTextElements(arr(part.elements), ctx, at)}</div>`;
        case 'rich_text_list': {
          const tag = part.style === 'ordered' ? 'ol' : 'ul';
          const items = arr(part.elements).map((item, j) => `<li dir="auto">${richTextElements(arr(item.elements), ctx, `${at}.elements[${j}]`)}</li>`);
          return `<${tag}>${items.join('')}</${tag}>`;
        }
        default:
          throw new UnknownBlockKitError(`rich_text part "${String(part.type)}"`, at);
      }
    })
    .join('');
}

function tableCell(cell: Json, ctx: PreviewContext, where: string): string {
  if (cell.type === 'raw_text') return escapeHtml(str(cell.text));
  if (cell.type === 'rich_text') return richText(cell, ctx, where);
  throw new UnknownBlockKitError(`table cell type "${String(cell.type)}"`, where);
}

function table(block: Json, ctx: PreviewContext, where: string): string {
  const settings = arr(block.column_settings);
  const rows = arr(block.rows as unknown).map((row, r) => {
    const cells = (row as unknown as Json[]).map((cell, c) => {
      const s = settings[c] ?? {};
      const align = s.align === 'right' || s.align === 'center' ? ` style="text-align:${String(s.align)}"` : '';
      const tag = r === 0 ? 'th' : 'td';
      return `<${tag} dir="auto"${align}${s.is_wrapped ? '' : ' class="nowrap"'}>${tableCell(cell, ctx, `${where}.rows[${r}][${c}]`)}</${tag}>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<div class="table-wrap"><table class="bk-table">${rows.join('')}</table></div>`;
}

/** One block as HTML; throws UnknownBlockKitError for a type it does not know. */
export function renderBlock(block: Json, ctx: PreviewContext, where = 'block'): string {
  switch (block.type) {
    case 'header':
      return `<div class="bk-header" dir="auto">${textObject(block.text, ctx, `${where}.text`)}</div>`;
    case 'divider':
      return '<hr class="bk-divider">';
    case 'section': {
      const text = block.text ? `<div class="bk-text" dir="auto">${textObject(block.text, ctx, `${where}.text`)}</div>` : '';
      const fields = arr(block.fields).length
        ? `<div class="bk-fields">${arr(block.fields)
            .map((f, i) => `<div dir="auto">${textObject(f, ctx, `${where}.fields[${i}]`)}</div>`)
            .join('')}</div>`
        : '';
      const accessory = block.accessory ? `<div class="bk-accessory">${element(obj(block.accessory, where), ctx, `${where}.accessory`)}</div>` : '';
      return `<div class="bk-section"><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="bk-context">${arr(block.elements)
        .map((e, i) => {
          const at = `${where}.elements[${i}]`;
          if (e.type === 'image') return `<img src="${escapeHtml(str(e.image_url))}" alt="${escapeHtml(str(e.alt_text))}">`;
          return `<span dir="auto">${textObject(e, ctx, at)}</span>`;
        })
        .join('')}</div>`;
    case 'actions':
      return `<div class="bk-actions">${arr(block.elements)
        .map((e, i) => element(e, ctx, `${where}.elements[${i}]`))
        .join('')}</div>`;
    case 'image': {
      const title = block.title ? `<div class="bk-image-title" dir="auto">${textObject(block.title, ctx, `${where}.title`)}</div>` : '';
      const slackFile = block.slack_file as Json | undefined;
      const src = str(block.image_url) || str(slackFile?.url);
      if (!src) throw new UnknownBlockKitError('image without image_url or slack_file.url', where);
      return `<div class="bk-image">${title}<img src="${escapeHtml(src)}" alt="${escapeHtml(str(block.alt_text))}"></div>`;
    }
    case 'rich_text':
      return `<div class="bk-rich-text">${richText(block, ctx, where)}</div>`;
    case 'table':
      return table(block, ctx, where);
    case 'input': {
      const optional = block.optional ? ' <span class="optional">(optional)</span>' : '';
      const hint = block.hint ? `<div class="bk-hint" dir="auto">${textObject(block.hint, ctx, `${where}.hint`)}</div>` : '';
      return `<div class="bk-input"><div class="bk-label" dir="auto">${textObject(block.label, ctx, `${where}.label`)}${optional}</div>${element(obj(block.element, where), ctx, `${where}.element`)}${hint}</div>`;
    }
    default:
      throw new UnknownBlockKitError(`block type "${String(block.type)}"`, where);
  }
}

export function renderBlocks(blocks: Json[], ctx: PreviewContext, where = 'blocks'): string {
  return blocks.map((b, i) => renderBlock(b, ctx, `${where}[${i}]`)).join('\n');
}

function formatSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(bytes < 10_240 ? 1 : 0)} KB`;
}

function fileHtml(f: PreviewFile): string {
  if (f.mimetype.startsWith('image/') && f.src) {
    return `<div class="file-image"><div class="file-title" dir="auto">${escapeHtml(f.title ?? f.name)} <span class="chevron">⌄</span></div><img src="${escapeHtml(f.src)}" alt="${escapeHtml(f.altText ?? '')}"></div>`;
  }
  const kind = (f.name.split('.').pop() ?? 'file').toUpperCase();
  return `<div class="file-card"><span class="file-icon">${escapeHtml(kind)}</span><div><div class="file-name" dir="auto">${escapeHtml(f.title ?? f.name)}</div><div class="file-meta">${escapeHtml(kind)}${f.size ? ` · ${formatSize(f.size)}` : ''}</div></div></div>`;
}

/** `continued`: a later message of the same sender, drawn as Slack groups them (no avatar, no name). */
function messageHtml(m: PreviewMessage, ctx: PreviewContext, where: string, continued = false): string {
  const body = m.blocks?.length ? renderBlocks(m.blocks, ctx, `${where}.blocks`) : `<div class="bk-text" dir="auto">${mrkdwnToHtml(m.text ?? '', ctx)}</div>`;
  const files = (m.files ?? []).map(fileHtml).join('');
  const edited = m.edited ? '<span class="edited">(edited)</span>' : '';
  const ephemeral = m.ephemeral ? '<div class="ephemeral">Only visible to you</div>' : '';
  const replies = m.replyCount ? `<div class="reply-link">${m.replyCount} ${m.replyCount === 1 ? 'reply' : 'replies'}</div>` : '';
  const head = continued ? '<div class="avatar-gap"></div>' : '<div class="avatar">dc</div>';
  const name = continued
    ? ''
    : `<div class="message-head"><span class="app-name">${escapeHtml(ctx.appName)}</span><span class="app-badge">APP</span><span class="time">${escapeHtml(ctx.time)}</span></div>`;
  return `<div class="message${m.ephemeral ? ' is-ephemeral' : ''}${continued ? ' continued' : ''}">
  ${head}
  <div class="message-body">
    ${name}
    ${body}${edited}${files}${replies}${ephemeral}
  </div>
</div>`;
}

function surfaceHtml(s: PreviewSurface, ctx: PreviewContext): string {
  switch (s.kind) {
    case 'channel':
      return `<div class="pane"><div class="pane-head"># ${escapeHtml(s.channel)}</div>${s.messages.map((m, i) => messageHtml(m, ctx, `messages[${i}]`, i > 0)).join('')}</div>`;
    case 'thread':
      return `<div class="pane"><div class="pane-head">Thread <span class="pane-sub"># ${escapeHtml(s.channel)}</span></div>${messageHtml(s.root, ctx, 'root')}<div class="replies-rule"><span>${s.replies.length} ${s.replies.length === 1 ? 'reply' : 'replies'}</span></div>${s.replies.map((m, i) => messageHtml(m, ctx, `replies[${i}]`, i > 0)).join('')}</div>`;
    case 'modal': {
      const v = s.view;
      if (v.type !== 'modal') throw new UnknownBlockKitError(`view type "${String(v.type)}" for a modal`, 'view');
      const close = v.close ? textObject(v.close, ctx, 'view.close') : 'Cancel';
      const submit = v.submit ? `<span class="button primary">${textObject(v.submit, ctx, 'view.submit')}</span>` : '';
      return `<div class="modal-backdrop"><div class="modal">
  <div class="modal-head"><span class="modal-icon">dc</span><span class="modal-title" dir="auto">${textObject(v.title, ctx, 'view.title')}</span><span class="modal-x">×</span></div>
  <div class="modal-body">${renderBlocks(arr(v.blocks), ctx, 'view.blocks')}</div>
  <div class="modal-foot"><span class="button">${close}</span>${submit}</div>
</div></div>`;
    }
    case 'home': {
      const v = s.view;
      if (v.type !== 'home') throw new UnknownBlockKitError(`view type "${String(v.type)}" for App Home`, 'view');
      return `<div class="pane home"><div class="home-head"><div class="avatar">dc</div><span class="app-name">${escapeHtml(ctx.appName)}</span></div>
<div class="home-tabs"><span class="tab on">Home</span><span class="tab">Messages</span><span class="tab">About</span></div>
<div class="home-body">${renderBlocks(arr(v.blocks), ctx, 'view.blocks')}</div></div>`;
    }
  }
}

const CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; background: #ffffff; }
body { font-family: 'Inter', 'Noto Sans Arabic', 'Noto Sans Hebrew', 'Noto Sans SC', 'NanumGothic', 'Noto Sans Thai', 'Noto Sans Devanagari', 'Noto Emoji', sans-serif;
  font-size: 15px; line-height: 1.4667; color: #1d1c1d; -webkit-font-smoothing: antialiased; padding: 16px; }
#frame { display: inline-block; }
b { font-weight: 700; }
a { color: #1264a3; text-decoration: none; }
code { font-family: 'DejaVu Sans Mono', Menlo, monospace; font-size: 12px; color: #e01e5a; background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 3px; padding: 2px 3px 1px; }
pre.code-block { font-family: 'DejaVu Sans Mono', Menlo, monospace; font-size: 12px; background: rgba(29,28,29,.04); border: 1px solid rgba(29,28,29,.13); border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; }
.quote { display: block; border-left: 4px solid #ddd; padding-left: 12px; }
.mention { color: #1264a3; background: rgba(29,155,209,.1); border-radius: 3px; padding: 0 2px; }
.mention.broadcast { color: #8f5b00; background: rgba(242,199,68,.4); }
.emoji { font-family: 'Noto Emoji', sans-serif; font-size: 1.05em; }
.pane { width: 860px; background: #fff; border: 1px solid #dddddd; border-radius: 8px; overflow: hidden; }
.pane-head { font-weight: 700; font-size: 16px; padding: 12px 20px; border-bottom: 1px solid #dddddd; }
.pane-sub { font-weight: 400; color: #616061; font-size: 13px; margin-left: 6px; }
.message { display: flex; gap: 8px; padding: 8px 20px; }
.message.continued { padding-top: 2px; }
.avatar-gap { flex: none; width: 36px; }
.reply-link { font-size: 13px; font-weight: 700; color: #1264a3; margin-top: 4px; }
.message.is-ephemeral { background: #f8f8f8; }
.avatar { flex: none; width: 36px; height: 36px; border-radius: 6px; background: #3f0e40; color: #fff; font-weight: 700; font-size: 14px; display: flex; align-items: center; justify-content: center; }
.message-body { flex: 1; min-width: 0; }
.message-head { display: flex; align-items: baseline; gap: 4px; }
.app-name { font-weight: 900; }
.app-badge { font-size: 10px; font-weight: 700; color: #616061; background: rgba(29,28,29,.13); border-radius: 2px; padding: 1px 3px; }
.time { font-size: 12px; color: #616061; margin-left: 4px; }
.edited { font-size: 13px; color: #616061; }
.ephemeral { font-size: 12px; color: #616061; margin-top: 4px; }
.bk-header { font-size: 18px; font-weight: 900; margin: 4px 0; }
.bk-divider { border: 0; border-top: 1px solid #dddddd; margin: 8px 0; }
.bk-section { display: flex; gap: 12px; margin: 4px 0; }
.bk-section-main { flex: 1; min-width: 0; }
.bk-text { white-space: normal; overflow-wrap: anywhere; }
.bk-fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.bk-accessory { flex: none; }
.bk-context { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; font-size: 12px; color: #616061; margin: 4px 0; }
.bk-context img { width: 20px; height: 20px; border-radius: 4px; }
.bk-actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.bk-image img, .file-image img { max-width: 480px; max-height: 360px; border-radius: 8px; border: 1px solid rgba(29,28,29,.13); display: block; }
.bk-image-title, .file-title { font-size: 13px; color: #616061; margin: 4px 0; }
.accessory-image { width: 88px; height: 88px; border-radius: 8px; }
.button { display: inline-flex; align-items: center; height: 28px; padding: 0 12px; border: 1px solid rgba(29,28,29,.3); border-radius: 4px; font-size: 13px; font-weight: 700; background: #fff; white-space: nowrap; }
.button.primary { background: #007a5a; color: #fff; border-color: #007a5a; }
.button.danger { background: #fff; color: #e01e5a; border-color: rgba(224,30,90,.6); }
.button.overflow { padding: 0 10px; fill: #1d1c1d; }
.select { display: inline-flex; align-items: center; gap: 8px; min-width: 160px; height: 28px; padding: 0 8px 0 10px; border: 1px solid rgba(29,28,29,.3); border-radius: 4px; font-size: 13px; background: #fff; white-space: nowrap; }
.bk-input .select { display: flex; height: 36px; font-size: 15px; }
.select .chevron { margin-left: auto; color: #616061; }
.select.multi { flex-wrap: wrap; }
.chip { background: rgba(29,28,29,.08); border-radius: 3px; padding: 0 4px; }
.picker .icon { font-family: 'Noto Emoji', sans-serif; font-size: 13px; }
.placeholder { color: #868686; }
.text-input { display: block; min-height: 36px; padding: 7px 10px; border: 1px solid rgba(29,28,29,.3); border-radius: 4px; font-size: 15px; white-space: pre-wrap; }
.text-input.multiline { min-height: 72px; }
.bk-input { margin: 12px 0; }
.bk-label { font-weight: 700; margin-bottom: 6px; }
.optional { font-weight: 400; color: #616061; }
.bk-hint { font-size: 13px; color: #616061; margin-top: 4px; }
.options { display: flex; flex-direction: column; gap: 6px; }
.option { display: flex; gap: 8px; align-items: flex-start; }
.checkbox, .radio { flex: none; width: 16px; height: 16px; margin-top: 3px; border: 1px solid rgba(29,28,29,.5); background: #fff; }
.checkbox { border-radius: 3px; }
.radio { border-radius: 50%; }
.checkbox.on { background: #1264a3; border-color: #1264a3; box-shadow: inset 0 0 0 3px #1264a3, inset 0 0 0 5px #fff; }
.radio.on { border: 5px solid #1264a3; }
.option-description { font-size: 13px; color: #616061; }
.file-card { display: inline-flex; gap: 10px; align-items: center; border: 1px solid rgba(29,28,29,.13); border-radius: 8px; padding: 10px 14px 10px 10px; margin-top: 6px; min-width: 300px; }
.file-icon { width: 36px; height: 36px; border-radius: 6px; background: #2bac76; color: #fff; font-size: 10px; font-weight: 700; display: flex; align-items: center; justify-content: center; }
.file-name { font-weight: 700; font-size: 15px; }
.file-meta { font-size: 12px; color: #616061; }
.file-image { margin-top: 6px; }
.table-wrap { margin: 6px 0; border: 1px solid #dddddd; border-radius: 6px; overflow: hidden; display: inline-block; max-width: 100%; }
.bk-table { border-collapse: collapse; font-size: 13px; }
.bk-table th, .bk-table td { border-bottom: 1px solid #ececec; border-right: 1px solid #ececec; padding: 5px 8px; text-align: start; vertical-align: top; }
.bk-table th { font-weight: 700; background: #f8f8f8; }
.bk-table .nowrap { white-space: nowrap; }
.replies-rule { display: flex; align-items: center; gap: 8px; margin: 4px 20px; font-size: 13px; color: #616061; }
.replies-rule::after { content: ''; flex: 1; border-top: 1px solid #dddddd; }
.modal-backdrop { background: rgba(0,0,0,.45); padding: 28px 40px; border-radius: 8px; }
.modal { width: 520px; background: #fff; border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.3); }
.modal-head { display: flex; align-items: center; gap: 10px; padding: 18px 24px; }
.modal-icon { width: 32px; height: 32px; border-radius: 6px; background: #3f0e40; color: #fff; font-weight: 700; font-size: 13px; display: flex; align-items: center; justify-content: center; }
.modal-title { font-size: 22px; font-weight: 900; flex: 1; }
.modal-x { color: #616061; font-size: 26px; line-height: 1; }
.modal-body { padding: 0 24px 8px; }
.modal-foot { display: flex; justify-content: flex-end; gap: 12px; padding: 18px 24px; border-top: 1px solid #dddddd; }
.modal-foot .button { height: 36px; padding: 0 16px; font-size: 15px; }
.home { width: 860px; }
.home-head { display: flex; align-items: center; gap: 10px; padding: 12px 20px 4px; font-size: 18px; }
.home-head .avatar { width: 28px; height: 28px; font-size: 11px; }
.home-tabs { display: flex; gap: 20px; padding: 0 20px; border-bottom: 1px solid #dddddd; font-size: 14px; }
.tab { padding: 8px 0; color: #616061; }
.tab.on { color: #1d1c1d; font-weight: 700; border-bottom: 2px solid #1d1c1d; }
.home-body { padding: 12px 24px 20px; }
`;

/** A whole HTML page showing the surface, ready for a headless browser's screenshot. */
export function renderPreview(surface: PreviewSurface, ctx: PreviewContext): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dealcast Block Kit preview</title>
<style>${ctx.fontFaces ?? ''}${CSS}${ctx.fontStack ? `body { font-family: ${ctx.fontStack}, sans-serif; }` : ''}</style></head>
<body><div id="frame">${surfaceHtml(surface, ctx)}</div></body></html>
`;
}
