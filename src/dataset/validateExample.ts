// Checks one parsed JSONL example against the chat format of a model: pure, no IO.

import type { CheckId } from './checks.js';
import { EXAMPLE_OVERHEAD_TOKENS, NEWLINE_TOKENS, type ChatModel } from './chatModels.js';
import { findSecret, findTemplateToken } from './contentScanners.js';
import type { Fingerprint } from './exampleIndex.js';
import type { ExampleMeter } from './exampleMeter.js';

const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'weight', 'tool_calls', 'tool_call_id', 'function_call']);
const TOP_LEVEL_KEYS = new Set(['messages', 'prompt', 'prompt_id']);
const TOOL_TOP_LEVEL_KEYS = new Set(['tools', 'functions', 'parallel_tool_calls']);
const TOOL_ROLES = ['tool', 'function'];

export interface ExampleContext {
  readonly model: ChatModel;
  /** Token limit per example (the model's context, or the `max-tokens` override). */
  readonly maxTokens: number;
  /** Counts each content's tokens ("\n" + content, see chatModels.ts) and fingerprints the example. */
  readonly meter: ExampleMeter;
  /**
   * When false, examples whose size already proves them under the limit are not tokenized
   * (their token counts are then upper bounds, flagged by `exactTokens: false`).
   */
  readonly exactTokens: boolean;
  /** Byte length of the line the example came from, for the no-tokenize bound. */
  readonly lineBytes: number;
  readonly report: (check: CheckId, message: string) => void;
}

export interface ExampleFacts {
  readonly messages: number;
  readonly tokens: number;
  readonly assistantTokens: number;
  readonly exactTokens: boolean;
  readonly roles: ReadonlyMap<string, number>;
  /** The conversation's fingerprint (contents, roles, names, weights, tool calls), for duplicates and overlap. */
  readonly fingerprint: Fingerprint;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}

