// Checks the Phi-3 token counter against llama-tokenizer-js on tens of MB of text and prints the number of mismatches.
//
// Run from the repository root (build/ is gitignored, so compile first):
//   npx tsc -p tsconfig.json && node scripts/verify-tokenizer.mjs [--max-mb 40] [--generated-mb 6] [--workers 2]
//
// Text: every distinct .md/.txt/.js/.ts/.mjs/.cjs file under node_modules (in a seeded random order, until --max-mb;
// --max-mb 0 means all of them), split into paragraphs at blank lines and cut to at most 200 kB (the reference builds
// an object per character); plus --generated-mb of seeded multilingual text (many scripts, combining marks, emoji, ZWJ
// sequences, astral and lone surrogates, random code points) and of strings glued from random vocabulary pieces.
// For every string, encode() must equal llamaTokenizer.encode(text, false, true) and countTokens() its length.
// The reference is the slow part (about 1 MB/s), so strings are spread over worker threads.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { mulberry32 } from '../bench/ultrachatLike.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const libraryUrl = pathToFileURL(join(root, 'build/src/dataset/tokenizer/countTokens.js')).href;
const MAX_STRING = 200_000;


function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function listFiles(directory, out) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) listFiles(path, out);
    else if (entry.isFile() && /\.(md|txt|js|ts|mjs|cjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

function fileStrings(maxBytes, random) {
  const files = listFiles(join(root, 'node_modules'), []).sort();
  for (let i = files.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [files[i], files[j]] = [files[j], files[i]];
  }
  const seen = new Set();
  const strings = [];
  let bytes = 0;
  let fileCount = 0;
  for (const file of files) {
    if (maxBytes > 0 && bytes >= maxBytes) break;
    const content = readFileSync(file);
    const digest = createHash('sha1').update(content).digest('hex');
    if (seen.has(digest)) continue;
    seen.add(digest);
    fileCount++;
    bytes += content.length;
    for (const paragraph of content.toString('utf8').split(/\n[ \t]*\n/)) {
      for (let start = 0; start < paragraph.length; start += MAX_STRING) strings.push(paragraph.slice(start, start + MAX_STRING));
    }
  }
  return { strings, fileCount };
}

// Code point ranges of scripts and symbol blocks, so the generated text covers much more than the files do.
const SCRIPTS = [
  [0x61, 0x7a], [0xc0, 0x24f], [0x391, 0x3c9], [0x410, 0x44f], [0x531, 0x586], [0x5d0, 0x5ea], [0x621, 0x64a],
  [0x905, 0x939], [0x980, 0x9ff], [0xe01, 0xe2e], [0x10a0, 0x10ff], [0x1100, 0x11ff], [0x1e00, 0x1eff],
  [0x3041, 0x3096], [0x30a1, 0x30fa], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x2000, 0x206f], [0x2190, 0x23ff],
  [0x2500, 0x27bf], [0xff01, 0xff5e], [0x1d400, 0x1d7ff], [0x1f300, 0x1faff], [0x20000, 0x2a6df],
];
const MARKS = [[0x300, 0x36f], [0x64b, 0x652], [0x93e, 0x94d], [0xe31, 0xe3a]];
const SEPARATORS = [' ', ' ', ' ', ' ', '  ', '\n', '\n\n', '\t', '\r\n', '. ', ', ', '? ', '! ', ' - ', '▁', '\u3000', '\u00a0'];

function generatedStrings(maxBytes, random, pieces) {
  const pick = (array) => array[Math.floor(random() * array.length)];
  const inRange = ([low, high]) => low + Math.floor(random() * (high - low + 1));
  const strings = [];
  let bytes = 0;
  while (bytes < maxBytes) {
    let text = '';
    const kind = random();
    const parts = 1 + Math.floor(random() * 40);
    for (let p = 0; p < parts; p++) {
      if (kind < 0.35) {
        // Words of one script per word, with marks, separators and the occasional odd code unit.
        const script = pick(SCRIPTS);
        const length = 1 + Math.floor(random() * 9);
        for (let c = 0; c < length; c++) {
          text += String.fromCodePoint(inRange(script));
          if (random() < 0.08) text += String.fromCodePoint(inRange(pick(MARKS)));
        }
        const r = random();
        if (r < 0.02) text += String.fromCharCode(0xd800 + Math.floor(random() * 0x800));
        else if (r < 0.04) text += '👩\u200d💻';
        else if (r < 0.06) text += String.fromCodePoint(Math.floor(random() * 0x110000)).replace(/[\ud800-\udfff]/g, '');
        text += pick(SEPARATORS);
      } else if (kind < 0.75) {
        // Vocabulary pieces glued together: the strings that exercise merges and their order the most.
        text += pieces[259 + Math.floor(random() * (pieces.length - 259))].replaceAll('▁', random() < 0.5 ? ' ' : '▁');
        if (random() < 0.3) text += pick(SEPARATORS);
      } else {
        // Arbitrary code units, surrogates included.
        text += String.fromCharCode(Math.floor(random() * 0x10000));
        if (random() < 0.3) text += pick(SEPARATORS);
      }
    }
    strings.push(text);
    bytes += Buffer.byteLength(text);
  }
  return strings;
}

async function runWorker() {
  const { default: reference } = await import('llama-tokenizer-js');
  const { countTokens, encode } = await import(libraryUrl);
  let mismatches = 0;
  let tokens = 0;
  const examples = [];
  for (const text of workerData.strings) {
    const expected = reference.encode(text, false, true);
    const actual = encode(text);
    tokens += expected.length;
    let same = actual.length === expected.length && countTokens(text) === expected.length;
    for (let i = 0; same && i < expected.length; i++) same = actual[i] === expected[i];
    if (!same) {
      mismatches++;
      if (examples.length < 5) examples.push(JSON.stringify(text.slice(0, 300)));
    }
  }
  parentPort.postMessage({ mismatches, tokens, examples });
}

async function main() {
  const started = performance.now();
  const maxMegabytes = option('--max-mb', 40);
  const generatedMegabytes = option('--generated-mb', 6);
  const workers = Math.max(1, option('--workers', 2));
  const random = mulberry32(0x5eed);
  const { default: reference } = await import('llama-tokenizer-js');

  const files = fileStrings(maxMegabytes * 1e6, random);
  const generated = generatedStrings(generatedMegabytes * 1e6, random, reference.vocabById);
  const strings = [...files.strings, ...generated];
  let characters = 0;
  let bytes = 0;
  for (const text of strings) {
    characters += text.length;
    bytes += Buffer.byteLength(text);
  }
  console.log(
    `checking ${strings.length} strings (${files.strings.length} paragraphs of ${files.fileCount} files, ${generated.length} generated): ` +
      `${characters} characters, ${(bytes / 1e6).toFixed(1)} MB UTF-8, on ${workers} worker threads`,
  );

  // Round-robin keeps the workers' loads similar (paragraph sizes vary a lot).
  const shares = Array.from({ length: workers }, () => []);
  strings.forEach((text, i) => shares[i % workers].push(text));
  const results = await Promise.all(
    shares.map(
      (share) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { strings: share } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const mismatches = results.reduce((sum, r) => sum + r.mismatches, 0);
  const tokens = results.reduce((sum, r) => sum + r.tokens, 0);
  console.log(`strings: ${strings.length}`);
  console.log(`characters: ${characters}`);
  console.log(`tokens (reference): ${tokens}`);
  console.log(`mismatches: ${mismatches}`);
  for (const example of results.flatMap((r) => r.examples)) console.log(`  mismatch: ${example}`);
  console.log(`took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (mismatches > 0) process.exitCode = 1;
}

if (isMainThread) await main();
else await runWorker();
