import type { Incident } from '../incidents/incident.ts';

/**
 * How long an incident's message waits between in-place updates: the base interval, growing with
 * the signal count up to a minute (a storm's count needs no to-the-second freshness), plus a
 * per-incident offset so that many incidents' refreshes do not land on Slack in the same second.
 */
export function updateSpacingMs(incident: Pick<Incident, 'id' | 'signalCount'>, baseSeconds: number): number {
  const seconds = Math.min(60, baseSeconds + incident.signalCount / 20);
  const offset = (parseInt(incident.id.slice(-4), 16) % 1000) / 1000;
  return Math.round(seconds * (1 + 0.25 * offset) * 1000);
}
