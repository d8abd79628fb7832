/**
 * Canonical stages: the vocabulary reports speak in, whatever the CRM calls its stages.
 * Every CRM stage maps to one of these, automatically at first sight and editable by admins.
 */
export const CANONICAL_STAGES = ['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'] as const;
export type CanonicalStage = (typeof CANONICAL_STAGES)[number];

/** The open canonical stages, in funnel order. */
export const OPEN_CANONICAL_STAGES = CANONICAL_STAGES.slice(0, 4) as readonly CanonicalStage[];

export function isCanonicalStage(s: string): s is CanonicalStage {
  return (CANONICAL_STAGES as readonly string[]).includes(s);
}

/** Funnel depth: Lead 0 … Negotiation 3, Closed Won 4; Closed Lost has no depth (-1). */
export function canonicalDepth(s: CanonicalStage): number {
  return s === 'Closed Lost' ? -1 : CANONICAL_STAGES.indexOf(s);
}

/** Fallback win probabilities when neither an admin, history nor the CRM gives one. */
export const DEFAULT_CANONICAL_PROBABILITY: Record<CanonicalStage, number> = {
  Lead: 0.1,
  Qualified: 0.2,
  Proposal: 0.4,
  Negotiation: 0.6,
  'Closed Won': 1,
  'Closed Lost': 0,
};

const WON_NAME = /closed?\s*[-_ ]?\s*won|\bwon\b|signed|booked/i;
const LOST_NAME = /closed?\s*[-_ ]?\s*lost|\blost\b|disqualif|churn|dead|rejected/i;
const NAME_RULES: [RegExp, CanonicalStage][] = [
  [WON_NAME, 'Closed Won'],
  [LOST_NAME, 'Closed Lost'],
  [/negotiat|contract|legal|commit|verbal|decision|closing|review|procurement/i, 'Negotiation'],
  [/propos|quot|pricing|present|solution|evaluation|value prop|perception|trial|pilot/i, 'Proposal'],
  [/qualif|discovery|demo|meeting|appointment|needs|analysis|contact made|engag|id\.? decision/i, 'Qualified'],
  [/lead|new|prospect|inbound|first contact|open|unqualified|mql|prospecting/i, 'Lead'],
];

/** The canonical stage a stage's name alone suggests, or null when the name says nothing. */
export function canonicalByName(name: string): CanonicalStage | null {
  for (const [re, canonical] of NAME_RULES) if (re.test(name)) return canonical;
  return null;
}

export interface StageForMapping {
  name: string;
  position: number;
  isClosed: boolean;
  isWon: boolean;
}

/**
 * First-sight mapping of a CRM stage: closed/won flags first, then the stage's name, then
 * its place among the pipeline's open stages (first quarter Lead … last quarter Negotiation).
 * A stage never maps deeper than a later stage of its pipeline (unless that one is a Lead-like
 * stage such as "Lead nurture"): "Solution Review" or "Id. Decision Makers" before "Proposal"
 * are not Negotiation, whatever their names suggest.
 */
export function autoMapStage(stage: StageForMapping, openSiblings: StageForMapping[]): CanonicalStage {
  if (stage.isClosed) return stage.isWon ? 'Closed Won' : 'Closed Lost';
  const open = openSiblings.filter((s) => !s.isClosed).sort((a, b) => a.position - b.position);
  const guess = (s: StageForMapping): number => {
    for (const [re, canonical] of NAME_RULES) {
      if (re.test(s.name) && canonical !== 'Closed Won' && canonical !== 'Closed Lost') return canonicalDepth(canonical);
    }
    const idx = Math.max(0, open.findIndex((o) => o.name === s.name && o.position === s.position));
    const frac = open.length <= 1 ? 0 : idx / (open.length - 1);
    return Math.min(3, Math.floor(frac * 4));
  };
  let depth = guess(stage);
  for (const later of open) {
    if (later.position <= stage.position || later.name === stage.name) continue;
    const d = guess(later);
    if (d > 0) depth = Math.min(depth, d);
  }
  return OPEN_CANONICAL_STAGES[depth]!;
}

/**
 * For CRMs that keep no closed/won flags (Attio, CSV): infer them from the stage name.
 */
export function inferClosedFlags(name: string): { isClosed: boolean; isWon: boolean } {
  if (WON_NAME.test(name)) return { isClosed: true, isWon: true };
  if (LOST_NAME.test(name)) return { isClosed: true, isWon: false };
  return { isClosed: false, isWon: false };
}
