/**
 * The ingest function cold, as Lambda starts it: fresh Node processes importing the deployed bundle,
 * each handling a new GuardDuty finding and then another, against DynamoDB Local. The first
 * invocation's set-up is reported apart from the import (see bundle-run.ts).
 */
import { createFirebreakTable, localClient, startDynamoDbLocal } from '../functions/local/dynamodb-local.ts';
import { distinctEvents } from './bench-kit.ts';
import { coldFigures, runBundle, type BundleRun } from './bundle-run.ts';

const GUARDDUTY = 1;

export async function coldIngest(bundle: string, processes: number) {
  const database = await startDynamoDbLocal();
  try {
    const tableName = 'bench-ingest-cold';
    await createFirebreakTable(localClient(database.endpoint), tableName);
    // Distinct findings: each invocation opens an incident, the same work first and second.
    const events = distinctEvents(2 * processes, [GUARDDUTY]);
    const runs: BundleRun[] = [];
    for (let i = 0; i < processes; i++) {
      const run = await runBundle({
        bundle,
        functionName: 'firebreak-ingest',
        env: { AWS_ENDPOINT_URL_DYNAMODB: database.endpoint, TABLE_NAME: tableName },
        events: events.slice(2 * i, 2 * i + 2),
      });
      const outcomes = run.responses.map((r) => (r.result as { outcomes: Array<{ outcome: string }> }).outcomes[0]?.outcome);
      if (outcomes.some((o) => o !== 'opened'))
        throw new Error(`cold ingest did not open both incidents: ${JSON.stringify(run)}`);
      runs.push(run);
    }
    return coldFigures(runs);
  } finally {
    await database.stop();
  }
}
