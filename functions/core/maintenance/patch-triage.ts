/**
 * Which patch findings wait for a maintenance window, and which keep emergency patching. Pure.
 *
 * A finding waits when its source and severity are listed in `maintenance.patchFindings` (default:
 * Inspector HIGH/MEDIUM) and, unless `requireFixAvailable` is off, its source says a fix exists.
 * Everything else (critical findings above all) keeps what its classification rule proposes, so
 * emergency patching of critical vulnerabilities is untouched.
 */
import type { Signal } from '../signals/signal.ts';
import type { MaintenanceConfig } from './maintenance-config.ts';

export type PatchRoute =
  | { readonly route: 'window'; readonly windowId: string }
  /** Not a finding for a window: the classification decides, as before. */
  | { readonly route: 'classification'; readonly reason: string };

/** Inspector's `fixAvailable`: YES, PARTIAL or NO. */
const FIX_AVAILABLE = new Set(['YES', 'PARTIAL']);

export function patchRoute(signal: Signal, config: MaintenanceConfig): PatchRoute {
  const { patchFindings, windows } = config;
  const windowId = patchFindings.window ?? windows[0]?.id;
  if (!windowId) return { route: 'classification', reason: 'no maintenance window is configured' };
  if (signal.state !== 'firing') return { route: 'classification', reason: 'the finding is closed' };
  if (!patchFindings.sources.includes(signal.source)) return { route: 'classification', reason: 'not a patch finding source' };
  if (!patchFindings.severities.includes(signal.severityHint))
    return { route: 'classification', reason: `severity ${signal.severityHint} is patched by its rule (emergency for critical)` };
  if (patchFindings.requireFixAvailable && !FIX_AVAILABLE.has((signal.attributes.fixAvailable ?? '').toUpperCase()))
    return { route: 'classification', reason: 'no fix is available yet' };
  return { route: 'window', windowId };
}
