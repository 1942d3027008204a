import type { MitigationEntry } from '../../functions/core/config.ts';
import { isolateInstanceDocument, releaseInstanceDocument } from './automation-documents.ts';
import { responseDocuments } from './response-documents.ts';
import { blockIpDocument, collectDiagnosticsDocument, restartServiceDocument, unblockIpDocument } from './command-documents.ts';
import {
  AUTOMATION_RESERVED_PARAMETERS,
  SHIPPED_DOCUMENT_PREFIX,
  type DocumentContext,
  type ShippedDocument,
} from './document.ts';

export * from './document.ts';
export { PREVIOUS_GROUPS_TAG, SNAPSHOT_INSTANCE_TAG } from './automation-documents.ts';

/** Every document the stack ships, by the name catalog entries use in their `document` field. */
export function shippedDocuments(context: DocumentContext): ShippedDocument[] {
  return [
    restartServiceDocument(),
    collectDiagnosticsDocument(context),
    blockIpDocument(),
    unblockIpDocument(),
    isolateInstanceDocument(context),
    releaseInstanceDocument(context),
    ...responseDocuments(context.automationRoleArn),
  ];
}

/**
 * Why the catalog and the shipped documents disagree, one line per problem (empty when they agree):
 * an entry naming a `Firebreak-` document the stack does not ship, an entry whose `kind` is not the
 * document's type, a parameter the document does not declare (SSM would refuse the call), a
 * parameter Firebreak fills itself, or a document parameter without a default the entry omits.
 */
export function catalogProblems(catalog: readonly MitigationEntry[], shipped: readonly ShippedDocument[]): string[] {
  const byName = new Map(shipped.map((doc) => [doc.name, doc]));
  const problems: string[] = [];
  catalog.forEach((entry, i) => {
    if (!entry.document.startsWith(SHIPPED_DOCUMENT_PREFIX)) return;
    const where = `mitigations[${i}] (${entry.id})`;
    const doc = byName.get(entry.document);
    if (!doc) {
      problems.push(
        `${where}.document: "${entry.document}" starts with ${SHIPPED_DOCUMENT_PREFIX} but the stack ships no such document (it ships ${[...byName.keys()].join(', ')})`,
      );
      return;
    }
    const kind = doc.documentType === 'Command' ? 'command' : 'automation';
    if (entry.kind !== kind)
      problems.push(
        `${where}.kind: ${entry.document} is ${doc.documentType === 'Command' ? 'a Command' : 'an Automation'} document, so the kind must be "${kind}"`,
      );
    const reserved: readonly string[] = doc.documentType === 'Automation' ? AUTOMATION_RESERVED_PARAMETERS : [];
    for (const name of Object.keys(entry.parameters)) {
      if (reserved.includes(name))
        problems.push(`${where}.parameters.${name}: is filled by Firebreak when it starts the runbook`);
      else if (!Object.hasOwn(doc.content.parameters, name))
        problems.push(
          `${where}.parameters.${name}: ${entry.document} has no such parameter (it takes ${
            Object.keys(doc.content.parameters)
              .filter((p) => !reserved.includes(p))
              .join(', ') || 'none'
          })`,
        );
    }
    for (const [name, parameter] of Object.entries(doc.content.parameters)) {
      if (parameter.default === undefined && !reserved.includes(name) && !Object.hasOwn(entry.parameters, name)) {
        problems.push(`${where}.parameters: ${entry.document} needs ${name}, which the entry does not declare`);
      }
    }
  });
  return problems;
}

/**
 * Why an automation entry would fail at run time for want of permissions, one line per problem:
 * the actions its runbook needs (what a shipped runbook declares, plus the entry's `permissions`)
 * that the automation role does not grant, and AWS-managed runbooks that declare nothing (the
 * role is narrow: an undeclared AWS-managed runbook would synthesize, then fail mid-incident).
 * `granted` holds the role's actions (`ec2:DescribeInstances`; `ec2:*` covers a service).
 */
export function permissionProblems(
  catalog: readonly MitigationEntry[],
  shipped: readonly ShippedDocument[],
  granted: ReadonlySet<string>,
): string[] {
  const byName = new Map(shipped.map((doc) => [doc.name, doc]));
  const allows = (action: string) => granted.has('*') || granted.has(action) || granted.has(`${action.split(':')[0]}:*`);
  const problems: string[] = [];
  catalog.forEach((entry, i) => {
    if (entry.kind !== 'automation') return;
    const where = `mitigations[${i}] (${entry.id})`;
    const doc = byName.get(entry.document);
    const declared = [...(doc?.documentType === 'Automation' ? doc.permissions : []), ...entry.permissions];
    if (!doc && entry.permissions.length === 0) {
      problems.push(
        `${where}.permissions: ${entry.document} is not shipped by the stack, so the entry must declare the IAM actions it calls as the automation role`,
      );
      return;
    }
    const missing = [...new Set(declared)].filter((action) => !allows(action));
    if (missing.length)
      problems.push(
        `${where}.permissions: ${entry.document} needs ${missing.join(', ')}, which the automation role does not grant`,
      );
  });
  return problems;
}

/**
 * The IAM actions the catalog's resource runbooks (`targets.type: "resource"`) need as the automation
 * role: what each shipped runbook declares, plus each entry's `permissions` (AWS-managed runbooks).
 */
export function resourceRunbookActions(catalog: readonly MitigationEntry[], shipped: readonly ShippedDocument[]): Set<string> {
  const byName = new Map(shipped.map((doc) => [doc.name, doc]));
  return new Set(
    catalog
      .filter((entry) => entry.kind === 'automation' && entry.targets.type === 'resource')
      .flatMap((entry) => {
        const doc = byName.get(entry.document);
        return [...(doc?.documentType === 'Automation' ? doc.permissions : []), ...entry.permissions];
      }),
  );
}
