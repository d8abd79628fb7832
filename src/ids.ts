/**
 * Every name Slack and the code must agree on: slash commands (with the description and usage
 * hint manifest.yml shows), callback_ids, action_ids and block_ids. manifest.yml is checked
 * against COMMANDS by test/manifest.test.ts, so a command cannot exist in one and not the other.
 * IDs are stable strings: Slack echoes them back in interaction payloads, so renaming one breaks
 * messages and modals already posted.
 */

export interface CommandInfo {
  /** The slash command as typed, e.g. '/pipeline'. */
  readonly command: string;
  /** Shown in Slack's command picker. */
  readonly description: string;
  /** Shown after the command name while typing. */
  readonly usageHint: string;
}

export const COMMANDS = {
  pipeline: {
    command: '/pipeline',
    description: 'Open pipeline by stage: deal count, value and weighted value, as a chart',
    usageHint: '[owner:@maria|me] [pipeline:"Enterprise"] [source:Referral] [since:90d] | help',
  },
  forecast: {
    command: '/forecast',
    description: 'Monthly forecast: won, calibrated weighted pipeline and the CRM-probability forecast',
    usageHint: '[owner:@maria|me] [pipeline:"Enterprise"] [source:Referral] | quota | commit [month|quarter|year] | help',
  },
  funnel: {
    command: '/funnel',
    description: 'Stage-to-stage conversion funnel and win rate',
    usageHint: '[owner:@maria|me] [pipeline:"Enterprise"] [source:Referral] [since:90d] | help',
  },
  velocity: {
    command: '/velocity',
    description: 'Sales velocity trend: open deals x win rate x average deal / cycle days',
    usageHint: '[owner:@maria|me] [pipeline:"Enterprise"] [source:Referral] [since:180d] | help',
  },
  reps: {
    command: '/reps',
    description: 'Rep scoreboard: activities, open pipeline and won value per rep',
    usageHint: '[7d|30d|since:2026-01-01] [pipeline:"Enterprise"] | help',
  },
  deals: {
    command: '/deals',
    description: 'List open deals: biggest first, "closing" soonest close first, "stuck" stuck in stage',
    usageHint: '[stage:Proposal] [stuck] [closing] [owner:@maria|me] [pipeline:"Enterprise"] | help',
  },
  dealcast: {
    command: '/dealcast',
    description: 'dealcast itself: help, sync status and data freshness, sync now and settings (admins), the dashboard page by DM',
    usageHint: 'help | status | sync | settings | events | targets | categories | dashboard | subscribe <report> [filters] [schedule] | subscriptions',
  },
} as const satisfies Record<string, CommandInfo>;

export type CommandKey = keyof typeof COMMANDS;
export const COMMAND_KEYS = Object.keys(COMMANDS) as CommandKey[];

/** Commands that answer with a chart (the rest answer with blocks only). */
export const CHART_COMMANDS = ['pipeline', 'forecast', 'funnel', 'velocity', 'reps'] as const satisfies readonly CommandKey[];
export type ChartCommandKey = (typeof CHART_COMMANDS)[number];

/** Modal callback_ids (view_submission / view_closed payloads carry them). */
export const CALLBACK_IDS = {
  /** The admin settings modal (/dealcast settings). */
  settingsModal: 'dealcast_settings',
  /** The deal-events and visibility modal (/dealcast events). */
  eventsModal: 'dealcast_events',
  /** The subscription modal (/dealcast subscribe without arguments, or Edit). */
  subscriptionModal: 'dealcast_subscription',
  /** The targets modal (/dealcast targets, admins only). */
  targetsModal: 'dealcast_targets',
  /** The forecast category field modal (/dealcast categories, admins only): choose the field, then map its options. */
  categoriesModal: 'dealcast_categories',
} as const;

/** action_ids of interactive elements. */
export const ACTION_IDS = {
  /** Settings modal: the pipeline select at the top (changing it updates the view). */
  settingsPipelineSelect: 'settings_pipeline_select',
  /** Settings modal: fill in calibrated probabilities. */
  settingsUseCalibrated: 'settings_use_calibrated',
  /** Settings modal: previous/next page of a pipeline's stages (value = page index). */
  settingsStagePage: 'settings_stage_page',
  /** Settings modal, one per stage row: win probability (percent, blank = automatic). */
  settingsStageProbability: 'settings_stage_probability',
  /** Settings modal, one per stage row: canonical stage select. */
  settingsStageCanonical: 'settings_stage_canonical',
  /** Settings modal, one per stage row: "included in reports" checkbox. */
  settingsStageIncluded: 'settings_stage_included',
  /** Settings modal: the element of each channel / schedule / threshold input (its block_id says which). */
  settingsField: 'settings_field',
  /** Report message controls: selects re-render the message in place; the state rides in the buttons' values. */
  reportPeriod: 'report_period',
  reportPipeline: 'report_pipeline',
  reportOwner: 'report_owner',
  reportSource: 'report_source',
  reportDealsBehind: 'report_deals_behind',
  reportCsv: 'report_csv',
  /** The deals table's Previous/Next (value = state and page). */
  reportDealsPage: 'report_deals_page',
  /** Deal-events modal: the element of each input (its block_id says which). */
  eventsField: 'events_field',
  /** Subscription modal: the element of each input (its block_id says which). */
  subscriptionField: 'subscription_field',
  /** Targets modal: the element of each input (its block_id says which). */
  targetsField: 'targets_field',
  /** Forecast category modal: the element of each input (its block_id says which). */
  categoriesField: 'categories_field',
  /** /dealcast subscriptions: buttons on each row (value = subscription id). */
  subscriptionSendNow: 'subscription_send_now',
  subscriptionPause: 'subscription_pause',
  subscriptionResume: 'subscription_resume',
  subscriptionEdit: 'subscription_edit',
  subscriptionDelete: 'subscription_delete',
} as const;

