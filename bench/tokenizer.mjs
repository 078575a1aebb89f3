// Benchmarks the Phi-3 token counter against llama-tokenizer-js on generated ultrachat-like messages.
//
// Run from the repository root:
//   npx tsc -p tsconfig.json && node bench/tokenizer.mjs [megabytes=50]
// MB/s counts UTF-8 bytes of message content (what a JSONL dataset holds), 1 MB = 10^6 bytes. The messages are
// generated in memory from a fixed seed, so runs are comparable; each message is one countTokens call, like the
// dataset validator makes.

import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mulberry32 } from './ultrachatLike.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const libraryPath = join(root, 'build/src/dataset/tokenizer/countTokens.js');

// --- deterministic text generation ---------------------------------------------------------------------------------


const COMMON = `the of and to a in is that for it as with was on be by this are or his from at which but have an not they
you had her one all she there been their we has were would more will when who what so if about out up can its into them
some no than only other time could these two may then do first any my now like over such our also made new after
people your how most should because through well even just many where those very must great good work world being both
between life each under while use way here make same own know state might still found take part since however used
year day know information help important example different system data process support health provide learn
including using research based public community student experience business development environment design
technology social service quality energy result model user value access change culture history water local
practice project team family food travel book story music city country market product customer science education
history health care power growth strategy climate impact challenge benefit approach solution analysis opportunity
I'm you're it's don't can't won't here's let's`.split(/\s+/);

const SYLLABLES = `ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go ha he hi ho la le li lo lu ma me mi mo
mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze zi tion ment ness able
ing er est ly al ic ous ive ize ate ful less ship ward str pr tr th ch sh qu gr bl cl fl pl`.split(/\s+/);

const CODE = [
  'def process_items(items):\n    result = []\n    for item in items:\n        if item.is_valid():\n            result.append(item.value * 2)\n    return result\n',
  'function fetchData(url) {\n  return fetch(url)\n    .then((response) => response.json())\n    .catch((error) => console.error("Request failed:", error));\n}\n',
  'SELECT name, COUNT(*) AS total\nFROM orders\nWHERE created_at >= \'2023-01-01\'\nGROUP BY name\nORDER BY total DESC;\n',
  'import pandas as pd\n\ndf = pd.read_csv("data.csv")\nprint(df.describe())\n\tdf["ratio"] = df["a"] / df["b"]\n',
  'public class Main {\n    public static void main(String[] args) {\n        System.out.println("Hello, World!");\n    }\n}\n',
];

const EXTRAS = ['café', 'naïve', 'résumé', 'Zürich', 'São Paulo', '—', '“quoted”', 'it’s', '€', '°C', '…', '👍', '🚀', '東京', 'こんにちは', 'Привет', 'مرحبا', '😊', '✅'];

export function generateMessages(totalBytes, seed = 20240601) {
  const random = mulberry32(seed);
  const pick = (array) => array[Math.floor(random() * array.length)];
  // A Zipf-like long tail of invented words stands in for the names, jargon and typos of real chats, so the cache
  // sees many distinct words, as it would on a real dataset.
  const tail = [];
  for (let i = 0; i < 60000; i++) {
    let word = '';
    const syllables = 1 + Math.floor(random() * 4);
    for (let s = 0; s < syllables; s++) word += pick(SYLLABLES);
    tail.push(word);
  }
  const lexicon = [...COMMON, ...tail];
  const zipfWord = () => {
    const u = random();
    // Rank ~ exp(u * ln N): a log-uniform rank gives a Zipf(1) distribution over the lexicon.
    const rank = Math.min(lexicon.length - 1, Math.floor(Math.exp(u * Math.log(lexicon.length))) - 1);
    return lexicon[rank];
  };
  const number = () => {
    const r = random();
    if (r < 0.3) return String(Math.floor(random() * 100));
    if (r < 0.5) return `${Math.floor(random() * 100)}%`;
    if (r < 0.7) return String(1900 + Math.floor(random() * 130));
    if (r < 0.85) return `$${(random() * 10000).toFixed(2)}`;
    return String(Math.floor(random() * 1e9));
  };
  const sentence = () => {
    const words = [];
    const length = 5 + Math.floor(random() * 20);
    for (let w = 0; w < length; w++) {
      const r = random();
      let word = r < 0.04 ? number() : r < 0.05 ? pick(EXTRAS) : zipfWord();
      if (w === 0) word = word.charAt(0).toUpperCase() + word.slice(1);
      else if (random() < 0.08) word += ',';
      else if (random() < 0.02) word = `**${word}**`;
      else if (random() < 0.01) word = `(${word})`;
      words.push(word);
    }
    return words.join(' ') + pick(['.', '.', '.', '.', '?', '!', ':']);
  };
  const paragraph = () => {
    const sentences = [];
    const count = 1 + Math.floor(random() * 5);
    for (let s = 0; s < count; s++) sentences.push(sentence());
    return sentences.join(' ');
  };
  const answer = () => {
    const parts = [];
    const count = 2 + Math.floor(random() * 6);
    for (let p = 0; p < count; p++) {
      const r = random();
      if (r < 0.1) parts.push(`## ${sentence().slice(0, -1)}`);
      if (r < 0.25) {
        const items = 2 + Math.floor(random() * 5);
        const numbered = random() < 0.5;
        const lines = [];
        for (let item = 1; item <= items; item++) lines.push(`${numbered ? `${item}.` : '-'} ${sentence()}`);
        parts.push(lines.join('\n'));
      } else if (r < 0.32) {
        parts.push('```\n' + pick(CODE) + '```');
      } else {
        parts.push(paragraph());
      }
    }
    return parts.join('\n\n');
  };

  const messages = [];
  let bytes = 0;
  while (bytes < totalBytes) {
    const message = messages.length % 2 === 0 ? paragraph() : answer();
    messages.push(message);
    bytes += Buffer.byteLength(message, 'utf8');
  }
  return { messages, bytes };
}

