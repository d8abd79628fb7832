import type { Db } from './db.js';

/** Tables that hold one CRM's copy of its data (not settings, jobs or alerts). */
const CRM_TABLES = ['stage_map', 'deal_stage_history', 'activities', 'deals', 'owners', 'stages', 'pipelines', 'pipeline_snapshots', 'sync_cursors', 'sync_runs'];

/** Forgets everything synced from one CRM (the demo uses it when its data set changes). */
export function clearCrmData(db: Db, crm: string): void {
  db.transaction(() => {
    for (const t of CRM_TABLES) db.prepare(`DELETE FROM ${t} WHERE crm = ?`).run(crm);
  }).immediate();
}
