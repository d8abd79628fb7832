/**
 * The forecast category modal (/dealcast categories, admins only), for CRMs whose forecast
 * category lives in a field the admin chooses (Pipedrive, Attio). Two steps in one modal:
 * 1. the field, from the CRM's actual candidate fields (read when the modal opens);
 * 2. each of that field's options mapped to Commit, Best case, Pipeline or Omitted (an option
 *    named like a category starts on it; one already mapped keeps its mapping).
 * A free-text field has no options: its values are read by name. Pure: data in, a view out;
 * view state back to a draft.
 */
import type { types } from '@slack/bolt';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS } from '../ids.js';
import { CATEGORY_LABELS, MAPPABLE_CATEGORIES, categoryOf, type MappableCategory } from '../metrics/forecast-category.js';
import type { CategoryFieldCandidate } from '../sync/connector.js';
import { clip, escapeMrkdwn } from './numbers.js';

type View = types.ModalView;
type KnownBlock = types.KnownBlock;

/** Options a static select may hold, and the mapping inputs a view may hold (Slack allows 100 blocks; a few are text). */
export const MAX_CATEGORY_FIELDS = 100;
export const MAX_MAPPED_OPTIONS = 90;
/** Slack's limit on a view's private_metadata. */
const MAX_METADATA = 3000;

const plain = (text: string, max = 75) => ({ type: 'plain_text' as const, text: clip(text, max), emoji: true });
const TITLE = plain('Forecast categories', 24);

/** What step 2 must remember between opening and saving: the field and its options' values, in block order. */
export interface CategoriesMapMeta {
  step: 'map';
  crm: string;
  field: string;
  /** The field's name, for the confirmation. */
  name: string;
  values: string[];
}
export interface CategoriesFieldMeta {
  step: 'field';
  crm: string;
}

export const categoriesTextView = (text: string): View => ({
  type: 'modal',
  callback_id: CALLBACK_IDS.categoriesModal,
  title: TITLE,
  close: plain('Close', 24),
  blocks: [{ type: 'section', block_id: BLOCK_IDS.categoriesIntro, text: { type: 'mrkdwn', text: clip(text, 3000) } }],
});

const TYPE_NAMES: Record<string, string> = {
  enum: 'single option',
  set: 'multiple options',
  varchar: 'text',
  varchar_auto: 'text',
  select: 'select',
  status: 'status',
  text: 'text',
};

/** Step 1: the CRM's candidate fields, the one in use first selected. */
export function categoryFieldView(m: { crmLabel: string; crm: string; fields: CategoryFieldCandidate[]; current: string | null }): View {
  const fields = m.fields.slice(0, MAX_CATEGORY_FIELDS);
  const options = fields.map((f) => ({ text: plain(`${f.name} (${TYPE_NAMES[f.type] ?? f.type})`), value: clip(f.key, 150) }));
  const initial = options.find((o) => o.value === m.current);
  const gone = m.current && !initial ? ` The field in use now (\`${escapeMrkdwn(m.current)}\`) is no longer in ${m.crmLabel}: choose another.` : '';
  const meta: CategoriesFieldMeta = { step: 'field', crm: m.crm };
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.categoriesModal,
    private_metadata: JSON.stringify(meta),
    title: TITLE,
    submit: plain('Next', 24),
    close: plain('Cancel', 24),
    blocks: [
      {
        type: 'context',
        block_id: BLOCK_IDS.categoriesIntro,
        elements: [
          {
            type: 'mrkdwn',
            text: clip(
              `The ${m.crmLabel} deal field your reps set their forecast call in. dealcast reads it at every sync and maps its values to Commit, Best case, Pipeline and Omitted for \`/forecast commit\`.${gone}`,
              3000,
            ),
          },
        ],
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.categoriesFieldKey,
        label: plain('Field'),
        element: {
          type: 'static_select',
          action_id: ACTION_IDS.categoriesField,
          placeholder: plain('Choose a field'),
          options,
          ...(initial ? { initial_option: initial } : {}),
        },
      },
    ],
  };
}

/** The category an option starts on: its current mapping, else the category its label names, else none. */
export function startingCategory(option: { value: string; label: string }, map: Readonly<Record<string, MappableCategory>>): MappableCategory | null {
  if (map[option.value]) return map[option.value]!;
  const byName = categoryOf(option.label, 'open');
  return byName.source === 'mapped' ? (byName.category as MappableCategory) : null;
}

/** Step 2: the chosen field's options, each with a category to choose (or, for a text field, how its values are read). */
export function categoryMapView(m: { crm: string; field: CategoryFieldCandidate; map: Readonly<Record<string, MappableCategory>> }): View {
  // As many options as the form holds, and as private_metadata (3,000 characters) can name.
  let options = (m.field.options ?? []).slice(0, MAX_MAPPED_OPTIONS);
  const metaOf = (os: typeof options): CategoriesMapMeta => ({ step: 'map', crm: m.crm, field: m.field.key, name: clip(m.field.name, 100), values: os.map((o) => o.value) });
  while (options.length && JSON.stringify(metaOf(options)).length > MAX_METADATA) options = options.slice(0, -1);
  const meta = metaOf(options);
  const choices = MAPPABLE_CATEGORIES.map((c) => ({ text: plain(CATEGORY_LABELS[c]), value: c }));
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: BLOCK_IDS.categoriesIntro,
      text: {
        type: 'mrkdwn',
        text: clip(
          m.field.options === null
            ? `*${escapeMrkdwn(m.field.name)}* is a text field: its values are read by name (Commit, Best case, Pipeline, Omitted; also Forecast, Most likely, Not forecasted). Any other value counts as Pipeline and \`/forecast commit\` names it.`
            : `*${escapeMrkdwn(m.field.name)}*: choose what each option means. Won and lost deals count as Closed whatever the field says; a deal with no value counts as Pipeline.${(m.field.options?.length ?? 0) > options.length ? ` Only the first ${options.length} options fit in this form; the others count as Pipeline.` : ''}`,
          3000,
        ),
      },
    },
  ];
  options.forEach((o, i) => {
    const start = startingCategory(o, m.map);
    const initial = start ? choices.find((c) => c.value === start) : undefined;
    blocks.push({
      type: 'input',
      block_id: `${BLOCK_IDS.categoriesMapPrefix}${i}`,
      label: plain(o.label || o.value, 2000),
      element: { type: 'static_select', action_id: ACTION_IDS.categoriesField, placeholder: plain('Commit, Best case, Pipeline or Omitted'), options: choices, ...(initial ? { initial_option: initial } : {}) },
    });
  });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.categoriesModal,
    private_metadata: JSON.stringify(meta),
    title: TITLE,
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { type: string; value?: string | null; selected_option?: { value: string } | null }>>;

/** Step 1's state: the field key chosen (null: none). */
export const readCategoryField = (values: StateValues): string | null => values[BLOCK_IDS.categoriesFieldKey]?.[ACTION_IDS.categoriesField]?.selected_option?.value ?? null;

/** Step 2's state: the category chosen for each option, in block order (null where none was chosen). */
export function readCategoryChoices(values: StateValues, count: number): (string | null)[] {
  return Array.from({ length: count }, (_, i) => values[`${BLOCK_IDS.categoriesMapPrefix}${i}`]?.[ACTION_IDS.categoriesField]?.selected_option?.value ?? null);
}
