// npm ci refuses a lockfile that names an optional dependency without an entry of its own (npm 11 leaves
// out other platforms' packages); scripts/complete-lockfile.mjs adds them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { missingOptionalEntries, platformOf } from '../../scripts/complete-lockfile.mjs';
import { repoRoot } from '../helpers/runBundle.js';

describe('package-lock.json', () => {
  it('has an entry for every optional dependency it names, so npm ci accepts it on every platform', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
    expect(missingOptionalEntries(lock)).toEqual([]);
  });
  it('reads platforms from package names', () => {
    expect(platformOf('@rollup/rollup-linux-arm64-musl')).toEqual({ os: 'linux', cpu: 'arm64', libc: 'musl' });
    expect(platformOf('@rollup/rollup-win32-x64-msvc')).toEqual({ os: 'win32', cpu: 'x64' });
    expect(platformOf('@rollup/rollup-android-arm-eabi')).toEqual({ os: 'android', cpu: 'arm' });
    expect(platformOf('@rollup/wasm-node')).toBeUndefined();
  });
});
