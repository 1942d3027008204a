import { vi } from 'vitest';
import { runProgram } from '../../bin/cli/program.ts';
import { createProgram } from '../../bin/firebreak.ts';

/** Runs the CLI in this process on `argv`, capturing what it writes; a fresh program each time. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await runProgram(createProgram(), argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
