/**
 * `dealcast dashboard [--out FILE.html] [--now ISO] [--password-env VAR] [--no-deal-names]
 *  [--pipeline NAME] [--owner NAME|EMAIL] [--source NAME] [--since 90d|YYYY-MM-DD]`
 *
 * Writes the self-contained dashboard page (docs/dashboard.md). With --password-env the page is
 * encrypted under the password held in that environment variable — never a command-line value,
 * which would land in shell history and `ps`. Only the final file is written (atomically).
 */
import { passwordProblem, readPasswordVariable } from '../config.js';
import { UsageError } from '../errors.js';
import { collectDashboard } from '../dashboard/build.js';
import { packDashboard, writeFileAtomic } from '../dashboard/dashboard-file.js';
import { kpiFigures } from '../dashboard/page.js';
import { formatMoney, formatPercent } from '../dashboard/page-format.js';
import { cliConfig, crmInDb, openStore, parseFlags, parseNowArg, teamTimeZone, type CliIo } from './io.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      out: { type: 'string' },
      now: { type: 'string' },
      'password-env': { type: 'string' },
      password: { type: 'string' },
      'no-deal-names': { type: 'boolean' },
      pipeline: { type: 'string' },
      owner: { type: 'string' },
      source: { type: 'string' },
      since: { type: 'string' },
    },
    'dashboard',
  );
  if (values.password !== undefined) {
    throw new UsageError(
      'The password is never taken on the command line (it would be saved in shell history and visible to other users).',
      'Put it in an environment variable and name that: DASHBOARD_PASSWORD=… dealcast dashboard --password-env DASHBOARD_PASSWORD',
    );
  }
  const nowIn = parseNowArg(values.now);
  const config = cliConfig(io);
  const out = values.out ?? config.DASHBOARD_PATH;
  if (!/\.html?$/i.test(out)) throw new UsageError(`--out "${out}" should be an .html file.`, 'For example: --out dashboard.html');

  let password: string | undefined;
  if (values['password-env'] !== undefined) {
    const name = values['password-env'];
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`--password-env takes the NAME of an environment variable, and "${name.length > 40 ? `${name.slice(0, 12)}…` : name}" is not one.`, 'For example: --password-env DASHBOARD_PASSWORD');
    }
    password = readPasswordVariable(name, { env: io.env });
    if (password === undefined) throw new UsageError(`The environment variable ${name} (from --password-env) is not set or is empty.`, `Set ${name} to the dashboard password, e.g. in .env.`);
    const weak = passwordProblem(password);
    if (weak) throw new UsageError(`The dashboard password in ${name} is too weak: ${weak}.`, 'A passphrase of a few unrelated words is strong and easy to type.');
  }

  const db = openStore(config, { forReading: true });
  const timeZone = teamTimeZone(db, config);
  const now = nowIn(timeZone);
  try {
    const input = await collectDashboard(db, crmInDb(db, config.CRM), {
      now,
      filters: { pipeline: values.pipeline, owner: values.owner, source: values.source, since: values.since },
      dealNames: values['no-deal-names'] ? false : config.DASHBOARD_DEAL_NAMES,
      timeZone,
      currency: config.DEALCAST_CURRENCY ?? null,
    });
    const file = await packDashboard(input, { password });
    await writeFileAtomic(out, file.bytes);
    const k = kpiFigures(input.reports);
    const currency = input.reports.pipeline.currency;
    io.stdout(
      `Wrote ${out} (${Math.round(file.bytes.length / 1024)} KB${file.encrypted ? ', encrypted: open it in a browser and enter the password' : ''}).`,
    );
    io.stdout(
      `Open pipeline ${formatMoney(k.open_pipeline, currency)} · weighted forecast ${formatMoney(k.weighted_forecast, currency)} · win rate ${formatPercent(k.win_rate)} of deals closed since ${input.reports.velocity.current.window_from ?? '—'} · velocity ${formatMoney(k.sales_velocity, currency)}/day`,
    );
    if (!input.dataSyncedAt) io.stderr('No sync has succeeded yet, so the page has no data. Run "dealcast sync" first.');
    return 0;
  } finally {
    db.close();
  }
}
