import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fingerprintFields } from '../../../src/dataset/exampleFingerprint.js';
import { ExampleIndex } from '../../../src/dataset/exampleIndex.js';

const fingerprint = (text: string) => fingerprintFields(text.split('\u0001'));
import { IntegerDistribution } from '../../../src/dataset/integerDistribution.js';
import { splitKey, validationThreshold } from '../../../src/dataset/splitDataset.js';

function nearestRank(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('IntegerDistribution', () => {
  it('gives exact min / median / p95 / max / total, dense and sparse values alike (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 3_000_000 })), { minLength: 1, maxLength: 400 }), (values) => {
        const d = new IntegerDistribution();
        values.forEach((v) => d.add(v));
        const s = d.summary();
        expect(s).toMatchObject({
          count: values.length,
          min: Math.min(...values),
          max: Math.max(...values),
          total: values.reduce((a, b) => a + b, 0),
          median: nearestRank(values, 0.5),
          p95: nearestRank(values, 0.95),
        });
      }),
    );
  });
  it('is all zeros when empty', () => {
    expect(new IntegerDistribution().summary()).toMatchObject({ count: 0, min: 0, median: 0, max: 0, total: 0 });
  });
});

describe('ExampleIndex', () => {
  it('remembers the first line of every fingerprint through growth', () => {
    const index = new ExampleIndex(4);
    for (let i = 1; i <= 5000; i++) expect(index.add(fingerprint(`example ${i}`), i)).toBe(0);
    expect(index.size).toBe(5000);
    expect(index.add(fingerprint('example 1234'), 9999)).toBe(1234);
    expect(index.lineOf(fingerprint('example 5000'))).toBe(5000);
    expect(index.lineOf(fingerprint('never'))).toBe(0);
  });
});

describe('split keys', () => {
  it('are deterministic per seed and differ across seeds', () => {
    expect(splitKey(12345, 42)).toBe(splitKey(12345, 42));
    expect(splitKey(12345, 42)).not.toBe(splitKey(12345, 43));
  });
  it('select round(n * fraction) distinct examples', () => {
    const keys = Uint32Array.from({ length: 1000 }, (_, i) => splitKey(fingerprint(`e${i}`).low, 7));
    const threshold = validationThreshold(keys, 0.2);
    expect(keys.filter((k) => k < threshold).length).toBe(200);
  });
  it('select nothing for a fraction that rounds to zero', () => {
    const keys = Uint32Array.from([5, 6, 7]);
    expect(keys.filter((k) => k < validationThreshold(keys, 0.1)).length).toBe(0);
  });
});

describe('fingerprint', () => {
  it('tells apart every one of 200,000 distinct near-identical examples', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      const f = fingerprint(`user\u0000What is ${i} plus ${i}?\u0001assistant\u0000It is ${2 * i}.`);
      seen.add(`${f.high}:${f.low}`);
    }
    expect(seen.size).toBe(200_000);
  });
  it('changes with any one character and with order', () => {
    const base = fingerprint('user\u0000hello\u0001assistant\u0000hi');
    expect(fingerprint('user\u0000hellp\u0001assistant\u0000hi')).not.toEqual(base);
    expect(fingerprint('assistant\u0000hi\u0001user\u0000hello')).not.toEqual(base);
    expect(fingerprint('user\u0000hello\u0001assistant\u0000hi')).toEqual(base);
  });
  it('tells field boundaries apart, including empty fields and trailing zero units', () => {
    const seen = new Set<string>();
    const samples = [[], [''], ['', ''], ['a'], ['a', ''], ['', 'a'], ['ab'], ['a', 'b'], ['a\u0000'], ['a\u0000\u0000'], ['abcdefgh'], ['abcdefgh', '']];
    for (const fields of samples) {
      const f = fingerprintFields(fields);
      seen.add(`${f.high}:${f.low}`);
    }
    expect(seen.size).toBe(samples.length);
  });
});
