// Pure parts of a chat smoke test: request bodies per format, reading replies in every shape Azure returns, expectations, retry decisions, latency stats.

import { safeServiceText } from './serviceText.js';

export const SCORING_FORMATS = ['auto', 'aml-chat', 'openai-chat'] as const;
export type ScoringFormat = (typeof SCORING_FORMATS)[number];

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

export interface SmokeCase {
  readonly messages: readonly ChatMessage[];
  readonly contains?: readonly string[];
  readonly notContains?: readonly string[];
  readonly regex?: string;
  readonly maxLatencyMs?: number;
}

export interface GenerationParameters {
  readonly temperature: number;
  readonly maxNewTokens: number;
}

/** auto: openai-chat for a URI that already ends in /chat/completions or /v1, aml-chat otherwise (managed online /score). */
export function resolveFormat(format: ScoringFormat, scoringUri: string): Exclude<ScoringFormat, 'auto'> {
  if (format !== 'auto') return format;
  return /\/chat\/completions\/?$|\/v1\/?$/.test(scoringUri) || !/\/score\/?$/.test(scoringUri) ? 'openai-chat' : 'aml-chat';
}

export function requestFor(format: Exclude<ScoringFormat, 'auto'>, scoringUri: string, messages: readonly ChatMessage[], parameters: GenerationParameters): { url: string; body: unknown } {
  if (format === 'aml-chat') {
    return { url: scoringUri, body: { input_data: { input_string: messages, parameters: { temperature: parameters.temperature, max_new_tokens: parameters.maxNewTokens } } } };
  }
  const base = scoringUri.replace(/\/+$/, '');
  const url = /\/chat\/completions$/.test(base) ? base : /\/v1$/.test(base) ? `${base}/chat/completions` : `${base}/v1/chat/completions`;
  return { url, body: { messages, temperature: parameters.temperature, max_tokens: parameters.maxNewTokens } };
}

/**
 * The reply text, or why the answer is malformed. Accepts {"output": s}, [s], [{"0": s}], {"0": s} and OpenAI choices.
 * A malformed answer is quoted short, with `secrets` and anything shaped like a credential masked.
 */
export function readReply(format: Exclude<ScoringFormat, 'auto'>, body: unknown, secrets: readonly string[] = []): { reply: string } | { problem: string } {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  let reply: string | undefined;
  if (format === 'openai-chat') {
    const choices = (body as { choices?: { message?: { content?: unknown } }[] } | undefined)?.choices;
    reply = Array.isArray(choices) ? text(choices[0]?.message?.content) : undefined;
  } else if (Array.isArray(body)) {
    const first = body[0] as unknown;
    reply = text(first) ?? text((first as Record<string, unknown> | undefined)?.['0']) ?? text((first as Record<string, unknown> | undefined)?.output);
  } else if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    reply = text(record.output) ?? text(record['0']);
  } else {
    reply = text(body);
  }
  if (reply === undefined) {
    const raw = JSON.stringify(body);
    return { problem: `malformed answer: ${raw === undefined ? 'no body' : safeServiceText(raw, secrets, { messageOnly: false })}` };
  }
  if (reply.trim() === '') return { problem: 'empty answer' };
  return { reply };
}

/** Every expectation the reply or latency misses, in words. */
export function missedExpectations(testCase: SmokeCase, reply: string, latencyMs: number): string[] {
  const missed: string[] = [];
  const lower = reply.toLowerCase();
  for (const needle of testCase.contains ?? []) if (!lower.includes(needle.toLowerCase())) missed.push(`does not contain ${JSON.stringify(needle)}`);
  for (const needle of testCase.notContains ?? []) if (lower.includes(needle.toLowerCase())) missed.push(`contains ${JSON.stringify(needle)}`);
  if (testCase.regex !== undefined && !new RegExp(testCase.regex, 'i').test(reply)) missed.push(`does not match /${testCase.regex}/i`);
  if (testCase.maxLatencyMs !== undefined && latencyMs > testCase.maxLatencyMs) missed.push(`took ${latencyMs} ms, over ${testCase.maxLatencyMs} ms`);
  return missed;
}

/** Statuses a warming deployment answers: retry them with back-off. */
export const RETRYABLE_STATUSES: readonly number[] = [408, 429, 502, 503];

export function retryDelayMs(attempt: number, retryAfterSeconds: number | undefined): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds >= 0) return Math.min(retryAfterSeconds * 1000, 60_000);
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 30_000);
}

/** Nearest-rank percentile of latencies. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Cases from JSONL: one object per line with `messages` and optional `contains`, `not-contains`, `regex`, `max-latency-ms`. */
export function parseCases(text: string): { cases: SmokeCase[] } | { problem: string } {
  const cases: SmokeCase[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const where = `line ${index + 1}`;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { problem: `${where} is not JSON` };
    }
    const messages = value.messages;
    if (!Array.isArray(messages) || messages.length === 0 || messages.some((m) => typeof (m as ChatMessage)?.role !== 'string' || typeof (m as ChatMessage)?.content !== 'string')) {
      return { problem: `${where}: messages must be a non-empty list of {role, content}` };
    }
    const strings = (key: string): string[] | undefined => {
      const v = value[key];
      if (v === undefined) return undefined;
      if (typeof v === 'string') return [v];
      if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
      throw new Error(`${where}: ${key} must be a string or a list of strings`);
    };
    try {
      const regex = value.regex;
      if (regex !== undefined && typeof regex !== 'string') return { problem: `${where}: regex must be a string` };
      if (typeof regex === 'string') new RegExp(regex);
      const max = value['max-latency-ms'];
      if (max !== undefined && (typeof max !== 'number' || !(max > 0))) return { problem: `${where}: max-latency-ms must be a number > 0` };
      const contains = strings('contains');
      const notContains = strings('not-contains');
      cases.push({
        messages: messages as ChatMessage[],
        ...(contains ? { contains } : {}),
        ...(notContains ? { notContains } : {}),
        ...(typeof regex === 'string' ? { regex } : {}),
        ...(typeof max === 'number' ? { maxLatencyMs: max } : {}),
      });
    } catch (error) {
      return { problem: error instanceof Error ? error.message : String(error) };
    }
  }
  if (cases.length === 0) return { problem: 'no cases' };
  return { cases };
}
