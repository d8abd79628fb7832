/**
 * /dealcast categories (admins only): which deal field holds the rep's forecast category, and
 * what its options mean, for CRMs that keep it in a field of the customer's own (Pipedrive: a
 * custom deal field; Attio: a select, status or text attribute). Salesforce and HubSpot have a
 * standard field and need no choice.
 *
 * The modal reads the CRM's actual candidate fields when it opens and again when a field is
 * chosen (so its options are the CRM's current ones). Saving writes the settings
 * forecast.category_field and forecast.category_map together, checked against their zod schemas
 * in the settings registry and audited like every setting (saveRegisteredSettings). The deal sync
 * reads the field from its next run on.
 */
import { z } from 'zod';
import { BLOCK_IDS } from '../src/ids.js';
import { createConnector } from '../src/connectors/index.js';
import { describeError } from '../src/errors.js';
import { saveRegisteredSettings } from '../src/settings/change.js';
import { resolveConstantSetting } from '../src/settings/resolve.js';
import { CATEGORY_LABELS, MAPPABLE_CATEGORIES, type MappableCategory } from '../src/metrics/forecast-category.js';
import type { CategoryFieldCandidate } from '../src/sync/connector.js';
import { categoriesTextView, categoryFieldView, categoryMapView, readCategoryChoices, readCategoryField } from '../src/views/categories-modal.js';
import { escapeMrkdwn } from '../src/views/numbers.js';
import { NOT_ADMIN_TEXT } from './dealcast-settings.js';
import { replyTarget, type CommandDeps, type CommandRequest } from './command-context.js';

/** What each CRM does about forecast categories when there is no field to choose. */
const NO_CHOICE: Record<string, string> = {
  salesforce: 'Salesforce sends each opportunity’s forecast category itself (ForecastCategoryName): there is no field to choose.',
  hubspot: 'HubSpot sends each deal’s forecast category itself (hs_manual_forecast_category): there is no field to choose.',
  csv: 'A CSV export brings its forecast category in a column named Forecast Category (or ForecastCategoryName, hs_manual_forecast_category): there is no field to choose.',
  demo: 'The demo CRM sets its deals’ forecast categories itself: there is no field to choose.',
};
const CRM_LABELS: Record<string, string> = { pipedrive: 'Pipedrive', attio: 'Attio' };

type Read = { ok: true; fields: CategoryFieldCandidate[] } | { ok: false; message: string };

/** The CRM's candidate fields, read now through the CRM's own HTTP door (one connector, closed after). */
export async function readCategoryFields(deps: Pick<CommandDeps, 'config' | 'now' | 'log'>): Promise<Read> {
  const bundle = createConnector(deps.config, { now: deps.now(), log: deps.log });
  try {
    if (!bundle.connector.categoryFields || !bundle.http) return { ok: false, message: NO_CHOICE[deps.config.CRM] ?? `${bundle.connector.label} has no forecast category field to choose.` };
    return { ok: true, fields: await bundle.connector.categoryFields(bundle.http) };
  } catch (err) {
    return { ok: false, message: describeError(err).split('\n')[0]! };
  } finally {
    await bundle.close?.().catch(() => undefined);
  }
}

const currentField = (deps: CommandDeps): string | null => resolveConstantSetting(deps.db, 'forecast.category_field') ?? null;
const currentMap = (deps: CommandDeps): Record<string, MappableCategory> => resolveConstantSetting(deps.db, 'forecast.category_map') ?? {};

const NO_FIELDS: Record<string, string> = {
  pipedrive:
    'Pipedrive has no custom deal field of a kind that can hold a forecast category (single option, multiple options or text). Add one in Pipedrive (Company settings → Data fields → Deal), e.g. “Forecast category” with the options Commit, Best case, Pipeline and Omitted, then run /dealcast categories again.',
  attio: 'The deals object has no select, status or text attribute that can hold a forecast category. Add one in Attio (e.g. a select “Forecast category” with Commit, Best case, Pipeline and Omitted), then run /dealcast categories again.',
};

/** /dealcast categories */
export async function openCategories(req: CommandRequest, deps: CommandDeps): Promise<void> {
  const target = replyTarget(req);
  if (!(await deps.admins.isAdmin(req.userId))) {
    deps.log(`categories: refused /dealcast categories for ${req.userId} (not an admin)`);
    await deps.slack.replyEphemeral(target, { text: NOT_ADMIN_TEXT });
    return;
  }
  const crmLabel = CRM_LABELS[deps.crm];
  if (!crmLabel) {
    await deps.slack.replyEphemeral(target, { text: NO_CHOICE[deps.crm] ?? `${deps.crm} has no forecast category field to choose.` });
    return;
  }
  if (!req.triggerId) {
    await deps.slack.replyEphemeral(target, { text: 'Slack sent no trigger for a dialog with this command; run /dealcast categories again.' });
    return;
  }
  // Slack's trigger lasts 3 seconds: open at once, then read the CRM's fields into the modal.
  const opened = await deps.slack.openView(req.triggerId, categoriesTextView(`:hourglass_flowing_sand: Reading the deal fields from ${crmLabel}…`));
  const read = await readCategoryFields(deps);
  const view = !read.ok
    ? categoriesTextView(`:warning: Could not read the deal fields from ${crmLabel}: ${read.message}`)
    : read.fields.length
      ? categoryFieldView({ crmLabel, crm: deps.crm, fields: read.fields, current: currentField(deps) })
      : categoriesTextView(NO_FIELDS[deps.crm]!);
  await deps.slack.updateView(opened.id, view, opened.hash);
}

const metaSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('field'), crm: z.string() }),
  z.object({ step: z.literal('map'), crm: z.string(), field: z.string().min(1).max(100), name: z.string().max(100), values: z.array(z.string().min(1).max(200)).max(100) }),
]);
const categorySchema = z.enum(MAPPABLE_CATEGORIES);

export interface CategoriesViewLike {
  id: string;
  hash?: string;
  private_metadata?: string;
  state: { values: Parameters<typeof readCategoryField>[0] };
}
export interface CategoriesSubmitResult {
  ack: { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'update'; view: ReturnType<typeof categoriesTextView> };
  /** Work after the ack (reading the chosen field's options), delivered with views.update. */
  after?: () => Promise<void>;
}

export async function onCategoriesSubmit(input: { userId: string; view: CategoriesViewLike }, deps: CommandDeps): Promise<CategoriesSubmitResult> {
  if (!(await deps.admins.isAdmin(input.userId))) {
    deps.log(`categories: refused a save by ${input.userId} (not an admin)`);
    return { ack: { response_action: 'update', view: categoriesTextView(`:no_entry: ${NOT_ADMIN_TEXT}`) } };
  }
  const meta = metaSchema.safeParse(safeJson(input.view.private_metadata));
  if (!meta.success || meta.data.crm !== deps.crm) {
    return { ack: { response_action: 'update', view: categoriesTextView(`This form was not for ${deps.crm}, the CRM dealcast reads now. Close it and run /dealcast categories again.`) } };
  }
  const crmLabel = CRM_LABELS[deps.crm] ?? deps.crm;
  if (meta.data.step === 'field') {
    const key = readCategoryField(input.view.state.values);
    if (!key) return { ack: { response_action: 'errors', errors: { [BLOCK_IDS.categoriesFieldKey]: 'Choose the field your reps set their forecast category in.' } } };
    const viewId = input.view.id;
    return {
      ack: { response_action: 'update', view: categoriesTextView(`:hourglass_flowing_sand: Reading the options of that field from ${crmLabel}…`) },
      after: async () => {
        const read = await readCategoryFields(deps);
        const field = read.ok ? read.fields.find((f) => f.key === key) : undefined;
        const view = !read.ok
          ? categoriesTextView(`:warning: Could not read the deal fields from ${crmLabel}: ${read.message}. Nothing was saved.`)
          : !field
            ? categoriesTextView(`That field is no longer in ${crmLabel} (renamed or deleted meanwhile). Nothing was saved; run /dealcast categories again.`)
            : categoryMapView({ crm: deps.crm, field, map: key === currentField(deps) ? currentMap(deps) : {} });
        await deps.slack.updateView(viewId, view);
      },
    };
  }
  const { field, name, values } = meta.data;
  const chosen = readCategoryChoices(input.view.state.values, values.length);
  const errors: Record<string, string> = {};
  const map: Record<string, MappableCategory> = {};
  chosen.forEach((c, i) => {
    const parsed = categorySchema.safeParse(c);
    if (parsed.success) map[values[i]!] = parsed.data;
    else errors[`${BLOCK_IDS.categoriesMapPrefix}${i}`] = 'Choose Commit, Best case, Pipeline or Omitted.';
  });
  if (Object.keys(errors).length) return { ack: { response_action: 'errors', errors } };
  // Both settings at once, each checked against the registry's zod schema and audited; a
  // value the schema refuses throws, and the listener keeps the modal open with the reason.
  const changed = saveRegisteredSettings(
    deps.db,
    [
      ['forecast.category_field', field],
      ['forecast.category_map', map],
    ],
    input.userId,
    deps.now(),
  );
  deps.log(`categories: ${input.userId} set the forecast category field to ${field} (${values.length} options mapped; changed: ${changed.join(', ') || 'nothing'})`);
  const byCategory = MAPPABLE_CATEGORIES.map((c) => [c, values.filter((v) => map[v] === c).length] as const)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${CATEGORY_LABELS[c]} ${n}`)
    .join(', ');
  const text =
    `:white_check_mark: Saved. Forecast categories are read from *${escapeMrkdwn(name)}*${values.length ? ` (options: ${byCategory})` : ' by name'} from the next sync on. ` +
    'Deals not changed since the last sync get theirs at a full sync (`dealcast sync --full`). See them in `/forecast commit`.';
  return { ack: { response_action: 'update', view: categoriesTextView(text) } };
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return null;
  }
}
