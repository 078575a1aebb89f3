// Parses and validates user inputs (action inputs or CLI flags) before any side effect.

/** Reads one input by its kebab-case name; returns '' when it is not set. */
export type InputSource = (name: string) => string;

/** A bad input value: names the input, the value given and what is allowed. */
export class InputError extends Error {
  readonly input: string;
  readonly value: string;
  readonly allowed: string;

  constructor(input: string, value: string, allowed: string) {
    super(`input '${input}': ${describeValue(value)} is not valid; ${allowed}`);
    this.name = 'InputError';
    this.input = input;
    this.value = value;
    this.allowed = allowed;
  }
}

function describeValue(value: string): string {
  if (value === '') return 'an empty value';
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return `'${shown}'`;
}

/** Builds an InputSource from a plain map (CLI flags, tests). */
export function inputsFromRecord(values: Record<string, string | undefined>): InputSource {
  return (name) => (values[name] ?? '').trim();
}

export function optionalString(source: InputSource, name: string): string | undefined {
  const value = source(name).trim();
  return value === '' ? undefined : value;
}

export function requiredString(source: InputSource, name: string): string {
  const value = optionalString(source, name);
  if (value === undefined) throw new InputError(name, '', 'it is required');
  return value;
}

const TRUE_VALUES = new Set(['true', 'yes', 'on', '1']);
const FALSE_VALUES = new Set(['false', 'no', 'off', '0']);

export function booleanInput(source: InputSource, name: string, defaultValue: boolean): boolean {
  const raw = optionalString(source, name);
  if (raw === undefined) return defaultValue;
  const lower = raw.toLowerCase();
  if (TRUE_VALUES.has(lower)) return true;
  if (FALSE_VALUES.has(lower)) return false;
  throw new InputError(name, raw, "allowed: 'true' or 'false'");
}

interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive bounds, for fractions such as (0, 1). */
  above?: number;
  below?: number;
}

function describeRange(rule: NumberRule, integer: boolean): string {
  const kind = integer ? 'a whole number' : 'a number';
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return parts.length === 0 ? `expected ${kind}` : `expected ${kind} ${parts.join(' and ')}`;
}

function checkRange(name: string, raw: string, value: number, rule: NumberRule, integer: boolean): number {
  const ok =
    Number.isFinite(value) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) throw new InputError(name, raw, describeRange(rule, integer));
  return value;
}

const INTEGER_PATTERN = /^[+-]?\d+$/;
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function integerInput(source: InputSource, name: string, rule: NumberRule & { default: number }): number;
export function integerInput(source: InputSource, name: string, rule: NumberRule): number | undefined;
export function integerInput(source: InputSource, name: string, rule: NumberRule & { default?: number }): number | undefined {
  const raw = optionalString(source, name);
  if (raw === undefined) return rule.default;
  if (!INTEGER_PATTERN.test(raw)) throw new InputError(name, raw, describeRange(rule, true));
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new InputError(name, raw, describeRange(rule, true));
  return checkRange(name, raw, value, rule, true);
}

export function numberInput(source: InputSource, name: string, rule: NumberRule & { default: number }): number;
export function numberInput(source: InputSource, name: string, rule: NumberRule): number | undefined;
export function numberInput(source: InputSource, name: string, rule: NumberRule & { default?: number }): number | undefined {
  const raw = optionalString(source, name);
  if (raw === undefined) return rule.default;
  if (!NUMBER_PATTERN.test(raw)) throw new InputError(name, raw, describeRange(rule, false));
  return checkRange(name, raw, Number(raw), rule, false);
}

/** One of a fixed set of values, matched case-insensitively; returns the canonical spelling. */
export function choiceInput<T extends string>(source: InputSource, name: string, allowed: readonly T[], defaultValue: T): T;
export function choiceInput<T extends string>(source: InputSource, name: string, allowed: readonly T[]): T | undefined;
export function choiceInput<T extends string>(source: InputSource, name: string, allowed: readonly T[], defaultValue?: T): T | undefined {
  const raw = optionalString(source, name);
  if (raw === undefined) return defaultValue;
  const match = allowed.find((candidate) => candidate.toLowerCase() === raw.toLowerCase());
  if (match === undefined) throw new InputError(name, raw, `allowed: ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return match;
}
