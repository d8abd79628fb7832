import { describe, expect, it } from 'vitest';
import { autoMapStage, type StageForMapping } from '../../src/model/canonical-stages.js';

const pipeline = (...names: string[]): StageForMapping[] => names.map((name, position) => ({ name, position, isClosed: false, isWon: false }));
const mapAll = (stages: StageForMapping[]) => stages.map((s) => autoMapStage(s, stages));

describe('autoMapStage keeps a pipeline in funnel order', () => {
  it('Salesforce default stages', () => {
    const sf = pipeline('Prospecting', 'Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Perception Analysis', 'Proposal/Price Quote', 'Negotiation/Review');
    expect(mapAll(sf)).toEqual(['Lead', 'Qualified', 'Qualified', 'Proposal', 'Proposal', 'Proposal', 'Proposal', 'Negotiation']);
  });

  it('a "review" stage before the proposal is not Negotiation', () => {
    const ent = pipeline('Prospecting', 'Qualification', 'Solution Review', 'Proposal/Price Quote', 'Contract Review');
    expect(mapAll(ent)).toEqual(['Lead', 'Qualified', 'Proposal', 'Proposal', 'Negotiation']);
  });

  it('a trailing Lead-like stage does not drag earlier stages down', () => {
    expect(mapAll(pipeline('New', 'Discovery', 'Proposal', 'Negotiation', 'Lead nurture'))).toEqual(['Lead', 'Qualified', 'Proposal', 'Negotiation', 'Lead']);
  });
});
