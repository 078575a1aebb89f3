// Bundles every action's entry (actions/<name>/src/main.ts) into actions/<name>/dist/index.js.
// tsc first compiles the project to ESM JavaScript in build/ (ncc treats a .ts entry as CommonJS and
// cannot resolve the ESM-only @actions packages); ncc then bundles each compiled entry.
// Usage: node scripts/build.mjs [name ...]   (default: every action)
//        node scripts/build.mjs --check      fail (exit 1) when a committed dist/ differs from a fresh build
import ncc from '@vercel/ncc';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const actionsDir = join(root, 'actions');

export async function actionNames() {
  const entries = await readdir(actionsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(actionsDir, e.name, 'src', 'main.ts')))
    .map((e) => e.name)
    .sort();
}

/** Compiles the TypeScript sources to build/ (type errors fail the build). */
export function compile() {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

/** Bundles one compiled action entry; `compile()` must have run. */
export async function buildAction(name, outDir = join(actionsDir, name, 'dist')) {
  const { code, assets } = await ncc(join(root, 'build', 'actions', name, 'src', 'main.js'), {
    minify: false,
    sourceMap: false,
    quiet: true,
    license: 'licenses.txt',
  });
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    await mkdir(dirname(join(outDir, file)), { recursive: true });
    await writeFile(join(outDir, file), asset.source);
  }
  return outDir;
}

async function filesUnder(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

/** Differences between the committed dist/ of each action and a fresh build, as readable lines. */
export async function checkDist(names) {
  const scratch = await mkdtemp(join(tmpdir(), 'amlft-dist-check-'));
  const problems = [];
  try {
    for (const name of names) {
      const fresh = await buildAction(name, join(scratch, name));
      const committed = join(actionsDir, name, 'dist');
      const [a, b] = [await filesUnder(committed), await filesUnder(fresh)];
      for (const file of new Set([...a, ...b])) {
        if (!a.includes(file)) problems.push(`actions/${name}/dist/${file} is missing`);
        else if (!b.includes(file)) problems.push(`actions/${name}/dist/${file} is not produced by the build`);
        else if (!(await readFile(join(committed, file))).equals(await readFile(join(fresh, file)))) problems.push(`actions/${name}/dist/${file} differs from a fresh build`);
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const names = wanted.length > 0 ? wanted : await actionNames();
  compile();
  if (check) {
    const problems = await checkDist(names);
    for (const problem of problems) console.error(problem);
    if (problems.length > 0) {
      console.error('The committed dist/ is stale: run `npm run build` and commit the result.');
      process.exit(1);
    }
    console.log(`dist/ of ${names.join(', ')} matches a fresh build`);
    process.exit(0);
  }
  for (const name of names) {
    const started = performance.now();
    await buildAction(name);
    console.log(`built actions/${name}/dist/index.js in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
