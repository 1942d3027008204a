import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const action = readFileSync('action.yml', 'utf8');

describe('action.yml', () => {
  it('is a composite action shipped with the package', () => {
    expect(action).toMatch(/^runs:\n {2}using: composite$/m);
    expect(packageJson.files).toContain('action.yml');
  });

  it('never splices an input into the script: inputs reach it as environment variables', () => {
    const script = action.slice(action.indexOf('      run: |'));
    expect(script).not.toContain('${{');
    for (const input of ['service', 'version', 'status', 'commit', 'actor', 'url', 'table', 'region', 'config'])
      expect(action).toContain(`\${{ inputs.${input} }}`);
  });

  it('runs the two commands a pipeline needs, with their real flags', () => {
    expect(action).toContain('deploy-notice --service "$FB_SERVICE" --version "$FB_VERSION"');
    expect(action).toContain('release check "$FB_SERVICE" --json');
  });
});
