// The fine-tuning config file (finetune.config.json): checked against its JSON Schema, then used as the defaults of the finetune inputs.

import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { readFileSync, statSync } from 'node:fs';
import { InputError, type InputSource } from '../inputs/parseInputs.js';
import schema from '../../schemas/finetune.config.schema.json' with { type: 'json' };

/** The JSON Schema of the config file (schemas/finetune.config.schema.json). */
export const FINETUNE_CONFIG_SCHEMA: Readonly<Record<string, unknown>> & { properties: Readonly<Record<string, PropertySchema>> } = schema;

interface PropertySchema {
  readonly description?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly pattern?: string;
  readonly minLength?: number;
}

/** Keys that are not inputs: `$schema` points editors at the schema. */
const NON_INPUT_KEYS = new Set(['$schema']);

/** The finetune inputs a config file may set (its keys are the input names). */
export const FINETUNE_CONFIG_INPUTS: readonly string[] = Object.keys(FINETUNE_CONFIG_SCHEMA.properties).filter((key) => !NON_INPUT_KEYS.has(key));

/** A config file, checked: each key's value as the string the input would carry. */
export interface FinetuneConfig {
  /** The path as the user wrote it (what messages name). */
  readonly file: string;
  readonly values: Readonly<Record<string, string>>;
}

/** A bad config file: names the file, the JSON pointer, the value and what is allowed. */
export class FinetuneConfigError extends InputError {
  readonly file: string;
  readonly pointer: string;

  constructor(file: string, pointer: string, value: string, allowed: string) {
    super('config-file', value, allowed);
    this.name = 'FinetuneConfigError';
    this.file = file;
    this.pointer = pointer;
    this.message = pointer === '' ? `config-file '${file}': ${allowed}` : `config-file '${file}' at ${pointer}: ${value} is not valid; ${allowed}`;
  }
}

const validate = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(FINETUNE_CONFIG_SCHEMA);

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeRange(rule: PropertySchema): string {
  const parts: string[] = [];
  if (rule.minimum !== undefined) parts.push(`>= ${rule.minimum}`);
  if (rule.exclusiveMinimum !== undefined) parts.push(`> ${rule.exclusiveMinimum}`);
  if (rule.maximum !== undefined) parts.push(`<= ${rule.maximum}`);
  if (rule.exclusiveMaximum !== undefined) parts.push(`< ${rule.exclusiveMaximum}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

/** What a property's schema allows, in the words the input parsers use. */
export function describeAllowed(rule: PropertySchema): string {
  if (rule.enum !== undefined) return `allowed: ${rule.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  switch (rule.type) {
    case 'integer':
      return `expected a whole number${describeRange(rule)}`;
    case 'number':
      return `expected a number${describeRange(rule)}`;
    case 'boolean':
      return 'expected true or false';
    case 'object':
      return 'expected a JSON object of parameter names (lowercase letters, digits and underscores) to strings, numbers or booleans';
    case 'string':
      return rule.pattern !== undefined ? `expected a string matching ${rule.pattern} (${rule.description ?? ''})` : `expected a non-empty string (${rule.description ?? ''})`;
    default:
      return rule.description ?? 'see schemas/finetune.config.schema.json';
  }
}

function errorFor(file: string, error: ErrorObject): FinetuneConfigError {
  if (error.keyword === 'additionalProperties' && error.instancePath === '') {
    const key = String(error.params.additionalProperty);
    return new FinetuneConfigError(file, `/${key}`, shown(key), `unknown key; allowed keys: ${FINETUNE_CONFIG_INPUTS.join(', ')} (and $schema)`);
  }
  if (error.instancePath === '' && error.keyword === 'type') return new FinetuneConfigError(file, '', shown(error.data), `expected a JSON object of finetune input names to values, got ${shown(error.data)}`);
  // A property (or a value inside extra-parameters): describe the property's own rule.
  const topKey = error.instancePath.split('/')[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
  const rule = FINETUNE_CONFIG_SCHEMA.properties[topKey] ?? {};
  if (error.keyword === 'propertyNames' || error.propertyName !== undefined) {
    const name = String(error.propertyName ?? error.params.propertyName);
    return new FinetuneConfigError(file, `${error.instancePath}/${name}`, shown(name), 'expected a parameter name (lowercase letters, digits and underscores)');
  }
  return new FinetuneConfigError(file, error.instancePath, shown(error.data), describeAllowed(error.instancePath === `/${topKey}` ? rule : { type: 'object' }));
}

function asInputValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Parses and checks a config file's text (pure); the first schema violation is thrown, naming the file and JSON pointer. */
export function parseFinetuneConfig(text: string, file: string): FinetuneConfig {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new FinetuneConfigError(file, '', '', `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!validate(data)) {
    const errors = validate.errors ?? [];
    // Report the first problem per location, in file order of the keys.
    throw errorFor(file, errors[0]!);
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!NON_INPUT_KEYS.has(key)) values[key] = asInputValue(value);
  }
  return { file, values };
}

/** Reads and checks a config file; `path` is resolved by the caller, `file` is how messages name it. */
export function readFinetuneConfig(path: string, file: string): FinetuneConfig {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new FinetuneConfigError(file, '', '', 'is a directory; expected a JSON file such as finetune.config.json');
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof FinetuneConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new FinetuneConfigError(file, '', '', code === 'ENOENT' ? 'no such file (paths are relative to the repository root)' : `cannot be read (${code ?? String(error)})`);
  }
  return parseFinetuneConfig(text, file);
}

/** An InputSource where an input left empty falls back to the config file's value; an input set explicitly wins. */
export function withConfigDefaults(source: InputSource, config: FinetuneConfig): InputSource {
  return (name) => {
    const explicit = source(name);
    if (explicit.trim() !== '') return explicit;
    return config.values[name] ?? explicit;
  };
}

/** The inputs a run took from the config file (set there and not explicitly). */
export function inputsFromConfig(source: InputSource, config: FinetuneConfig): string[] {
  return Object.keys(config.values).filter((name) => source(name).trim() === '');
}
