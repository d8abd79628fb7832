/**
 * Deal-event settings, stored in the settings table (the admin edits them in the deal-events
 * modal, /dealcast events): where the feed goes, whether owners also get a DM, which kinds are
 * announced, and the big-deal threshold with its currency. A stored value that is not valid is
 * ignored, never obeyed.
 */
import { z } from 'zod';
import type { Db } from '../../store/db.js';
import { getSetting } from '../../store/settings.js';
import { DEAL_EVENT_KINDS, type DealEventKind, type DealEventSettings } from '../metrics/deal-events.js';

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

const channelSchema = z.string().regex(/^[CG][A-Z0-9]{2,}$/);
const kindsSchema = z.array(z.enum(DEAL_EVENT_KINDS as [DealEventKind, ...DealEventKind[]]));
const amountSchema = z.number().positive().finite();
const currencySchema = z.string().regex(/^[A-Z]{3}$/);

export interface DealEventConfig extends DealEventSettings {
  channel: string | null;
  dmOwners: boolean;
}

function read<T>(db: Db, key: string, schema: z.ZodType<T>, fallback: T): T {
  const parsed = schema.safeParse(getSetting<unknown>(db, key, null));
  return parsed.success ? parsed.data : fallback;
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
    channel: read(db, DEAL_EVENT_SETTING_KEYS.channel, channelSchema.nullable(), null),
    dmOwners: read(db, DEAL_EVENT_SETTING_KEYS.dmOwners, z.boolean(), false),
    kinds: new Set(read(db, DEAL_EVENT_SETTING_KEYS.kinds, kindsSchema, [...DEAL_EVENT_KINDS])),
    bigDealAmount: read(db, DEAL_EVENT_SETTING_KEYS.bigDealAmount, amountSchema.nullable(), null),
    bigDealCurrency: read(db, DEAL_EVENT_SETTING_KEYS.bigDealCurrency, currencySchema.nullable(), null) ?? mainCurrency(db, crm),
  };
}

export { channelSchema as dealEventChannelSchema, currencySchema as dealEventCurrencySchema };
