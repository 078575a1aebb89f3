// The kernel meter and the JavaScript meter give the same fingerprints and token counts: a split or a duplicate verdict
// must not depend on whether the host runs WebAssembly SIMD.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_MARKERS, CONTENT_MARKERS, findSecret, findTemplateToken, holdsMarker } from '../../../src/dataset/contentScanners.js';
import { fingerprintFields } from '../../../src/dataset/exampleFingerprint.js';
import { createExampleMeter, type ExampleMeter } from '../../../src/dataset/exampleMeter.js';
import { countTokens } from '../../../src/dataset/tokenizer/countTokens.js';
import { KERNEL_INPUT_UNITS } from '../../../src/dataset/tokenizer/tokenKernel.js';

interface Message {
  readonly content: string;
  readonly envelope: string;
}

function measure(meter: ExampleMeter, messages: readonly Message[], count: boolean): { tokens: number[]; fingerprint: { high: number; low: number } } {
  meter.begin();
  const tokens = messages.map((message) => {
    const contentTokens = meter.content(message.content, count);
    meter.field(message.envelope);
    return contentTokens;
  });
  return { tokens, fingerprint: meter.end() };
}

const unitString = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)), maxLength });
const content = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: unitString(20) },
  // Lengths around the 8-unit blocks the kernel folds.
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 17 }).map((n) => 'abcdefghijklmnopq'.slice(0, n)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);
const message = fc.record({ content, envelope: fc.oneof(fc.constantFrom('user\u0000\u0000\u0000', 'assistant\u0000\u0000\u0000'), unitString(12)) });

describe('example meters', () => {
  const kernelMeter = createExampleMeter();
  const javascriptMeter = createExampleMeter({ kernel: false });

  it('agree on fingerprints and counts for random conversations, and match fingerprintFields', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), fc.boolean(), (messages, count) => {
        const kernel = measure(kernelMeter, messages, count);
        const javascript = measure(javascriptMeter, messages, count);
        expect(kernel).toEqual(javascript);
        expect(kernel.fingerprint).toEqual(fingerprintFields(messages.flatMap((m) => [m.content, m.envelope])));
        if (count) expect(kernel.tokens).toEqual(messages.map((m) => countTokens(`\n${m.content}`)));
        else expect(kernel.tokens.every((t) => t === 0)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agree on a content and a field longer than the kernel input (folded and counted in pieces)', () => {
    const long = 'A long message, with words and 123 numbers; '.repeat(Math.ceil((KERNEL_INPUT_UNITS + 100) / 44));
    const messages = [
      { content: long, envelope: 'user\u0000\u0000\u0000' },
      { content: 'ok', envelope: `assistant\u0000${'n'.repeat(KERNEL_INPUT_UNITS + 3)}\u0000\u0000` },
    ];
    const kernel = measure(kernelMeter, messages, true);
    expect(kernel).toEqual(measure(javascriptMeter, messages, true));
    expect(kernel.tokens[0]).toBe(countTokens(`\n${long}`));
  });

  it('start every example afresh', () => {
    const messages = [{ content: 'Hello', envelope: 'user\u0000\u0000\u0000' }];
    const first = measure(kernelMeter, messages, true);
    measure(kernelMeter, [{ content: 'something else', envelope: 'x' }], true);
    expect(measure(kernelMeter, messages, true)).toEqual(first);
  });

  it('count with a stand-in tokenizer when given one', () => {
    const meter = createExampleMeter({ countTokens: (text) => text.length });
    meter.begin();
    expect(meter.content('abc', true)).toBe(4);
    expect(meter.content('abc', false)).toBe(0);
  });
});

describe('content markers', () => {
  const kernelMeter = createExampleMeter();
  const markersOf = (text: string): number => {
    kernelMeter.begin();
    kernelMeter.content(text, false);
    return kernelMeter.markers();
  };
  const exact = (text: string): number => CONTENT_MARKERS.reduce((bits, _, i) => (holdsMarker(text, i) ? bits | (1 << i) : bits), 0);

  it('the kernel reports every marker a content holds, at any position and length (and only a few more)', () => {
    const alphabet = fc.constantFrom(...'<|-kIAz_xoyg=J aw+mi\u00e9\u0100\u7c3d\uff49'.split(''));
    let extra = 0;
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }).map((units) => units.join('')), (text) => {
        const reported = markersOf(text);
        expect(reported & exact(text)).toBe(exact(text));
        if (reported !== exact(text)) extra += 1;
      }),
      { numRuns: 3000 },
    );
    // Over-reporting only comes from nibble-table products like "+-" or "w=": rare on this alphabet, never the rule.
    expect(extra).toBeLessThan(1500);
    for (const [i, { first, second }] of CONTENT_MARKERS.entries()) {
      for (const unit of first) {
        const pair = `${unit}${second === '' ? '' : second[0]}`;
        for (let at = 0; at < 20; at++) expect(markersOf(`${'.'.repeat(at)}${pair}`) & (1 << i)).toBe(1 << i);
      }
    }
    // A non-ASCII unit whose low byte is a marker unit is no marker.
    expect(markersOf('\u013c\u017c\u015f')).toBe(0);
  });

  it('never hides a finding: with the kernel markers the scanners find what they find without them', () => {
    const samples = [
      'see <|user|> here',
      '-----BEGIN RSA PRIVATE KEY-----',
      'key AKIAIOSFODNN7EXAMPLE ok',
      `token ghp_${'a'.repeat(36)}`,
      `key sk-${'b'.repeat(40)}`,
      'xoxb-1234567890-abc',
      `AccountKey=${'c'.repeat(44)}==`,
      `?sv=2020&sig=${'d'.repeat(40)}`,
      `AIza${'e'.repeat(35)}`,
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ];
    for (const sample of samples) {
      const markers = markersOf(sample);
      expect(findTemplateToken(sample, markers)).toBe(findTemplateToken(sample, ALL_MARKERS));
      expect(findSecret(sample, markers)).toEqual(findSecret(sample, ALL_MARKERS));
      expect(findTemplateToken(sample) ?? findSecret(sample), sample).toBeDefined();
    }
  });
});
