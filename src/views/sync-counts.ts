/** What a sync read, per stream, as people say it: "1 deal, 12 stage history entries". */
import { plural } from './numbers.js';

const NOUNS: Record<string, [string, string]> = {
  pipelines: ['pipeline', 'pipelines'],
  stages: ['stage', 'stages'],
  owners: ['owner', 'owners'],
  deals: ['deal', 'deals'],
  stage_history: ['stage history entry', 'stage history entries'],
  activities: ['activity', 'activities'],
};

/** "2 pipelines, 1 deal, 40 activities"; a stream without a known noun keeps its own name. */
export function describeSyncCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, v]) => {
      const [one, many] = NOUNS[k] ?? [k.replace(/_/g, ' '), k.replace(/_/g, ' ')];
      return plural(v, one, many);
    })
    .join(', ');
}
