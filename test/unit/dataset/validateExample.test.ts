import { describe, expect, it } from 'vitest';
import type { CheckId } from '../../../src/dataset/checks.js';
import { findChatModel, type ChatModel } from '../../../src/dataset/chatModels.js';
import { createExampleMeter } from '../../../src/dataset/exampleMeter.js';
import { validateExample, type ExampleFacts } from '../../../src/dataset/validateExample.js';

const phi3 = findChatModel('phi-3-mini-4k-instruct')!;
const toolModel: ChatModel = { ...phi3, id: 'tool-model', tools: true };

interface Run {
  findings: { check: CheckId; message: string }[];
  facts: ExampleFacts | undefined;
}

// A stand-in tokenizer (one token per character) keeps these tests about the checks, not the vocabulary.
function run(value: unknown, options: { model?: ChatModel; maxTokens?: number; exactTokens?: boolean; lineBytes?: number } = {}): Run {
  const findings: Run['findings'] = [];
  const facts = validateExample(value, {
    model: options.model ?? phi3,
    maxTokens: options.maxTokens ?? 4096,
    meter: createExampleMeter({ countTokens: (text) => text.length }),
    exactTokens: options.exactTokens ?? true,
    lineBytes: options.lineBytes ?? JSON.stringify(value)?.length ?? 0,
    report: (check, message) => findings.push({ check, message }),
  });
  return { findings, facts };
}

const checksOf = (value: unknown, options?: Parameters<typeof run>[1]) => run(value, options).findings.map((f) => f.check);

const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });
const good = { messages: [user('Who founded Microsoft?'), assistant('Bill Gates and Paul Allen.')] };

describe('validateExample: a clean example', () => {
  it('has no findings and counts tokens with the template', () => {
    const { findings, facts } = run(good);
    expect(findings).toEqual([]);
    // 2 (<s>, <|endoftext|>) + 2 messages x (role + <|end|> + 2 for "\n") + content ("\n" + text, 1 token per char here)
    expect(facts?.tokens).toBe(2 + 2 * 4 + ('\nWho founded Microsoft?'.length + '\nBill Gates and Paul Allen.'.length));
    expect(facts?.assistantTokens).toBe('\nBill Gates and Paul Allen.'.length);
    expect(facts?.messages).toBe(2);
    expect(Object.fromEntries(facts!.roles)).toEqual({ user: 1, assistant: 1 });
  });

  it('accepts the ultrachat_200k keys prompt and prompt_id and a system message', () => {
    expect(checksOf({ prompt: 'x', prompt_id: 'abc', messages: [{ role: 'system', content: 'Be brief.' }, ...good.messages] })).toEqual([]);
  });
});

// Each check: an example that triggers it, and a near twin that does not.
const cases: { check: CheckId; bad: unknown; fine: unknown; model?: ChatModel; maxTokens?: number; expect?: RegExp }[] = [
  { check: 'not-an-object', bad: ['messages'], fine: good, expect: /an array/ },
  { check: 'not-an-object', bad: 'text', fine: good, expect: /a string/ },
  { check: 'messages-missing', bad: { conversation: good.messages }, fine: good },
  { check: 'messages-not-array', bad: { messages: { role: 'user' } }, fine: good, expect: /an object/ },
  { check: 'messages-empty', bad: { messages: [] }, fine: good },
  { check: 'message-not-object', bad: { messages: [user('hi'), 'assistant: hello'] }, fine: good, expect: /message 2 is a string/ },
  { check: 'role-missing', bad: { messages: [{ content: 'hi' }, assistant('hello')] }, fine: good, expect: /message 1 has no "role"/ },
  { check: 'role-invalid', bad: { messages: [{ role: 'human', content: 'hi' }, assistant('hello')] }, fine: good, expect: /"human".*allows system, user, assistant/ },
  { check: 'role-invalid', bad: { messages: [user('hi'), { role: 'tool', content: 'x' }, assistant('hello')] }, fine: good, expect: /no tool calling/ },
  { check: 'role-invalid', bad: { messages: [{ role: 7, content: 'hi' }, assistant('hello')] }, fine: good, expect: /a number/ },
  { check: 'content-missing', bad: { messages: [{ role: 'user' }, assistant('hello')] }, fine: good },
  { check: 'content-not-string', bad: { messages: [user(['hi']), assistant('hello')] }, fine: good, expect: /an array/ },
  { check: 'content-not-string', bad: { messages: [user(null), assistant('hello')] }, fine: good, expect: /null is only allowed/ },
  { check: 'content-empty', bad: { messages: [user('  \n\t'), assistant('hello')] }, fine: good },
  { check: 'message-key-unknown', bad: { messages: [{ ...user('hi'), speaker: 'bob' }, assistant('hello')] }, fine: { messages: [{ ...user('hi'), name: 'bob' }, assistant('hello')] }, expect: /"speaker"/ },
  { check: 'weight-invalid', bad: { messages: [user('hi'), { ...assistant('hello'), weight: 0.5 }] }, fine: { messages: [user('hi'), { ...assistant('hello'), weight: 0 }] }, expect: /weight 0.5/ },
  { check: 'weight-invalid', bad: { messages: [user('hi'), { ...assistant('hello'), weight: '1' }] }, fine: good, expect: /a string/ },
  { check: 'weight-not-assistant', bad: { messages: [{ ...user('hi'), weight: 1 }, assistant('hello')] }, fine: good },
  { check: 'no-assistant-message', bad: { messages: [user('hi'), user('anyone?')] }, fine: good },
  { check: 'starts-with-assistant', bad: { messages: [assistant('Hello!'), user('hi'), assistant('hello')] }, fine: good },
  { check: 'starts-with-assistant', bad: { messages: [{ role: 'system', content: 's' }, assistant('Hello!'), user('hi'), assistant('hello')] }, fine: good },
  { check: 'too-many-tokens', bad: { messages: [user('x'.repeat(100)), assistant('y')] }, fine: { messages: [user('x'.repeat(20)), assistant('y')] }, maxTokens: 64, expect: /has 1\d\d tokens; phi-3-mini-4k-instruct takes at most 64/ },
  { check: 'top-level-key-unknown', bad: { ...good, id: 3 }, fine: { ...good, prompt_id: 'x' }, expect: /"id"/ },
  { check: 'consecutive-same-role', bad: { messages: [user('hi'), user('again'), assistant('hello')] }, fine: good, expect: /messages 1 and 2 are both from user/ },
  { check: 'last-not-assistant', bad: { messages: [user('hi'), assistant('hello'), user('bye')] }, fine: good },
  { check: 'chat-template-token', bad: { messages: [user('hi<|end|>'), assistant('hello')] }, fine: { messages: [user('hi <end>'), assistant('hello')] }, expect: /<\|end\|>/ },
  { check: 'possible-secret', bad: { messages: [user('key: AKIAIOSFODNN7EXAMPLE please'), assistant('hello')] }, fine: { messages: [user('key: AKIA-what?'), assistant('hello')] }, expect: /AWS access key id at character 6/ },
  { check: 'content-very-long', bad: { messages: [user('x'.repeat(40)), assistant('y')] }, fine: { messages: [user('x'.repeat(20)), assistant('y')] }, maxTokens: 64 },
];

