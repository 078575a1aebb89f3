// Deterministic fault injection: rules that match requests by count, their effects, named presets, and loading them.

import { existsSync, readFileSync } from 'node:fs';
import type { HostKind, IncomingCall } from './httpKit.js';

export interface FaultMatch {
  /** HTTP method, or several joined by `|` (case-insensitive). */
  method?: string;
  /** Regular expression (case-insensitive) tested against the decoded path, without the query. */
  path?: string;
  /** `arm`, `entra`, `github` or `scoring`, or several joined by `|`. */
  host?: string;
  /** Header name -> regular expression its value must match; a missing header never matches. */
  headers?: Record<string, string>;
  /** Regular expression tested against the raw request body. */
  body?: string;
}

export interface FaultError {
  code: string;
  message: string;
}

export interface FaultRule {
  /** Shown in the recorded request (`faults`) and in errors about the rule. */
  name?: string;
  /** Expands to the named preset's rules; the other fields are ignored. */
  preset?: string;
  match?: FaultMatch;
  /** Let this many matching requests through untouched first (default 0). */
  after?: number;
  /** Then affect every Nth matching request (default 1: each one). */
  every?: number;
  /** Affect at most this many requests (default: no limit). */
  times?: number;
  /** Answer this instead of the emulator. */
  respond?: { status: number; headers?: Record<string, string>; body?: unknown };
  /** Destroy the socket: before the request is handled (true / "before") or after it was handled ("after"). */
  drop?: boolean | 'before' | 'after';
  /** Wait this many milliseconds before handling (combines with the other effects). */
  delay?: number;
  /** The long-running operation this request starts fails (with `error`) or never finishes. */
  lro?: { outcome: 'fail' | 'hang'; error?: FaultError };
  /** The job this request submits fails after running (with `error` and `logs` lines) or hangs in Running. */
  job?: { outcome: 'fail' | 'hang'; error?: FaultError; logs?: string[] };
  /** The online deployment this request creates or updates fails, with these container logs. */
  deployment?: { outcome: 'fail'; error?: FaultError; logs?: { InferenceServer?: string[]; StorageInitializer?: string[] } };
  /** Scoring: the model answers this text (an empty string is an empty answer). */
  reply?: { output: string };
}

/** What the rules that fired on one request ask for. */
export interface FaultEffects {
  names: string[];
  delayMs: number;
  respond?: NonNullable<FaultRule['respond']>;
  drop?: 'before' | 'after';
  lro?: NonNullable<FaultRule['lro']>;
  job?: NonNullable<FaultRule['job']>;
  deployment?: NonNullable<FaultRule['deployment']>;
  reply?: NonNullable<FaultRule['reply']>;
}

const throttled = {
  status: 429,
  headers: { 'Retry-After': '1' },
  body: { error: { code: 'TooManyRequests', message: 'The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:01:00. Retry after 1 second.' } },
};