// --- measurement ---------------------------------------------------------------------------------------------------

function slice(messages, maxBytes) {
  const out = [];
  let bytes = 0;
  for (const message of messages) {
    if (bytes >= maxBytes) break;
    out.push(message);
    bytes += Buffer.byteLength(message, 'utf8');
  }
  return { messages: out, bytes };
}

function time(fn) {
  const start = process.hrtime.bigint();
  const result = fn();
  return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function countAll(count, messages) {
  let tokens = 0;
  for (const message of messages) tokens += count(message);
  return tokens;
}

function measureStartup() {
  // A fresh process, as every GitHub Action invocation is one: module import, then the first call (decodes the tables).
  const script = `
    const t0 = performance.now();
    const lib = await import(${JSON.stringify(pathToFileURL(libraryPath).href)});
    const t1 = performance.now();
    lib.countTokens('Hello, world!');
    const t2 = performance.now();
    console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1 }));`;
  const runs = [];
  for (let i = 0; i < 5; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })));
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { importMs: median(runs.map((r) => r.importMs)), firstCallMs: median(runs.map((r) => r.firstCallMs)) };
}

async function main() {
  const megabytes = Number(process.argv[2] ?? 50);
  const { createTokenCounter } = await import(pathToFileURL(libraryPath).href);
  const { default: reference } = await import('llama-tokenizer-js');

  const { messages, bytes } = generateMessages(megabytes * 1e6);
  console.log(`generated ${messages.length} messages, ${(bytes / 1e6).toFixed(1)} MB (UTF-8)`);

  const small = slice(messages, 2e6);
  const ref = time(() => countAll((text) => reference.encode(text, false, true).length, small.messages));
  const refMBs = small.bytes / 1e6 / ref.seconds;
  const oursOnSmall = countAll(createTokenCounter().count, small.messages);
  if (oursOnSmall !== ref.result) throw new Error(`token totals differ on the reference slice: ${oursOnSmall} vs ${ref.result}`);
  console.log(`llama-tokenizer-js: ${refMBs.toFixed(2)} MB/s on ${(small.bytes / 1e6).toFixed(1)} MB (${ref.result} tokens, same total as ours)`);

  const counter = createTokenCounter();
  // The counter counts with a WebAssembly kernel whose memory (vocabulary tables, word caches) is fixed at creation.
  const { TokenKernel } = await import(pathToFileURL(join(root, 'build/src/dataset/tokenizer/tokenKernel.js')).href);
  const cacheBytes = TokenKernel.create(262144)?.memoryBytes ?? 0;
  const count = (text) => counter.count(text);
  const cold = time(() => countAll(count, messages));
  const warm = time(() => countAll(count, messages));
  const uncachedCounter = createTokenCounter({ cacheEntries: 0 });
  const noCacheSlice = slice(messages, 10e6);
  const uncached = time(() => countAll((text) => uncachedCounter.count(text), noCacheSlice.messages));
  const coldMBs = bytes / 1e6 / cold.seconds;
  const warmMBs = bytes / 1e6 / warm.seconds;
  if (warm.result !== cold.result) throw new Error('the warm pass counted differently from the cold pass');
  console.log(`ours, cold (empty cache, first pass): ${coldMBs.toFixed(1)} MB/s (${cold.result} tokens), ${(coldMBs / refMBs).toFixed(0)}x the reference`);
  console.log(`ours, warm (second pass):             ${warmMBs.toFixed(1)} MB/s, ${(warmMBs / refMBs).toFixed(0)}x the reference`);
  console.log(`ours, no cache (cacheEntries: 0):     ${(noCacheSlice.bytes / 1e6 / uncached.seconds).toFixed(1)} MB/s on ${(noCacheSlice.bytes / 1e6).toFixed(1)} MB`);
  console.log(`counter memory (WebAssembly kernel: tables and word caches, allocated up front): ${(cacheBytes / 1e6).toFixed(1)} MB`);
  console.log(`tokens per MB: ${(cold.result / (bytes / 1e6)).toFixed(0)}`);

  const startup = measureStartup();
  console.log(`startup (fresh process, median of 5): import ${startup.importMs.toFixed(1)} ms, first countTokens call ${startup.firstCallMs.toFixed(1)} ms`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
