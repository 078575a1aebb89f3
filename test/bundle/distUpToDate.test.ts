// The committed dist/ bundles and generated READMEs must equal a fresh build.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/runBundle.js';

describe('committed build output', () => {
  it('every actions/*/dist matches a fresh build', () => {
    const run = () => execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--check'], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  }, 180_000);
  it('every action README carries the tables generated from its action.yml', () => {
    expect(() => execFileSync(process.execPath, [join(repoRoot, 'scripts', 'generate-action-docs.mjs'), '--check'], { cwd: repoRoot, stdio: 'pipe' })).not.toThrow();
  });
});
