// Reads and checks the dataset action's inputs before anything is read or written.

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CHAT_MODELS, DEFAULT_CHAT_MODEL, findChatModel, type ChatModel } from './chatModels.js';
import { parseSignInInputs, type SignInInputs } from '../azure/signInInputs.js';
import { isValidAssetName, sanitizeAssetName } from './uploadDataset.js';
import { booleanInput, choiceInput, InputError, inputsFromRecord, integerInput, numberInput, optionalString, requiredString, type InputSource } from '../inputs/parseInputs.js';

export interface DatasetInputs {
  readonly trainFile: string;
  readonly validationFile?: string;
  readonly model: ChatModel;
  readonly maxTokens: number;
  readonly minExamples: number;
  readonly strict: boolean;
  readonly maxAnnotations: number;
  /** False: examples whose size proves them under the limit are not tokenized (statistics become bounds). */
  readonly exactTokens: boolean;
  readonly validationSplit?: number;
  readonly seed: number;
  /** Set when upload is true: where to upload, and as what. */
  readonly upload?: UploadInputs;
  readonly prComment: 'auto' | 'true' | 'false';
  readonly githubToken?: string;
}

export interface UploadInputs {
  readonly signIn: SignInInputs;
  readonly dataName: string;
  readonly datastore: string;
}

export const DEFAULT_SEED = 42;
export const DEFAULT_DATASTORE = 'workspaceblobstore';

function parseUploadInputs(source: InputSource, env: NodeJS.ProcessEnv): UploadInputs {
  const signIn = parseSignInInputs(source, env);
  const repository = env.GITHUB_REPOSITORY?.split('/')[1];
  const dataName = optionalString(source, 'data-name') ?? sanitizeAssetName(`${repository ?? 'amlft'}-chat`);
  if (!isValidAssetName(dataName)) {
    throw new InputError('data-name', dataName, 'expected letters, digits, hyphens, underscores or periods, starting with a letter or digit (the assets are <data-name>-train and <data-name>-validation)');
  }
  const datastore = optionalString(source, 'datastore') ?? DEFAULT_DATASTORE;
  if (!/^[a-zA-Z0-9_]{1,255}$/.test(datastore)) throw new InputError('datastore', datastore, 'expected a datastore name: letters, digits and underscores');
  return { signIn, dataName, datastore };
}

export function parseDatasetInputs(source: InputSource, env: NodeJS.ProcessEnv = {}): DatasetInputs {
  const trainFile = requiredString(source, 'train-file');
  const validationFile = optionalString(source, 'validation-file');
  const modelName = optionalString(source, 'model') ?? DEFAULT_CHAT_MODEL;
  const model = findChatModel(modelName);
  if (model === undefined) {
    throw new InputError('model', modelName, `allowed: ${CHAT_MODELS.map((m) => m.id).join(', ')}`);
  }
  const maxTokens = integerInput(source, 'max-tokens', { min: 16, max: model.contextTokens }) ?? model.contextTokens;
  const minExamples = integerInput(source, 'min-examples', { default: 10, min: 1 });
  const strict = booleanInput(source, 'strict', false);
  const maxAnnotations = integerInput(source, 'max-annotations', { default: 50, min: 0, max: 1000 });
  const exactTokens = booleanInput(source, 'exact-tokens', true);
  const validationSplit = numberInput(source, 'validation-split', { above: 0, below: 1 });
  if (validationSplit !== undefined && validationFile !== undefined) {
    throw new InputError('validation-split', String(validationSplit), 'it only applies when no validation-file is given; remove one of the two');
  }
  const seed = integerInput(source, 'seed', { default: DEFAULT_SEED, min: 0, max: 2 ** 31 - 1 });
  const upload = booleanInput(source, 'upload', false) ? parseUploadInputs(source, env) : undefined;
  const prComment = choiceInput(source, 'pr-comment', ['auto', 'true', 'false'] as const, 'auto');
  const githubToken = optionalString(source, 'github-token');
  return {
    trainFile,
    ...(validationFile !== undefined ? { validationFile } : {}),
    model,
    maxTokens,
    minExamples,
    strict,
    maxAnnotations,
    exactTokens,
    ...(validationSplit !== undefined ? { validationSplit } : {}),
    seed,
    ...(upload !== undefined ? { upload } : {}),
    prComment,
    ...(githubToken !== undefined ? { githubToken } : {}),
  };
}

/** Fails with the input's name unless `path` is a readable regular file. Returns the absolute path. */
export async function checkDatasetFile(input: string, path: string, cwd = process.cwd()): Promise<string> {
  const absolute = resolve(cwd, path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(input, path, `no such file (paths are relative to ${cwd}); give the path of a .jsonl file in the repository`);
    if (code === 'EACCES') throw new InputError(input, path, 'the file cannot be read (permission denied)');
    throw new InputError(input, path, `the file cannot be read (${code ?? 'unknown error'})`);
  }
  if (info.isDirectory()) throw new InputError(input, path, 'it is a directory; give the path of a .jsonl file');
  if (!info.isFile()) throw new InputError(input, path, 'it is not a regular file; give the path of a .jsonl file');
  return absolute;
}

/**
 * AMLFT_DATASET_WORKERS: how many worker threads validate a file (0: none). Unset: chosen by file
 * size and cores. A tuning and testing knob, not an action input.
 */
export function workersFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.AMLFT_DATASET_WORKERS?.trim();
  if (raw === undefined || raw === '') return undefined;
  return integerInput(inputsFromRecord({ AMLFT_DATASET_WORKERS: raw }), 'AMLFT_DATASET_WORKERS', { min: 0, max: 64 });
}
