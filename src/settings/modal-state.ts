/**
 * The settings modal's state codec: what the modal carries between renders in Slack's
 * private_metadata (shown pipeline and page, render revision, the stage edits not on screen,
 * the audit id it opened at), encoded and decoded here so the view (src/views/settings-modal.ts)
 * and the command (commands/dealcast-settings.ts) agree on one format. Only edits that differ
 * from what is stored travel, to stay within Slack's 3,000 characters.
 */
import { CANONICAL_STAGES } from '../model/canonical-stages.js';
import { sameStageDraft, stageDraftOf, type SettingsSnapshot, type StageDraft } from './change.js';

/** What the modal carries between renders (private_metadata). */
export interface ModalMeta {
  v: 1;
  crm: string;
  /** Shown pipeline id. */
  p: string;
  /** Page of its stages (0-based). */
  g: number;
  /** Render revision (in stage rows' block_ids). */
  r: number;
  /** Stage drafts that differ from what is stored: [canonical index, probability text, included 0/1]. */
  d: Record<string, [number, string, 0 | 1]>;
  /** The newest settings_audit id when the modal opened (0 = none): a newer one means someone else saved since. */
  a?: number;
}

export function encodeMeta(m: ModalMeta): string {
  return JSON.stringify(m);
}

export function decodeMeta(s: string | undefined): ModalMeta | null {
  if (!s) return null;
  try {
    const m = JSON.parse(s) as ModalMeta;
    if (m?.v !== 1 || typeof m.crm !== 'string' || typeof m.p !== 'string' || typeof m.g !== 'number' || typeof m.r !== 'number' || typeof m.d !== 'object' || m.d === null) {
      return null;
    }
    return m;
  } catch {
    return null;
  }
}

/** Drafts carried in the metadata, as a map. Malformed entries are dropped. */
export function metaDrafts(m: ModalMeta): Map<string, StageDraft> {
  const out = new Map<string, StageDraft>();
  for (const [id, v] of Object.entries(m.d)) {
    if (!Array.isArray(v) || v.length !== 3) continue;
    const canonical = CANONICAL_STAGES[v[0]];
    if (!canonical) continue;
    out.set(id, { canonical, probability: String(v[1]), included: v[2] === 1 });
  }
  return out;
}

/** Keeps only the drafts that differ from the snapshot, in metadata form. */
export function packDrafts(snapshot: SettingsSnapshot, drafts: ReadonlyMap<string, StageDraft>): ModalMeta['d'] {
  const byId = new Map(snapshot.stages.map((s) => [s.stageId, s]));
  const out: ModalMeta['d'] = {};
  for (const [id, d] of drafts) {
    const s = byId.get(id);
    if (!s || sameStageDraft(d, stageDraftOf(s))) continue;
    out[id] = [CANONICAL_STAGES.indexOf(d.canonical), d.probability.trim(), d.included ? 1 : 0];
  }
  return out;
}