/** Named rule sets, for `--fault <name>` and tests. */
export const faultPresets: Record<string, { description: string; rules: FaultRule[] }> = {
  'throttle-arm': {
    description: 'Every third Resource Manager request (after the first) answers 429 TooManyRequests with Retry-After: 1, six times.',
    rules: [{ name: 'throttle-arm', match: { host: 'arm' }, after: 1, every: 3, times: 6, respond: throttled }],
  },
  'flaky-arm': {
    description: 'The 3rd Resource Manager request answers 500, the 5th 503 with Retry-After: 1, the 7th has its connection dropped.',
    rules: [
      { name: 'flaky-arm-500', match: { host: 'arm' }, after: 2, times: 1, respond: { status: 500, body: { error: { code: 'InternalServerError', message: 'Encountered internal server error. Please try again.' } } } },
      { name: 'flaky-arm-503', match: { host: 'arm' }, after: 4, times: 1, respond: { status: 503, headers: { 'Retry-After': '1' }, body: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please retry.' } } } },
      { name: 'flaky-arm-drop', match: { host: 'arm' }, after: 6, times: 1, drop: 'before' },
    ],
  },
  'lro-fails': {
    description: 'Every long-running create/update (online endpoints, deployments, serverless endpoints, computes) ends Failed.',
    rules: [{ name: 'lro-fails', match: { method: 'PUT', host: 'arm', path: '/(onlineEndpoints|deployments|serverlessEndpoints|computes)/[^/]+$' }, lro: { outcome: 'fail' } }],
  },
  'lro-hangs': {
    description: 'Every long-running create/update stays Updating forever.',
    rules: [{ name: 'lro-hangs', match: { method: 'PUT', host: 'arm', path: '/(onlineEndpoints|deployments|serverlessEndpoints|computes)/[^/]+$' }, lro: { outcome: 'hang' } }],
  },
  'deployment-fails': {
    description: 'Every online deployment create/update ends Failed; its InferenceServer logs show CUDA out of memory.',
    rules: [
      {
        name: 'deployment-fails',
        match: { method: 'PUT', host: 'arm', path: '/onlineEndpoints/[^/]+/deployments/[^/]+$' },
        deployment: {
          outcome: 'fail',
          error: {
            code: 'ResourceNotReady',
            message: 'User container has crashed or terminated: Liveness probe failed. Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-resourcenotready',
          },
          logs: {
            InferenceServer: [
              'Loading model from /var/azureml-app/azureml-models/...',
              'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.77 GiB total capacity; 14.61 GiB already allocated; 312.00 MiB free)',
              'Worker exiting (pid: 42)',
              'Shutting down: Master',
            ],
          },
        },
      },
    ],
  },
  'smoke-test-fails': {
    description: 'Scoring that targets one deployment (azureml-model-deployment header), and serverless chat, answer a wrong reply.',
    rules: [
      { name: 'smoke-test-fails', match: { host: 'scoring', headers: { 'azureml-model-deployment': '.+' } }, reply: { output: "I'm sorry, I don't know." } },
      { name: 'smoke-test-fails-serverless', match: { host: 'scoring', path: '/chat/completions$' }, reply: { output: "I'm sorry, I don't know." } },
    ],
  },
  'job-fails': {
    description: 'Every submitted job runs, then ends Failed with a CUDA out-of-memory error and log lines.',
    rules: [
      {
        name: 'job-fails',
        match: { method: 'PUT', host: 'arm', path: '/jobs/[^/]+$' },
        job: {
          outcome: 'fail',
          error: { code: 'UserError', message: 'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB.' },
          logs: [
            'Epoch 1/1: step 10/120 loss=1.92',
            'Traceback (most recent call last):',
            '  File "finetune.py", line 211, in train_step',
            'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.50 GiB.',
          ],
        },
      },
    ],
  },
  'job-hangs': {
    description: 'Every submitted job stays Running until canceled.',
    rules: [{ name: 'job-hangs', match: { method: 'PUT', host: 'arm', path: '/jobs/[^/]+$' }, job: { outcome: 'hang' } }],
  },
  'scoring-5xx': {
    description: 'Every scoring request answers 500.',
    rules: [{ name: 'scoring-5xx', match: { host: 'scoring' }, respond: { status: 500, body: { message: 'An unexpected error occurred in scoring script. Check the logs for more info.' } } }],
  },
  'scoring-warmup': {
    description: 'The first two scoring requests answer 503 (a deployment warming up), then scoring works.',
    rules: [{ name: 'scoring-warmup', match: { host: 'scoring' }, times: 2, respond: { status: 503, headers: { 'Retry-After': '1' }, body: { message: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure' } } }],
  },
  'scoring-empty': {
    description: 'Every scoring request answers an empty reply.',
    rules: [{ name: 'scoring-empty', match: { host: 'scoring' }, reply: { output: '' } }],
  },
  'role-assignment-forbidden': {
    description: 'Role assignment writes answer 403 AuthorizationFailed, as for a principal that is not Owner / User Access Administrator.',
    rules: [
      {
        name: 'role-assignment-forbidden',
        match: { method: 'PUT', host: 'arm', path: '/providers/Microsoft.Authorization/roleAssignments/[^/]+$' },
        respond: {
          status: 403,
          body: {
            error: {
              code: 'AuthorizationFailed',
              message: "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over the scope or the scope is invalid. If access was recently granted, please refresh your credentials.",
            },
          },
        },
      },
    ],
  },
};

const hostKinds = new Set<HostKind>(['arm', 'entra', 'github', 'scoring']);

/** Reads rules from a list, preset names (comma-separated), inline JSON, or a JSON file, and expands presets. */
export function loadFaultRules(spec: FaultRule[] | string | undefined): FaultRule[] {
  if (spec === undefined) return [];
  if (Array.isArray(spec)) return expand(spec);
  const text = spec.trim();
  if (text === '') return [];
  if (text.startsWith('[') || text.startsWith('{')) return expand(asRules(JSON.parse(text), 'inline fault JSON'));
  const names = text.split(',').map((n) => n.trim());
  if (names.every((n) => n in faultPresets)) return expand(names.map((preset) => ({ preset })));
  if (!existsSync(text)) {
    throw new Error(`faults: "${text}" is neither a preset (${Object.keys(faultPresets).join(', ')}), inline JSON, nor an existing file`);
  }
  return expand(asRules(JSON.parse(readFileSync(text, 'utf8')), text));
}

function asRules(value: unknown, source: string): FaultRule[] {
  if (Array.isArray(value)) return value as FaultRule[];
  if (typeof value === 'object' && value !== null) {
    const rules = (value as { rules?: unknown }).rules;
    return Array.isArray(rules) ? (rules as FaultRule[]) : [value as FaultRule];
  }
  throw new Error(`faults: ${source} must hold a rule, a list of rules, or {"rules": [...]}`);
}

function expand(rules: FaultRule[]): FaultRule[] {
  const out: FaultRule[] = [];
  for (const rule of rules) {
    if (rule.preset !== undefined) {
      const preset = faultPresets[rule.preset];
      if (!preset) throw new Error(`faults: unknown preset "${rule.preset}"; presets: ${Object.keys(faultPresets).join(', ')}`);
      out.push(...structuredClone(preset.rules));
    } else {
      validateRule(rule);
      out.push(rule);
    }
  }
  return out;
}

function validateRule(rule: FaultRule): void {
  const label = `fault rule ${rule.name ?? JSON.stringify(rule.match ?? {})}`;
  const effects = [rule.respond, rule.drop, rule.delay, rule.lro, rule.job, rule.deployment, rule.reply].filter((e) => e !== undefined);
  if (effects.length === 0) throw new Error(`${label}: needs an effect (respond, drop, delay, lro, job, deployment or reply)`);
  if (rule.respond && !Number.isInteger(rule.respond.status)) throw new Error(`${label}: respond.status must be an integer`);
  for (const host of rule.match?.host?.split('|') ?? []) {
    if (!hostKinds.has(host.trim() as HostKind)) throw new Error(`${label}: match.host "${host}" is not one of arm, entra, github, scoring`);
  }
  for (const pattern of [rule.match?.path, rule.match?.body, ...Object.values(rule.match?.headers ?? {})]) {
    if (pattern !== undefined) new RegExp(pattern, 'i');
  }
  for (const [field, value] of [['after', rule.after], ['every', rule.every], ['times', rule.times]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < (field === 'every' ? 1 : 0))) throw new Error(`${label}: ${field} must be a whole number`);
  }
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  applied: number;
}

/** Applies rules in order; every rule keeps its own count of matching requests, so outcomes are exact. */
export class FaultEngine {
  private rules: ActiveRule[] = [];

  constructor(rules: FaultRule[]) {
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): void {
    for (const r of expand([rule])) this.rules.push({ rule: r, seen: 0, applied: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  get size(): number {
    return this.rules.length;
  }

  evaluate(call: IncomingCall): FaultEffects {
    const effects: FaultEffects = { names: [], delayMs: 0 };
    for (const active of this.rules) {
      if (!matches(active.rule.match, call)) continue;
      active.seen += 1;
      const { after = 0, every = 1, times = Number.POSITIVE_INFINITY } = active.rule;
      const position = active.seen - after;
      if (position <= 0 || position % every !== 0 || active.applied >= times) continue;
      active.applied += 1;
      const rule = active.rule;
      effects.names.push(rule.name ?? `rule ${this.rules.indexOf(active) + 1}`);
      effects.delayMs += rule.delay ?? 0;
      if (rule.drop !== undefined && rule.drop !== false && !effects.respond && !effects.drop) {
        effects.drop = rule.drop === 'after' ? 'after' : 'before';
      }
      if (rule.respond && !effects.respond && effects.drop !== 'before') effects.respond = rule.respond;
      effects.lro ??= rule.lro;
      effects.job ??= rule.job;
      effects.deployment ??= rule.deployment;
      effects.reply ??= rule.reply;
    }
    return effects;
  }
}

function matches(match: FaultMatch | undefined, call: IncomingCall): boolean {
  if (!match) return true;
  if (match.method && !match.method.toUpperCase().split('|').map((m) => m.trim()).includes(call.method)) return false;
  if (match.host && !match.host.split('|').map((h) => h.trim()).includes(call.host)) return false;
  if (match.path && !new RegExp(match.path, 'i').test(call.path)) return false;
  if (match.body && !new RegExp(match.body, 'i').test(call.rawBody.toString('utf8'))) return false;
  for (const [name, pattern] of Object.entries(match.headers ?? {})) {
    const value = call.headers[name.toLowerCase()];
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text === undefined || !new RegExp(pattern, 'i').test(text)) return false;
  }
  return true;
}
