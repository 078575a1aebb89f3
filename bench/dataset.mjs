// Dataset validation speed and memory, against baselines measured in the same run:
//  (a) full validation: every check, exact Phi-3 token counts for every example, 4k verdicts, statistics
//  (b) bare Node: split lines + JSON.parse
//  (c) python3: json.loads per line (what Python validators pay before checking anything)
// Each runs in its own process, so peak RSS is its own. Usage: npm run bench [-- --mb 100]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeUltrachatLike } from './ultrachatLike.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mbArg = process.argv.indexOf('--mb');
const megabytes = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 100;
const file = join(tmpdir(), `amlft-bench-ultrachat-${megabytes}mb.jsonl`);
if (!existsSync(file)) {
  const started = performance.now();
  const { examples } = writeUltrachatLike(file, megabytes * 1e6, 42);
  console.log(`generated ${file}: ${examples} examples in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
const bytes = statSync(file).size;

const scratch = mkdtempSync(join(tmpdir(), 'amlft-bench-'));
let scripts = 0;

/** Runs a node module snippet in a fresh process; it sets `seconds` (and `extra`), we add its peak RSS. */
function nodeRun(script) {
  const file = join(scratch, `run${scripts++}.mjs`);
  const body = script.replaceAll("'./build/", `'${root}/build/`);
  writeFileSync(file, `${body}\nconst ru = process.resourceUsage(); console.log(JSON.stringify({ seconds, rss: ru.maxRSS * 1024, extra: typeof extra === 'undefined' ? null : extra }));\n`);
  const out = execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

// The three are run in turns (a, b, c, a, b, c, ...) and each keeps its best run, so a machine whose speed drifts
// during the benchmark (shared CPUs) affects all three alike.
const runs = 5;
const fastest = (a, b) => (a === undefined || b.seconds < a.seconds ? b : a);

const runFull = () =>
  nodeRun(`
    import { validateDataset } from './build/src/dataset/validateDataset.js';
    import { findChatModel } from './build/src/dataset/chatModels.js';
    const model = findChatModel('phi-3-mini-4k-instruct');
    const t = performance.now();
    const workerScript = new URL('./build/src/dataset/datasetWorkerMain.js', 'file://${root}/');
    const report = await validateDataset({ trainFile: ${JSON.stringify(file)}, model, maxTokens: model.contextTokens, minExamples: 10, workerScript });
    const seconds = (performance.now() - t) / 1000;
    const f = report.files[0];
    const extra = { examples: f.examples, exact: f.exactTokens, tokens: f.tokensPerExample.total, overLimit: f.overLimit, p95: f.tokensPerExample.p95, errors: report.errors, warnings: report.warnings };
  `);
const runBare = () =>
  nodeRun(`
    import { openSync, readSync, closeSync } from 'node:fs';
    const t = performance.now();
    const fd = openSync(${JSON.stringify(file)}, 'r');
    let buf = Buffer.allocUnsafe(1 << 22), filled = 0, n = 0;
    for (;;) {
      if (filled === buf.length) { const g = Buffer.allocUnsafe(buf.length * 2); buf.copy(g, 0, 0, filled); buf = g; }
      const r = readSync(fd, buf, filled, buf.length - filled, null);
      if (r === 0) break;
      const end = filled + r; let s = 0;
      for (;;) { const e = buf.indexOf(10, s); if (e < 0 || e >= end) break; JSON.parse(buf.toString('utf8', s, e)); n++; s = e + 1; }
      buf.copy(buf, 0, s, end); filled = end - s;
    }
    closeSync(fd);
    const seconds = (performance.now() - t) / 1000;
  `);
const runPython = () => {
  const out = execFileSync('python3', ['-c', `
import json, sys, time, resource
t = time.perf_counter()
with open(sys.argv[1], 'rb') as f:
    for line in f:
        json.loads(line)
s = time.perf_counter() - t
print(json.dumps({"seconds": s, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
`, file], { encoding: 'utf8' });
  return JSON.parse(out.trim());
};

let full;
let bare;
let python;
for (let run = 0; run < runs; run++) {
  full = fastest(full, runFull());
  bare = fastest(bare, runBare());
  python = fastest(python, runPython());
}

const mbps = (r) => (bytes / 1e6 / r.seconds).toFixed(1);
const mib = (r) => (r.rss / 1048576).toFixed(0);
console.log(`\nfile: ${(bytes / 1e6).toFixed(1)} MB, ${full.extra.examples} examples, ${full.extra.tokens.toLocaleString('en-US')} tokens (exact: ${full.extra.exact}), p95 ${full.extra.p95} tokens/example, ${full.extra.overLimit} over 4k; best of ${runs} runs each, taken in turns`);
console.log(`(a) full validation             ${full.seconds.toFixed(2)} s  ${mbps(full)} MB/s  peak RSS ${mib(full)} MiB`);
console.log(`(b) node split + JSON.parse     ${bare.seconds.toFixed(2)} s  ${mbps(bare)} MB/s  peak RSS ${mib(bare)} MiB`);
console.log(`(c) python3 json.loads per line ${python.seconds.toFixed(2)} s  ${mbps(python)} MB/s  peak RSS ${mib(python)} MiB`);
console.log(`\nspeed (a)/(c): ${(python.seconds / full.seconds).toFixed(2)}  (target >= 0.50)`);
console.log(`speed (a)/(b): ${(bare.seconds / full.seconds).toFixed(2)}`);
console.log(`peak RSS (a): ${mib(full)} MiB  (target < 200 MiB)`);
