/**
 * `dealcast import-targets FILE.csv [--crm NAME] [--now ISO] [--db FILE]`: reads sales targets
 * from a small CSV (src/targets/csv.ts gives the format) for the company, teams (the CRM's and
 * those set in Slack), owners and pipelines of the CRM the reports read (`crmInDb`). Every bad line is listed with its number and nothing is imported; when all lines
 * are good they are saved in one transaction, each change audited like a settings change.
 */
import { readFileSync } from 'node:fs';
import { CRM_NAMES, type CrmName } from '../config.js';
import { UsageError } from '../errors.js';
import { listOwners } from '../../store/owners.js';
import { listPipelines } from '../../store/pipelines.js';
import { saveTargets } from '../../store/targets.js';
import { resolveSetting } from '../settings/resolve.js';
import { parseTargetsCsv, TARGET_CSV_COLUMNS } from '../targets/csv.js';
import { loadTargetTeams } from '../targets/team-scopes.js';
import { cliConfig, crmInDb, openStore, parseFlags, parseNowArg, teamTimeZone, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { crm: { type: 'string' }, now: { type: 'string' }, db: { type: 'string' } }, 'import-targets', true);
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    throw new UsageError('import-targets takes one CSV file.', `Usage: dealcast import-targets targets.csv [--crm NAME]. Columns: ${TARGET_CSV_COLUMNS.join(',')}.`);
  }
  if (values.crm !== undefined && !(CRM_NAMES as readonly string[]).includes(values.crm)) {
    throw new UsageError(`--crm must be one of ${CRM_NAMES.join(', ')} (got "${values.crm}").`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${(err as Error).message}`);
  }
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io, values.db ? { DEALCAST_DB: values.db } : {});
  const db = openStore(config);
  try {
    // Same CRM as the reports read: after `import-csv` with CRM left at its default, the CSV's.
    const crm = (values.crm ?? crmInDb(db, config.CRM)) as CrmName;
    const now = nowIn(teamTimeZone(db, config));
    const fiscalStartMonth = resolveSetting(db, config, 'targets.fiscal_year_start_month').value ?? 1;
    const teams = loadTargetTeams(db, crm).choices.map((t) => ({ id: t.scopeId, name: t.name }));
    const parsed = parseTargetsCsv(text, { fiscalStartMonth, owners: listOwners(db, crm), pipelines: listPipelines(db, crm), teams });
    if (!parsed.ok) {
      for (const p of parsed.problems) io.stderr(`${file}:${p.line}: ${p.message}`);
      io.stderr(`Nothing imported: ${parsed.problems.length} line${parsed.problems.length === 1 ? '' : 's'} to fix.`);
      return 1;
    }
    const r = saveTargets(db, crm, parsed.targets, { source: 'csv', userId: 'csv-import', now });
    io.stdout(
      `Imported ${parsed.targets.length} target${parsed.targets.length === 1 ? '' : 's'} for ${crm} into ${config.DEALCAST_DB}: ${r.added} new, ${r.changed} changed, ${r.unchanged} unchanged.`,
    );
    return 0;
  } finally {
    db.close();
  }
}
