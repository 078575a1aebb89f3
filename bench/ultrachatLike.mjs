// Generates a seeded, ultrachat_200k-like JSONL file of a given size: {prompt, prompt_id, messages},
// 1-4 turns, prose with a Zipf vocabulary of ~60k words, markdown lists, code blocks, numbers and
// some non-ASCII, so tokenizer caches see realistic hit rates.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

/** mulberry32: a small seeded generator, so generated corpora are the same in every run. */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = 'ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo za ze tion ment ing er est ly al ous ive ship ness str pl gr th ch sh qu'.split(' ');
const COMMON = 'the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no out what up said about into them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(' ');
const UNICODE = ['café', 'naïve', 'Zürich', '東京', 'данные', 'émigré', '😀', 'über', 'señor', 'Ångström', '—', '…', '“quoted”'];

export function makeVocabulary(random, size = 60000) {
  const words = [...COMMON];
  const seen = new Set(words);
  while (words.length < size) {
    const n = 1 + Math.floor(random() * 4);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  return words;
}

export function writeUltrachatLike(path, targetBytes, seed = 1) {
  const random = mulberry32(seed);
  const vocab = makeVocabulary(random);
  // Zipf(1.07) over the vocabulary by inverse CDF on a precomputed table.
  const weights = vocab.map((_, i) => 1 / Math.pow(i + 1, 1.07));
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (cdf[i] = sum += w));
  const word = () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo];
  };
  const sentence = () => {
    const n = 6 + Math.floor(random() * 18);
    const parts = [];
    for (let i = 0; i < n; i++) {
      const r = random();
      if (r < 0.02) parts.push(String(Math.floor(random() * 10000)));
      else if (r < 0.025) parts.push(UNICODE[Math.floor(random() * UNICODE.length)]);
      else parts.push(word());
      if (random() < 0.06) parts[parts.length - 1] += ',';
    }
    parts[0] = parts[0][0].toUpperCase() + parts[0].slice(1);
    return parts.join(' ') + (random() < 0.1 ? '?' : '.');
  };
  const paragraph = () => Array.from({ length: 2 + Math.floor(random() * 5) }, sentence).join(' ');
  const answer = () => {
    const blocks = [];
    const n = 1 + Math.floor(random() * 4);
    for (let i = 0; i < n; i++) {
      const r = random();
      if (r < 0.15) blocks.push(Array.from({ length: 3 + Math.floor(random() * 4) }, (_, k) => `${k + 1}. ${sentence()}`).join('\n'));
      else if (r < 0.22) blocks.push('```python\ndef ' + word() + '(x):\n    return x * ' + Math.floor(random() * 100) + '\n```');
      else blocks.push(paragraph());
    }
    return blocks.join('\n\n');
  };
  const fd = openSync(path, 'w');
  let written = 0;
  let examples = 0;
  try {
    while (written < targetBytes) {
      const turns = 1 + Math.floor(random() * 4);
      const messages = [];
      for (let t = 0; t < turns; t++) {
        messages.push({ role: 'user', content: random() < 0.5 ? sentence() : paragraph() });
        messages.push({ role: 'assistant', content: answer() });
      }
      const prompt = messages[0].content;
      const line = JSON.stringify({ prompt, prompt_id: createHash('sha256').update(prompt + examples).digest('hex'), messages }) + '\n';
      written += writeSync(fd, line);
      examples += 1;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes: written, examples };
}
