/**
 * Deal-event settings, stored in the settings table (the admin edits them in the deal-events
 * modal, /dealcast events): where the feed goes, whether owners also get a DM, which kinds are
 * announced, and the big-deal threshold with its currency. A stored value that is not valid is
 * ignored, never obeyed. The keys, schemas and defaults are in the settings registry
 * (src/settings/registry.ts).
 */
import type { z } from 'zod';
import type { Db } from '../../store/db.js';
import { settingDef } from '../settings/registry.js';
import { resolveConstantSetting } from '../settings/resolve.js';
import { DEAL_EVENT_KINDS, type DealEventSettings } from '../metrics/deal-events.js';

export const DEAL_EVENT_SETTING_KEYS = {
  /** Channel id the feed goes to; unset = no feed (events are still recorded). */
  channel: 'deal_events.channel',
  /** true: each event also goes to the deal owner's DM. */
  dmOwners: 'deal_events.dm_owners',
  /** The kinds announced (default: all). */
  kinds: 'deal_events.kinds',
  /** Big new deal threshold (null = off) and its currency (ISO code). */
  bigDealAmount: 'deal_events.big_deal.amount',
  bigDealCurrency: 'deal_events.big_deal.currency',
} as const;

export interface DealEventConfig extends DealEventSettings {
  channel: string | null;
  dmOwners: boolean;
}

/** The most common currency among live deals (the threshold's default currency). */
export function mainCurrency(db: Db, crm: string): string | null {
  return (
    (db
      .prepare(`SELECT UPPER(currency) FROM deals WHERE crm = ? AND deleted_at IS NULL AND currency IS NOT NULL GROUP BY UPPER(currency) ORDER BY COUNT(*) DESC LIMIT 1`)
      .pluck()
      .get(crm) as string | undefined) ?? null
  );
}

export function readDealEventConfig(db: Db, crm: string): DealEventConfig {
  return {
    channel: resolveConstantSetting(db, DEAL_EVENT_SETTING_KEYS.channel),
    dmOwners: resolveConstantSetting(db, DEAL_EVENT_SETTING_KEYS.dmOwners) ?? false,
    kinds: new Set(resolveConstantSetting(db, DEAL_EVENT_SETTING_KEYS.kinds) ?? DEAL_EVENT_KINDS),
    bigDealAmount: resolveConstantSetting(db, DEAL_EVENT_SETTING_KEYS.bigDealAmount),
    bigDealCurrency: resolveConstantSetting(db, DEAL_EVENT_SETTING_KEYS.bigDealCurrency) ?? mainCurrency(db, crm),
  };
}

export const dealEventChannelSchema = settingDef(DEAL_EVENT_SETTING_KEYS.channel).schema as z.ZodType<string>;
export const dealEventCurrencySchema = settingDef(DEAL_EVENT_SETTING_KEYS.bigDealCurrency).schema as z.ZodType<string>;