/** Shows a user-supplied key or value safely: bounded, escaped, on one line. */
export function quote(text: string, max = 40): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON of a value nested at most `depth` deep; deeper values render as a marker instead of overflowing the stack. */
function boundedJson(value: unknown, depth = 32): string {
  if (depth === 0) return '"…"';
  if (Array.isArray(value)) return `[${value.map((item) => boundedJson(item, depth - 1)).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${boundedJson(value[key], depth - 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Validates one example, reporting every finding through `context.report`. Returns the facts the
 * dataset statistics need, or undefined when the example is too broken to measure.
 */
export function validateExample(value: unknown, context: ExampleContext): ExampleFacts | undefined {
  const { model, report } = context;
  if (!isPlainObject(value)) {
    report('not-an-object', `the line is ${typeName(value)}; each line must be a JSON object like {"messages": [...]}`);
    return undefined;
  }
  const topLevelAllowed = (key: string) => TOP_LEVEL_KEYS.has(key) || (model.tools && TOOL_TOP_LEVEL_KEYS.has(key));
  for (const key of Object.keys(value)) {
    if (!topLevelAllowed(key)) {
      report('top-level-key-unknown', `unknown key ${quote(key)} next to "messages" is ignored by fine-tuning`);
    }
  }
  if (!Object.hasOwn(value, 'messages')) {
    report('messages-missing', 'no "messages" key; each example needs {"messages": [{"role": ..., "content": ...}, ...]}');
    return undefined;
  }
  const messages = value.messages;
  if (!Array.isArray(messages)) {
    report('messages-not-array', `"messages" is ${typeName(messages)}; it must be an array of {"role", "content"} objects`);
    return undefined;
  }
  if (messages.length === 0) {
    report('messages-empty', '"messages" is empty; an example needs at least a user and an assistant message');
    return undefined;
  }

  // Tokens: see chatModels.ts for the template arithmetic.
  const templateTokens = EXAMPLE_OVERHEAD_TOKENS + messages.length * (2 + NEWLINE_TOKENS);
  // Every character costs at most its UTF-8 bytes in tokens, and JSON never encodes content in fewer
  // bytes than its UTF-8 form, so this bound holds without tokenizing.
  const bound = templateTokens + context.lineBytes + 2 * messages.length;
  const exact = context.exactTokens || bound > context.maxTokens;
  const { meter } = context;
  meter.begin();

  const allowedRoles = model.tools ? [...model.roles, ...TOOL_ROLES] : model.roles;
  const roles = new Map<string, number>();
  const perMessageWarningBudget = { consecutive: true, weight: true, template: true, secret: true, long: true };
  let measurable = true;
  let hasAssistant = false;
  let firstDialogRole: string | undefined;
  let previousRole: string | undefined;
  let lastRole: string | undefined;
  const contentTokens: number[] = [];
  const contentRoles: string[] = [];

  for (let index = 0; index < messages.length; index++) {
    const message: unknown = messages[index];
    const where = `message ${index + 1}`;
    if (!isPlainObject(message)) {
      report('message-not-object', `${where} is ${typeName(message)}; each message must be an object with "role" and "content"`);
      measurable = false;
      continue;
    }
    for (const key of Object.keys(message)) {
      if (!MESSAGE_KEYS.has(key)) {
        report('message-key-unknown', `${where} has unknown key ${quote(key)}; allowed keys: ${[...MESSAGE_KEYS].join(', ')}`);
      }
    }

    let role: string | undefined;
    if (!Object.hasOwn(message, 'role')) {
      report('role-missing', `${where} has no "role"; use one of ${allowedRoles.join(', ')}`);
      measurable = false;
    } else if (typeof message.role !== 'string' || !allowedRoles.includes(message.role)) {
      const shown = typeof message.role === 'string' ? quote(message.role) : typeName(message.role);
      const extra = !model.tools && typeof message.role === 'string' && TOOL_ROLES.includes(message.role)
        ? ` (${model.id} has no tool calling)`
        : '';
      report('role-invalid', `${where} has role ${shown}${extra}; ${model.id} allows ${allowedRoles.join(', ')}`);
      measurable = false;
    } else {
      role = message.role;
      roles.set(role, (roles.get(role) ?? 0) + 1);
    }

    const hasToolCall = Object.hasOwn(message, 'tool_calls') || Object.hasOwn(message, 'function_call');
    let content = '';
    if (!Object.hasOwn(message, 'content')) {
      if (!(role === 'assistant' && hasToolCall)) {
        report('content-missing', `${where} has no "content"; every message needs a string "content"`);
        measurable = false;
      }
    } else if (message.content === null) {
      if (!(role === 'assistant' && hasToolCall)) {
        report('content-not-string', `${where} has null "content"; null is only allowed on an assistant message with tool_calls`);
        measurable = false;
      }
    } else if (typeof message.content !== 'string') {
      report('content-not-string', `${where} has "content" that is ${typeName(message.content)}; it must be a string`);
      measurable = false;
    } else {
      content = message.content;
      if (content.trim() === '') {
        report('content-empty', `${where}${role ? ` (${role})` : ''} has empty or whitespace-only "content"`);
      }
    }

    if (Object.hasOwn(message, 'weight')) {
      if (message.weight !== 0 && message.weight !== 1) {
        const shown = typeof message.weight === 'number' ? String(message.weight) : typeName(message.weight);
        report('weight-invalid', `${where} has weight ${shown}; weight must be 0 (do not learn from it) or 1`);
      } else if (role !== undefined && role !== 'assistant' && perMessageWarningBudget.weight) {
        perMessageWarningBudget.weight = false;
        report('weight-not-assistant', `${where} (${role}) has a weight; only assistant messages are weighted`);
      }
    }

    contentTokens.push(meter.content(content, exact));
    if (content !== '') {
      const markers = meter.markers();
      const token = perMessageWarningBudget.template ? findTemplateToken(content, markers) : undefined;
      if (token !== undefined) {
        perMessageWarningBudget.template = false;
        report('chat-template-token', `${where} contains the literal chat-template token ${token}; the model will read it as a control token`);
      }
      const secret = perMessageWarningBudget.secret ? findSecret(content, markers) : undefined;
      if (secret !== undefined) {
        perMessageWarningBudget.secret = false;
        report('possible-secret', `${where} looks like it contains a ${secret.kind} at character ${secret.offset + 1}; remove credentials from training data`);
      }
    }

    if (role !== undefined) {
      if (role === 'assistant') hasAssistant = true;
      if (firstDialogRole === undefined && role !== 'system') firstDialogRole = role;
      if (role === previousRole && perMessageWarningBudget.consecutive) {
        perMessageWarningBudget.consecutive = false;
        report('consecutive-same-role', `messages ${index} and ${index + 1} are both from ${role}; turns usually alternate`);
      }
      previousRole = role;
      lastRole = role;
    }
    contentRoles.push(role ?? '');
    meter.field(`${role ?? ''}\u0000${typeof message.name === 'string' ? message.name : ''}\u0000${
      typeof message.weight === 'number' ? message.weight : ''
    }\u0000${hasToolCall || Object.hasOwn(message, 'tool_call_id') ? boundedJson([message.tool_calls, message.function_call, message.tool_call_id]) : ''}`);
  }

  if (measurable) {
    if (!hasAssistant) {
      report('no-assistant-message', 'no assistant message; there is nothing for the model to learn');
    } else if (firstDialogRole === 'assistant') {
      report('starts-with-assistant', 'the conversation starts with an assistant message; it must start with a user (or system then user) message');
    }
    if (hasAssistant && lastRole !== 'assistant') {
      report('last-not-assistant', `the last message is from ${lastRole}; the turn after it is never learned`);
    }
  }
  if (!measurable) return undefined;

  let tokens = templateTokens;
  let assistantTokens = 0;
  if (exact) {
    for (let index = 0; index < contentTokens.length; index++) {
      const messageTokens = contentTokens[index]!;
      tokens += messageTokens;
      if (contentRoles[index] === 'assistant') assistantTokens += messageTokens;
      if (messageTokens * 2 > context.maxTokens && perMessageWarningBudget.long && messageTokens <= context.maxTokens) {
        perMessageWarningBudget.long = false;
        report('content-very-long', `message ${index + 1} alone uses ${messageTokens.toLocaleString('en-US')} of the ${context.maxTokens.toLocaleString('en-US')} tokens an example may use`);
      }
    }
    if (tokens > context.maxTokens) {
      report('too-many-tokens', `the example has ${tokens.toLocaleString('en-US')} tokens; ${model.id} takes at most ${context.maxTokens.toLocaleString('en-US')} (shorten it, split it, or pick a longer-context model)`);
    }
  } else {
    tokens = bound;
  }
  return { messages: messages.length, tokens, assistantTokens, exactTokens: exact, roles, fingerprint: meter.end() };
}
