// Adds the lockfile entries npm 11 leaves out: the platform-specific optional packages of other
// operating systems (rollup's @rollup/rollup-<os>-<cpu>, ...). Without them `npm ci` refuses the
// lockfile ("Missing: @rollup/rollup-darwin-arm64@ from lock file") on every machine.
// Run after changing dependencies: node scripts/complete-lockfile.mjs
// The registry mirror this project is built against holds only the packages for the platforms it
// serves, so the entries carry what the package names say (os, cpu, libc) and no integrity: npm ci
// skips them on non-matching platforms, and elsewhere downloads them from the public registry.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockPath = join(root, 'package-lock.json');

/** Optional dependencies named in the lockfile that have no entry of their own: [parentKey, name, version]. */
export function missingOptionalEntries(lock) {
  const missing = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
      const base = key === '' ? '' : `${key}/`;
      // npm resolves from the nearest node_modules upwards; the hoisted location is what npm writes.
      if (!lock.packages[`${base}node_modules/${name}`] && !lock.packages[`node_modules/${name}`]) missing.push([key, name, version]);
    }
  }
  return missing;
}

/** os / cpu / libc from a platform package name such as rollup-linux-arm64-musl or rollup-win32-x64-msvc. */
export function platformOf(name) {
  const m = /-(android|darwin|freebsd|linux|openbsd|openharmony|win32|sunos|aix|netbsd)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x|wasm32|mips64el)(?:-(eabi|gnueabihf|musleabihf|gnu|musl|msvc))?$/.exec(name);
  if (!m) return undefined;
  const [, os, cpu, abi] = m;
  const libc = abi === 'musl' || abi === 'musleabihf' ? 'musl' : abi === 'gnu' || abi === 'gnueabihf' ? 'glibc' : undefined;
  return { os, cpu, ...(libc ? { libc } : {}) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
  const missing = missingOptionalEntries(lock);
  for (const [parent, name, version] of missing) {
    const platform = platformOf(name);
    if (platform === undefined) throw new Error(`cannot tell the platform of ${name}; add its entry by hand`);
    const parentEntry = lock.packages[parent];
    const entry = { version, cpu: [platform.cpu], ...(parentEntry.dev ? { dev: true } : {}), ...(platform.libc ? { libc: [platform.libc] } : {}), optional: true, os: [platform.os] };
    lock.packages[`node_modules/${name}`] = entry;
    console.log(`added node_modules/${name}@${version}`);
  }
  // npm sorts entries with localeCompare('en'); doing the same keeps the diff to the added entries.
  const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => a.localeCompare(b, 'en')));
  lock.packages = sorted;
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(missing.length === 0 ? 'lockfile already complete' : `${missing.length} entries added`);
}
