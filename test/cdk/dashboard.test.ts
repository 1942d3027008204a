import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { firebreakFunctionsIn } from '../../lib/constructs/platform-alarms.ts';
import { FirebreakStack } from '../../lib/firebreak-stack.ts';
import { synthesize } from './synth.ts';

interface Widget {
  type: string;
  properties: {
    title?: string;
    markdown?: string;
    alarms?: unknown[];
    metrics?: unknown[][];
  };
}

let stack: FirebreakStack;
let widgets: Widget[];

/** The dashboard body is an Fn::Join of text and references: references become "REF" so it parses. */
function body(template: Template): { widgets: Widget[] } {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } | string };
  }[];
  const raw = dashboard!.Properties.DashboardBody;
  const text =
    typeof raw === 'string' ? raw : raw['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'REF')).join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

const titled = (title: string) => {
  const widget = widgets.find((w) => w.properties.title === title);
  if (!widget) throw new Error(`no widget "${title}" in ${widgets.map((w) => w.properties.title).join(', ')}`);
  return widget;
};
/** Each line of a graph: a math expression's text, or a metric's namespace/name. */
const lines = (title: string) =>
  (titled(title).properties.metrics ?? []).map((line) => {
    const options = line.at(-1) as { expression?: string; label?: string };
    return options.expression ?? line.slice(0, 2).join('/');
  });

beforeAll(() => {
  let template: Template;
  ({ stack, template } = synthesize());
  widgets = body(template).widgets;
});

describe('operations dashboard', () => {
  it('is one dashboard named after the stack, printed as an output', () => {
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Firebreak-operations' });
    template.hasOutput('DashboardName', {});
    // A math expression with an identifier CDK cannot resolve would warn here.
    expect(Annotations.fromStack(stack).findWarning('/Firebreak/Dashboard/*', Match.anyValue())).toEqual([]);
  });

  it('graphs incidents, response times, approvals and escalations from the milestone metrics', () => {
    const search = (name: string, stat = 'Sum') =>
      `SEARCH('{Firebreak,Category,Severity,service} MetricName="${name}"', '${stat}', 3600)`;
    expect(lines('Incidents opened and resolved')).toEqual([
      `SUM(${search('IncidentsOpened')})`,
      `SUM(${search('IncidentsResolved')})`,
    ]);
    expect(lines('Time to acknowledge (p90, minutes)')).toEqual([`${search('TimeToAcknowledge', 'p90')} / 60000`]);
    expect(lines('Time to resolve (p90, minutes)')).toEqual([`${search('TimeToResolve', 'p90')} / 60000`]);
    expect(lines('Time to approval (p90, minutes)')).toEqual([`${search('TimeToApproval', 'p90')} / 60000`]);
    expect(lines('Approvals, escalations and refusals')).toEqual([
      `SUM(${search('Approvals')})`,
      `SUM(${search('Escalations')})`,
      `SEARCH('{Firebreak,Category,Reason,Severity,service} MetricName="Refusals"', 'Sum', 3600)`,
    ]);
  });

  it('shows mitigation runs, failures and the success rate', () => {
    const widget = titled('Mitigation runs and failures');
    const expressions = (widget.properties.metrics ?? []).map((line) => (line.at(-1) as { expression?: string }).expression);
    expect(expressions).toContain('100 * s / (s + f + c)');
    expect(expressions.filter((e) => e?.includes('MetricName="Mitigations'))).toHaveLength(3);
  });

  it('shows dead letters, every function\u2019s errors and throttles, Slack errors and rate limits, and the platform alarms', () => {
    // The shared, the relay's and the notary's queues.
    expect(lines('Dead letters (messages waiting)')).toEqual(Array(3).fill('AWS/SQS/ApproximateNumberOfMessagesVisible'));
    const functions = firebreakFunctionsIn(stack).length;
    expect(functions).toBeGreaterThan(5);
    expect(lines('Function errors')).toEqual(Array(functions).fill('AWS/Lambda/Errors'));
    expect(lines('Function throttles')).toEqual(Array(functions).fill('AWS/Lambda/Throttles'));
    expect(lines('Slack API errors and rate limits')).toEqual([
      `SEARCH('{Firebreak,Error,Method,service} MetricName="SlackApiErrors"', 'Sum', 3600)`,
      `SEARCH('{Firebreak,Method,service} MetricName="SlackRateLimited"', 'Sum', 3600)`,
    ]);
    // Every platform alarm: two per function, one per dead-letter queue (shared, relay, notary), the relay's and the notary's iterator age.
    expect(titled('Platform alarms').properties.alarms).toHaveLength(2 * functions + 3 + 2);
  });
});
