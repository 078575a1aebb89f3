// The smoke-test action's inputs, read once and checked before any request.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSignInInputs, type SignInInputs } from '../azure/signInInputs.js';
import { choiceInput, InputError, integerInput, numberInput, optionalString, type InputSource } from '../inputs/parseInputs.js';
import { parseCases, SCORING_FORMATS, type ScoringFormat, type SmokeCase } from './chatScoring.js';

export interface SmokeTestInputs {
  /** Workspace endpoint (key from listKeys); absent with scoring-uri + api-key. */
  readonly signIn?: SignInInputs;
  readonly endpoint?: string;
  /** `online`: a managed online endpoint; `serverless`: a serverless (models-as-a-service) endpoint. */
  readonly target: SmokeTarget;
  readonly deployment?: string;
  readonly scoringUri?: string;
  readonly apiKey?: string;
  readonly format: ScoringFormat;
  readonly cases: SmokeCase[];
  readonly temperature: number;
  readonly maxNewTokens: number;
  readonly requests: number;
  readonly timeoutSeconds: number;
}

export const SMOKE_TARGETS = ['online', 'serverless'] as const;
export type SmokeTarget = (typeof SMOKE_TARGETS)[number];

export const DEFAULT_PROMPT = 'Who founded Microsoft?';

export function parseSmokeTestInputs(source: InputSource, env: NodeJS.ProcessEnv, cwd = env.GITHUB_WORKSPACE ?? process.cwd()): SmokeTestInputs {
  const endpoint = optionalString(source, 'endpoint');
  const scoringUri = optionalString(source, 'scoring-uri');
  const apiKey = optionalString(source, 'api-key');
  if (endpoint === undefined && scoringUri === undefined) throw new InputError('endpoint', '', "give 'endpoint' (in the workspace) or 'scoring-uri' with 'api-key'");
  if (endpoint !== undefined && scoringUri !== undefined) throw new InputError('scoring-uri', scoringUri, "give either 'endpoint' or 'scoring-uri', not both");
  if (scoringUri !== undefined && apiKey === undefined) throw new InputError('api-key', '', "it is required with 'scoring-uri'");
  if (scoringUri !== undefined && !/^https?:\/\//.test(scoringUri)) throw new InputError('scoring-uri', scoringUri, 'expected an https:// URL');
  const target = choiceInput(source, 'target', SMOKE_TARGETS, 'online');
  const deployment = optionalString(source, 'deployment');
  if (target === 'serverless' && endpoint === undefined) throw new InputError('target', target, "'serverless' needs 'endpoint' (the serverless endpoint's name in the workspace)");
  if (target === 'serverless' && deployment !== undefined) throw new InputError('deployment', deployment, 'a serverless endpoint has no deployments; leave it empty with target: serverless');
  const casesFile = optionalString(source, 'cases-file');
  let cases: SmokeCase[];
  if (casesFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(resolve(cwd, casesFile), 'utf8');
    } catch {
      throw new InputError('cases-file', casesFile, 'the file cannot be read');
    }
    const parsed = parseCases(text);
    if ('problem' in parsed) throw new InputError('cases-file', casesFile, parsed.problem);
    cases = parsed.cases;
  } else {
    const expected = optionalString(source, 'expect-contains');
    cases = [{ messages: [{ role: 'user', content: optionalString(source, 'prompt') ?? DEFAULT_PROMPT }], ...(expected ? { contains: [expected] } : {}) }];
  }
  return {
    ...(endpoint !== undefined ? { signIn: parseSignInInputs(source, env), endpoint } : {}),
    target,
    ...(deployment !== undefined ? { deployment } : {}),
    ...(scoringUri !== undefined ? { scoringUri } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    format: choiceInput(source, 'format', SCORING_FORMATS, 'auto'),
    cases,
    temperature: numberInput(source, 'temperature', { default: 0.7, min: 0, max: 2 }),
    maxNewTokens: integerInput(source, 'max-new-tokens', { default: 128, min: 1, max: 4096 }),
    requests: integerInput(source, 'requests', { default: 1, min: 1, max: 100 }),
    timeoutSeconds: integerInput(source, 'timeout-seconds', { default: 600, min: 1, max: 3600 }),
  };
}
