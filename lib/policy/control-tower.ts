import { readFileSync } from 'node:fs';
import {
  CfnResource,
  type IPolicyValidationContextBeta1,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IConstruct } from 'constructs';

/** Template metadata key under which a resource lists the Control Tower rules it acknowledges, each with its reason. */
export const CONTROL_TOWER_ACKNOWLEDGEMENTS = 'firebreak:control-tower';

/**
 * Acknowledges Control Tower proactive rules (cfn-guard rule names, e.g. `lambda_inside_vpc_check`)
 * on one resource, each with a written reason, into the template's metadata next to the resource.
 * The bundled Control Tower rules read no suppression metadata themselves, so {@link ControlTowerChecks}
 * filters acknowledged findings per resource; disabling a rule for the whole stack would also
 * silence it for resources added later.
 */
export function acknowledgeControlTower(construct: IConstruct, reasons: Readonly<Record<string, string>>): void {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource))
    throw new Error(`${construct.node.path} has no CloudFormation resource to acknowledge on`);
  const existing = (resource.getMetadata(CONTROL_TOWER_ACKNOWLEDGEMENTS) ?? {}) as Record<string, string>;
  resource.addMetadata(CONTROL_TOWER_ACKNOWLEDGEMENTS, { ...existing, ...reasons });
}

type Violation = PolicyValidationPluginReportBeta1['violations'][number];

/**
 * AWS Control Tower's proactive controls (the cfn-guard rules bundled with
 * `@cdklabs/cdk-validator-cfnguard`) as a policy-validation plugin: any finding not acknowledged on
 * its resource fails `cdk synth`, like cdk-nag.
 */
export class ControlTowerChecks implements IPolicyValidationPluginBeta1 {
  readonly name = 'AWS Control Tower proactive controls (cfn-guard)';
  private readonly guard = new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 64 * 1024 * 1024 });

  get version(): string | undefined {
    return this.guard.version;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.guard.validate(context);
    const violations = unacknowledged(report.violations);
    return { ...report, success: violations.length === 0, violations };
  }
}

/** The findings left once every resource's acknowledged rules are taken out. */
function unacknowledged(violations: readonly Violation[]): Violation[] {
  const templates = new Map<string, Record<string, { Metadata?: Record<string, unknown> }>>();
  const acknowledged = (templatePath: string, logicalId: string | undefined, rule: string): boolean => {
    if (!logicalId) return false;
    if (!templates.has(templatePath))
      templates.set(templatePath, (JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources?: never }).Resources ?? {});
    const reasons = templates.get(templatePath)![logicalId]?.Metadata?.[CONTROL_TOWER_ACKNOWLEDGEMENTS] as
      Record<string, unknown> | undefined;
    return typeof reasons?.[rule] === 'string' && (reasons[rule] as string).trim().length > 0;
  };
  return violations
    .map((v) => ({
      ...v,
      violatingResources: v.violatingResources.filter((r) => !acknowledged(r.templatePath, r.resourceLogicalId, v.ruleName)),
    }))
    .filter((v) => v.violatingResources.length > 0);
}
