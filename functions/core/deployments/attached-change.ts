/** The #deployments thread reply for a pipeline's change attached to a deployment. Pure. */
import { safeLine } from '../slack/text.ts';

export interface AttachedChange {
  readonly deploymentId: string;
  readonly service: string;
  readonly pipeline: string;
  readonly count: number;
  readonly change: {
    readonly at: string;
    readonly region: string;
    readonly what: string;
    readonly actor?: string;
    readonly change?: string;
  };
}

/**
 * One line: what the pipeline changed, by whom and when, and how many changes the deployment has
 * made so far. Everything but the count comes from CloudTrail or the configuration: escaped, one line.
 */
export function attachedChangeText(attached: AttachedChange, inThread: boolean): string {
  const { change } = attached;
  const when = change.at.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  const where = inThread ? '' : ` to deployment ${safeLine(attached.deploymentId, 20)} of ${safeLine(attached.service, 200)}`;
  return (
    `:wrench: Change #${attached.count} attached${where} (made by the pipeline ${safeLine(attached.pipeline, 200)}, no incident): ` +
    `${safeLine(change.what, 200)}${change.change ? ` (${safeLine(change.change, 200)})` : ''}` +
    `${change.actor ? ` by ${safeLine(change.actor, 200)}` : ''} at ${safeLine(when, 40)} in ${safeLine(change.region, 32)}`
  );
}
