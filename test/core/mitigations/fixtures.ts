import { MitigationEntrySchema, type MitigationEntry } from '../../../functions/core/config.ts';
import type { RosterMember } from '../../../functions/core/approval/roster.ts';
import { exampleConfig } from '../../support.ts';

// What the mitigation and SSM unit tests share: the example catalog, a roster and a clock.

export const config = exampleConfig();
export const catalog = (id: string): MitigationEntry => config.mitigations.find((m) => m.id === id)!;
export const entry = (raw: Record<string, unknown>): MitigationEntry =>
  MitigationEntrySchema.parse({
    id: 'test-entry',
    title: 'Test entry',
    document: 'Firebreak-Test',
    targets: { type: 'incident-instances' },
    risk: 'medium',
    ...raw,
  });

export const TEAM = 'T0FIREBRK01';
export const CTO: RosterMember = { slackUserId: 'U0CTO000001', name: 'Dana Okafor', role: 'cto' };
export const S1: RosterMember = { slackUserId: 'U0SENIOR001', name: 'Priya Raman', role: 'senior' };
export const S2: RosterMember = { slackUserId: 'U0SENIOR002', name: 'Mateo Alvarez', role: 'senior' };

export const T0 = '2026-03-01T10:00:00.000Z';
export const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
export const INSTANCE_A = 'i-0aaaaaaaaaaaaaaa1';
export const INSTANCE_B = 'i-0bbbbbbbbbbbbbbb2';