describe.each(cases)('check $check', ({ check, bad, fine, model, maxTokens, expect: pattern }) => {
  it('finds the problem', () => {
    const { findings } = run(bad, { ...(model ? { model } : {}), ...(maxTokens ? { maxTokens } : {}) });
    const hit = findings.find((f) => f.check === check);
    expect(hit, JSON.stringify(findings)).toBeDefined();
    if (pattern) expect(hit!.message).toMatch(pattern);
  });
  it('passes its fixed twin', () => {
    expect(checksOf(fine, { ...(model ? { model } : {}), ...(maxTokens ? { maxTokens } : {}) })).not.toContain(check);
  });
});

describe('validateExample: tool calling', () => {
  const toolCall = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] };
  it('allows null content next to tool_calls and tool messages when the format has tools', () => {
    const value = { messages: [user('weather?'), toolCall, { role: 'tool', tool_call_id: 'c1', content: 'sunny' }, assistant('It is sunny.')] };
    expect(checksOf(value, { model: toolModel })).toEqual([]);
  });
  it('still rejects null content without tool_calls', () => {
    expect(checksOf({ messages: [user('hi'), assistant(null)] }, { model: toolModel })).toContain('content-not-string');
  });
});

describe('validateExample: hostile input', () => {
  it('treats __proto__ and constructor as plain unknown keys without touching prototypes', () => {
    const value = JSON.parse('{"messages":[{"role":"user","content":"hi","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}},{"role":"assistant","content":"hello"}],"__proto__":{"polluted":true}}');
    const { findings } = run(value);
    expect(findings.filter((f) => f.check === 'message-key-unknown').map((f) => f.message).join(' ')).toMatch(/"__proto__".*"constructor"/);
    expect(findings.some((f) => f.check === 'top-level-key-unknown' && /__proto__/.test(f.message))).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
  it('does not read role or content from the prototype chain', () => {
    const value = JSON.parse('{"messages":[{"__proto__":{"role":"user","content":"hi"}},{"role":"assistant","content":"x"}]}');
    expect(checksOf(value)).toEqual(expect.arrayContaining(['role-missing', 'content-missing']));
  });
  it('survives deeply nested tool_calls', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const value = { messages: [user('hi'), { role: 'assistant', content: 'x', tool_calls: deep }] };
    expect(() => run(value, { lineBytes: 200_000 })).not.toThrow();
  });
  it('bounds what it echoes of a huge unknown key', () => {
    const { findings } = run({ messages: [{ ...user('hi'), ['k'.repeat(10_000)]: 1 }, assistant('x')] });
    expect(findings[0]!.message.length).toBeLessThan(300);
  });
  it('never echoes a secret it found', () => {
    const secret = 'ghp_' + 'a1B2'.repeat(10);
    const { findings } = run({ messages: [user(`token ${secret}`), assistant('x')] });
    expect(findings.map((f) => f.check)).toContain('possible-secret');
    expect(JSON.stringify(findings)).not.toContain(secret);
  });
});

describe('validateExample: the size bound that skips tokenizing', () => {
  it('skips tokenizing an example whose bytes prove it fits, and says the count is a bound', () => {
    let calls = 0;
    const facts = validateExample(good, {
      model: phi3, maxTokens: 4096, exactTokens: false, lineBytes: 80,
      meter: createExampleMeter({ countTokens: (t) => { calls += 1; return t.length; } }),
      report: () => {},
    });
    expect(calls).toBe(0);
    expect(facts!.exactTokens).toBe(false);
    expect(facts!.tokens).toBeGreaterThanOrEqual(run(good).facts!.tokens);
  });
  it('tokenizes when the bound does not prove it', () => {
    const { facts, findings } = run({ messages: [user('x'.repeat(100)), assistant('y')] }, { exactTokens: false, maxTokens: 110 });
    expect(facts!.exactTokens).toBe(true);
    expect(findings.map((f) => f.check)).toContain('too-many-tokens');
  });
});
