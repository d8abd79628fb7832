/**
 * Checks a modal view against Slack's published Block Kit rules (the ones a settings modal can
 * break): counts and lengths, unique ids, element types allowed where they are used, and
 * initial values that match an option exactly. Returns every problem found, as sentences.
 * Sources: docs.slack.dev/reference/block-kit (blocks, block elements, composition objects) and
 * docs.slack.dev/reference/views/modal-views.
 */
type Json = Record<string, any>;

const INPUT_ELEMENTS = new Set([
  'plain_text_input',
  'number_input',
  'static_select',
  'conversations_select',
  'channels_select',
  'users_select',
  'checkboxes',
  'radio_buttons',
  'timepicker',
  'datepicker',
  'multi_static_select',
]);
const ACTIONS_ELEMENTS = new Set(['button', 'static_select', 'conversations_select', 'checkboxes', 'radio_buttons', 'overflow', 'datepicker', 'timepicker', 'users_select']);

export function blockKitProblems(view: Json): string[] {
  const p: string[] = [];
  const plain = (o: Json | undefined, where: string, max: number, required = true) => {
    if (!o) {
      if (required) p.push(`${where}: missing`);
      return;
    }
    if (o.type !== 'plain_text') p.push(`${where}: must be plain_text, is ${o.type}`);
    if (typeof o.text !== 'string' || o.text.length === 0) p.push(`${where}: empty text`);
    else if (o.text.length > max) p.push(`${where}: ${o.text.length} chars > ${max}`);
  };
  if (view.type !== 'modal') p.push('view.type must be modal');
  plain(view.title, 'title', 24);
  plain(view.close, 'close', 24, false);
  plain(view.submit, 'submit', 24, false);
  if ((view.private_metadata ?? '').length > 3000) p.push(`private_metadata: ${view.private_metadata.length} chars > 3000`);
  if ((view.callback_id ?? '').length > 255) p.push('callback_id > 255');
  const blocks = view.blocks as Json[];
  if (!Array.isArray(blocks) || blocks.length === 0) p.push('no blocks');
  if (blocks.length > 100) p.push(`${blocks.length} blocks > 100`);
  if (blocks.some((b) => b.type === 'input') && !view.submit) p.push('an input block needs a submit button');
  const seen = new Set<string>();

  const option = (o: Json, where: string) => {
    plain(o.text, `${where}.text`, 75);
    if (typeof o.value !== 'string' || o.value.length === 0 || o.value.length > 150) p.push(`${where}.value: must be 1-150 chars`);
  };
  const sameOption = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

  const element = (el: Json, where: string, inInput: boolean) => {
    if (typeof el.action_id !== 'string' || !el.action_id || el.action_id.length > 255) p.push(`${where}: action_id must be 1-255 chars`);
    if (el.placeholder) plain(el.placeholder, `${where}.placeholder`, 150);
    switch (el.type) {
      case 'plain_text_input':
        if (el.initial_value !== undefined && typeof el.initial_value !== 'string') p.push(`${where}: initial_value must be a string`);
        if (el.max_length !== undefined && el.initial_value !== undefined && el.initial_value.length > el.max_length) p.push(`${where}: initial_value longer than max_length`);
        if (el.initial_value === '') p.push(`${where}: empty initial_value`);
        break;
      case 'number_input':
        if (typeof el.is_decimal_allowed !== 'boolean') p.push(`${where}: is_decimal_allowed is required`);
        if (el.initial_value !== undefined) {
          const v = Number(el.initial_value);
          if (!Number.isFinite(v)) p.push(`${where}: initial_value not a number`);
          if (el.min_value !== undefined && v < Number(el.min_value)) p.push(`${where}: initial_value below min_value`);
          if (el.max_value !== undefined && v > Number(el.max_value)) p.push(`${where}: initial_value above max_value`);
          if (!el.is_decimal_allowed && !Number.isInteger(v)) p.push(`${where}: decimal initial_value where decimals are not allowed`);
        }
        break;
      case 'static_select': {
        // Either options (1-100) or option_groups (1-100 groups, each a label of up to 75 characters and 1-100 options), never both.
        const groups = el.option_groups as Json[] | undefined;
        if (groups && el.options) p.push(`${where}: options and option_groups together`);
        if (groups) {
          if (!groups.length || groups.length > 100) p.push(`${where}: 1-100 option groups required (${groups.length})`);
          for (const [i, g] of groups.entries()) {
            plain(g.label, `${where}.option_groups[${i}].label`, 75);
            const n = ((g.options ?? []) as Json[]).length;
            if (!n || n > 100) p.push(`${where}.option_groups[${i}]: 1-100 options required (${n})`);
          }
        }
        const opts = (el.options ?? groups?.flatMap((g) => g.options ?? []) ?? []) as Json[];
        if (!opts.length || opts.length > 100) p.push(`${where}: 1-100 options required (${opts.length})`);
        for (const [i, o] of opts.entries()) option(o, `${where}.options[${i}]`);
        if (new Set(opts.map((o) => o.value)).size !== opts.length) p.push(`${where}: duplicate option values`);
        if (el.initial_option && !opts.some((o) => sameOption(o, el.initial_option))) p.push(`${where}: initial_option matches no option exactly`);
        if (!inInput && !el.placeholder) p.push(`${where}: a select in an actions block needs a placeholder`);
        break;
      }
      case 'checkboxes': {
        const opts = (el.options ?? []) as Json[];
        if (!opts.length || opts.length > 10) p.push(`${where}: 1-10 options required`);
        for (const [i, o] of opts.entries()) option(o, `${where}.options[${i}]`);
        for (const io of (el.initial_options ?? []) as Json[]) if (!opts.some((o) => sameOption(o, io))) p.push(`${where}: initial_options entry matches no option exactly`);
        break;
      }
      case 'conversations_select':
        if (el.initial_conversation !== undefined && !/^[CGD][A-Z0-9]+$/.test(el.initial_conversation)) p.push(`${where}: initial_conversation is not a conversation id`);
        break;
      case 'timepicker':
        if (el.initial_time !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(el.initial_time)) p.push(`${where}: initial_time must be HH:mm`);
        break;
      case 'button':
        plain(el.text, `${where}.text`, 75);
        if (el.value !== undefined && String(el.value).length > 2000) p.push(`${where}: value > 2000`);
        break;
      default:
        break;
    }
  };

  blocks.forEach((b, i) => {
    const where = `blocks[${i}] (${b.type} ${b.block_id ?? ''})`;
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length > 255 || !b.block_id) p.push(`${where}: block_id must be 1-255 chars`);
      if (seen.has(b.block_id)) p.push(`${where}: duplicate block_id`);
      seen.add(b.block_id);
    }
    switch (b.type) {
      case 'input':
        plain(b.label, `${where}.label`, 2000);
        if (b.hint) plain(b.hint, `${where}.hint`, 2000);
        if (!b.element || !INPUT_ELEMENTS.has(b.element.type)) p.push(`${where}: element ${b.element?.type} not allowed in an input block`);
        else element(b.element, `${where}.element`, true);
        if (b.dispatch_action !== undefined && typeof b.dispatch_action !== 'boolean') p.push(`${where}: dispatch_action must be boolean`);
        break;
      case 'actions': {
        const els = (b.elements ?? []) as Json[];
        if (!els.length || els.length > 25) p.push(`${where}: 1-25 elements required`);
        if (new Set(els.map((e) => e.action_id)).size !== els.length) p.push(`${where}: duplicate action_id in the block`);
        els.forEach((e, j) => {
          if (!ACTIONS_ELEMENTS.has(e.type)) p.push(`${where}.elements[${j}]: ${e.type} not allowed in actions`);
          element(e, `${where}.elements[${j}]`, false);
        });
        break;
      }
      case 'section':
        if (b.text && (b.text.text?.length ?? 0) > 3000) p.push(`${where}: text > 3000`);
        if (!b.text && !b.fields) p.push(`${where}: needs text or fields`);
        break;
      case 'context':
        if (!b.elements?.length || b.elements.length > 10) p.push(`${where}: 1-10 elements required`);
        for (const e of b.elements ?? []) if ((e.text?.length ?? 0) > 3000) p.push(`${where}: element text > 3000`);
        break;
      case 'header':
        plain(b.text, `${where}.text`, 150);
        break;
      case 'divider':
        break;
      default:
        p.push(`${where}: unexpected block type ${b.type}`);
    }
  });
  return p;
}
