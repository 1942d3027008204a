/**
 * The stack against AWS's baselines: cdk-nag AwsSolutions and the Control Tower proactive controls
 * (cfn-guard) report nothing unacknowledged, and every acknowledgement has a written reason
 * (harness: stack-harness.ts).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { unacknowledgedFindings } from './synth.ts';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS, ControlTowerChecks } from '../../lib/policy/control-tower.ts';
import { app, stack, resources, useSynthesizedStack } from './stack-harness.ts';

useSynthesizedStack();

describe('cdk-nag (AwsSolutions)', () => {
  it('reports no unacknowledged findings', () => {
    expect(unacknowledgedFindings(app)).toEqual([]);
  });

  it('gives every acknowledgement a specific written reason', () => {
    const acknowledged: Array<[string, string]> = [];
    const visit = (construct: IConstruct) => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          acknowledged.push(...Object.entries(entry.data as Record<string, string>));
      }
      construct.node.children.forEach(visit);
    };
    visit(stack);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(60);
  });
});

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  // cfn-guard runs as a child process over the whole template: slow on a busy machine.
  it('reports no unacknowledged findings on the synthesized template', { timeout: 300_000 }, () => {
    const assembly = app.synth();
    const report = new ControlTowerChecks().validate({
      templatePaths: assembly.stacks.map((s) => s.templateFullPath),
      appConstruct: app,
    });
    const findings = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.resourceLogicalId ?? r.locations[0]).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('fixes what fits: log groups encrypted with the logs key and kept a year, grants only for AWS resources, SourceAccount on the API permission', () => {
    const logsKey = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::KMS::Key' && id.startsWith('LogsKey'))![0];
    const logGroups = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups.length).toBeGreaterThan(8);
    for (const group of logGroups) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKey, 'Arn'] });
      expect(group.Properties.RetentionInDays).toBe(365);
    }
    for (const [, key] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::KMS::Key')) {
      const statements = (key.Properties.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'kms:CreateGrant',
          Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
        }),
      );
    }
    const permissions = Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && r.Properties.Principal === 'apigateway.amazonaws.com',
    );
    expect(permissions.length).toBe(1);
    for (const p of permissions) expect(p.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('gives every acknowledgement a written reason, on its own resource', () => {
    const acknowledged = Object.values(resources).flatMap((r) =>
      Object.entries(
        ((r as { Metadata?: Record<string, unknown> }).Metadata?.[CONTROL_TOWER_ACKNOWLEDGEMENTS] ?? {}) as Record<
          string,
          string
        >,
      ),
    );
    expect(new Set(acknowledged.map(([rule]) => rule))).toEqual(
      new Set([
        'api_gw_v2_authorization_type_configured_check',
        'cloudwatch_alarm_action_check',
        'lambda_function_public_access_prohibited_check',
        'lambda_inside_vpc_check',
        's3_bucket_default_encryption_kms_check',
        's3_bucket_logging_enabled_check',
        's3_event_notifications_enabled_check',
        's3_bucket_object_lock_enabled_check',
        's3_lifecycle_policy_check',
        's3_version_lifecycle_policy_check',
        'sqs_dlq_check',
      ]),
    );
    for (const [rule, reason] of acknowledged) expect(reason.length, rule).toBeGreaterThan(60);
  });
});
