/** Small stage maps for the settings tests: written to a temp store the way a sync writes them. */
import type { PipelineRow, StageRow } from '../../src/model/rows.js';
import type { Db } from '../../store/db.js';
import { upsertPipelines } from '../../store/pipelines.js';
import { mapNewStages } from '../../store/stage-map.js';
import { upsertStages } from '../../store/stages.js';

export const AT = '2026-11-01T00:00:00.000Z';

/** Two pipelines like a small HubSpot account: 5 open stages + won + lost each. */
export function seedTwoPipelines(db: Db, crm = 'demo'): void {
  const pipelines: PipelineRow[] = [
    { id: 'sales', name: 'Sales', position: 0 },
    { id: 'partners', name: 'Partner deals', position: 1 },
  ];
  const stages: StageRow[] = [];
  for (const p of pipelines) {
    const names = ['Appointment scheduled', 'Qualified to buy', 'Presentation scheduled', 'Decision maker bought-in', 'Contract sent'];
    for (const [i, name] of names.entries()) stages.push({ id: `${p.id}-${i}`, pipelineId: p.id, name, position: i, probability: [0.2, 0.4, 0.6, 0.8, 0.9][i]!, isClosed: false, isWon: false });
    stages.push({ id: `${p.id}-won`, pipelineId: p.id, name: 'Closed won', position: 5, probability: 1, isClosed: true, isWon: true });
    stages.push({ id: `${p.id}-lost`, pipelineId: p.id, name: 'Closed lost', position: 6, probability: 0, isClosed: true, isWon: false });
  }
  upsertPipelines(db, crm, pipelines, AT);
  upsertStages(db, crm, stages, AT);
  mapNewStages(db, crm, AT, false);
}

/** One pipeline with `n` open stages (long names) plus won and lost: a CRM with many stages. */
export function seedManyStages(db: Db, n = 40, crm = 'demo'): void {
  upsertPipelines(db, crm, [{ id: 'big', name: `A pipeline with a very long name that goes on and on for well over seventy-five characters`, position: 0 }], AT);
  const stages: StageRow[] = [];
  for (let i = 0; i < n; i++) {
    stages.push({
      id: `big-stage-${String(i).padStart(2, '0')}`,
      pipelineId: 'big',
      name: `Step ${i + 1}: ${'a long stage name from a CRM that lets admins type whatever they like '.repeat(i === 3 ? 40 : 1).trim()}`,
      position: i,
      probability: i % 3 === 0 ? null : Math.min(0.95, (i + 1) / (n + 1)),
      isClosed: false,
      isWon: false,
    });
  }
  stages.push({ id: 'big-won', pipelineId: 'big', name: 'Won', position: n, probability: 1, isClosed: true, isWon: true });
  stages.push({ id: 'big-lost', pipelineId: 'big', name: 'Lost', position: n + 1, probability: 0, isClosed: true, isWon: false });
  upsertStages(db, crm, stages, AT);
  mapNewStages(db, crm, AT, false);
}
