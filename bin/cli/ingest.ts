/** `firebreak ingest --dry-run <file|->`: normalize and classify events with the configured rules; no AWS access. */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../lib/config.ts';
import { createClassifier } from '../../functions/core/signals/classify.ts';
import { normalizeEvent } from '../../functions/core/signals/normalize-signals.ts';
import { InvalidEventError } from '../../functions/core/signals/signal.ts';
import type { CommonOptions } from './program.ts';
import { terminalJson, terminalSafe } from './terminal-text.ts';
import { UsageError } from './usage.ts';

export interface IngestOptions extends CommonOptions {
  readonly config?: string | undefined;
  readonly dryRun?: boolean | undefined;
}

/** Exit 0 when every event is valid, 2 when one is not (each is reported on stderr). */
export async function ingestDryRun(file: string, options: IngestOptions): Promise<number> {
  if (!options.dryRun)
    throw new UsageError('ingest only runs with --dry-run here; deployed ingestion happens through EventBridge');
  const config = loadConfig(options.config);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${file === '-' ? 'standard input' : file}: ${(error as Error).message}`);
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  const classify = createClassifier(config);
  let invalid = 0;
  for (const [index, event] of events.entries()) {
    try {
      const { envelope, signals } = normalizeEvent(event, { customSources: config.sources.custom });
      const results = signals.map((signal) => {
        const { fingerprint, ...classification } = classify(signal);
        return { signal, classification, fingerprint };
      });
      process.stdout.write(`${terminalJson({ eventId: envelope.id, results })}\n`);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      invalid++;
      process.stderr.write(
        `firebreak: ${Array.isArray(parsed) ? `event[${index}]: ` : ''}${terminalSafe(error.message, 1000)}\n`,
      );
    }
  }
  return invalid ? 2 : 0;
}