/** block_ids. Unique within one message or view; stable so state and errors can be addressed. */
export const BLOCK_IDS = {
  reportHeader: 'report_header',
  reportHeadline: 'report_headline',
  reportFilters: 'report_filters',
  reportFreshness: 'report_freshness',
  reportControls: 'report_controls',
  reportButtons: 'report_buttons',
  dealsTable: 'deals_table',
  dealsTableHeader: 'deals_table_header',
  dealsTableNav: 'deals_table_nav',
  dealsHeader: 'deals_header',
  /** Followed by the row index: deals_row_0, deals_row_1, ... */
  dealsRowPrefix: 'deals_row_',
  dealsMore: 'deals_more',
  usage: 'usage',
  usageProblems: 'usage_problems',
  statusSync: 'status_sync',
  statusData: 'status_data',
  statusReview: 'status_review',
  notice: 'notice',
  /** A deal-event message (one section). */
  dealEvent: 'deal_event',
  /** Settings modal. Stage rows are `<prefix><render revision>_<stage id>`: a new revision makes Slack show new initial values. */
  settingsIntro: 'settings_intro',
  settingsPipeline: 'settings_pipeline',
  settingsReview: 'settings_review',
  settingsTools: 'settings_tools',
  settingsNotice: 'settings_notice',
  settingsStageProbabilityPrefix: 'settings_row_p',
  settingsStageMapPrefix: 'settings_row_m',
  settingsChannelsHeader: 'settings_channels_header',
  settingsDigestChannel: 'settings_digest_channel',
  settingsAlertChannel: 'settings_alert_channel',
  settingsTimeZone: 'settings_timezone',
  settingsDigestTime: 'settings_digest_time',
  settingsThresholdsHeader: 'settings_thresholds_header',
  /** Followed by the threshold's name: settings_threshold_dropPercent … */
  settingsThresholdPrefix: 'settings_threshold_',
  settingsFooter: 'settings_footer',
  /** Deal-events and visibility modal. */
  eventsHeader: 'events_header',
  eventsIntro: 'events_intro',
  eventsChannel: 'events_channel',
  eventsKinds: 'events_kinds',
  eventsDm: 'events_dm',
  eventsBigAmount: 'events_big_amount',
  eventsBigCurrency: 'events_big_currency',
  visibilityHeader: 'visibility_header',
  visibilityScope: 'visibility_scope',
  visibilityTeams: 'visibility_teams',
  visibilityCrmTeams: 'visibility_crm_teams',
  /** Subscription modal. */
  subscriptionReport: 'subscription_report',
  subscriptionFilters: 'subscription_filters',
  subscriptionWhere: 'subscription_where',
  subscriptionFrequency: 'subscription_frequency',
  subscriptionDays: 'subscription_days',
  subscriptionMonthDays: 'subscription_month_days',
  subscriptionTime: 'subscription_time',
  subscriptionTimeZone: 'subscription_timezone',
  subscriptionSkip: 'subscription_skip',
  /** /dealcast subscriptions list: a header, then one section + actions per subscription (`<prefix><id>`). */
  subscriptionsHeader: 'subscriptions_header',
  subscriptionRowPrefix: 'subscription_row_',
  subscriptionActionsPrefix: 'subscription_actions_',
  /** App Home. At-risk rows are `<prefix><index>`. */
  homeHeader: 'home_header',
  homeMine: 'home_mine',
  homeForecast: 'home_forecast',
  homeAtRisk: 'home_at_risk',
  homeRiskPrefix: 'home_risk_',
  homeTeam: 'home_team',
  /** Targets modal: intro, the period, scope, amount and currency inputs, what is in effect, what was just saved. */
  targetsIntro: 'targets_intro',
  targetsPeriod: 'targets_period',
  targetsScope: 'targets_scope',
  targetsAmount: 'targets_amount',
  targetsCurrency: 'targets_currency',
  targetsCurrent: 'targets_current',
  targetsSaved: 'targets_saved',
  /** Forecast category modal: intro, the field select, and one mapping select per option (`categories_map_<n>`). */
  categoriesIntro: 'categories_intro',
  categoriesFieldKey: 'categories_field_key',
  categoriesMapPrefix: 'categories_map_',
  /** App Home: the reps' attainment against the quarter's targets. */
  homeLeaderboard: 'home_leaderboard',
  homeSubscriptions: 'home_subscriptions',
  homeEvents: 'home_events',
  homeAdmin: 'home_admin',
  homeFooter: 'home_footer',
  /** A scheduled report's footer (who it runs as, what scope, how to manage it). */
  subscriptionFooter: 'subscription_footer',
} as const;
