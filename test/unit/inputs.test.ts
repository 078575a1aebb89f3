import { describe, expect, it } from 'vitest';
import { booleanInput, choiceInput, InputError, inputsFromRecord, integerInput, numberInput, requiredString } from '../../src/inputs/parseInputs.js';

const src = (values: Record<string, string>) => inputsFromRecord(values);

describe('input parsing', () => {
  it('names the input, the bad value and what is allowed', () => {
    expect(() => integerInput(src({ 'min-examples': 'ten' }), 'min-examples', { min: 1 })).toThrow("input 'min-examples': 'ten' is not valid; expected a whole number >= 1");
    expect(() => numberInput(src({ 'validation-split': '1.5' }), 'validation-split', { above: 0, below: 1 })).toThrow("input 'validation-split': '1.5' is not valid; expected a number > 0 and < 1");
    expect(() => booleanInput(src({ strict: 'maybe' }), 'strict', false)).toThrow("allowed: 'true' or 'false'");
    expect(() => choiceInput(src({ auth: 'magic' }), 'auth', ['auto', 'oidc'] as const, 'auto')).toThrow("input 'auth': 'magic' is not valid; allowed: 'auto', 'oidc'");
    expect(() => requiredString(src({}), 'train-file')).toThrow("input 'train-file': an empty value is not valid; it is required");
  });
  it('rejects values that only look numeric', () => {
    for (const raw of ['1e400', '0x10', '12abc', 'NaN', 'Infinity', '1.5']) {
      expect(() => integerInput(src({ n: raw }), 'n', {}), raw).toThrow(InputError);
    }
    expect(numberInput(src({ f: '.2' }), 'f', {})).toBe(0.2);
    expect(numberInput(src({ f: '2e-1' }), 'f', {})).toBe(0.2);
  });
  it('uses defaults for empty values and accepts common boolean spellings', () => {
    expect(integerInput(src({ n: '  ' }), 'n', { default: 10 })).toBe(10);
    expect(booleanInput(src({ b: 'TRUE' }), 'b', false)).toBe(true);
    expect(booleanInput(src({ b: 'no' }), 'b', true)).toBe(false);
    expect(choiceInput(src({ m: 'OIDC' }), 'm', ['auto', 'oidc'] as const, 'auto')).toBe('oidc');
  });
  it('bounds an echoed value', () => {
    const error = (() => { try { requiredString(src({}), 'x'); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(InputError);
    expect(() => integerInput(src({ n: '9'.repeat(500) }), 'n', {})).toThrow(/\.\.\.'/);
  });
});
