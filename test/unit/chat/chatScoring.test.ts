// Chat smoke-test decisions: request bodies, reply shapes, expectations, retries, percentiles, cases files.
import { describe, expect, it } from 'vitest';
import { missedExpectations, parseCases, percentile, readReply, requestFor, resolveFormat, retryDelayMs } from '../../../src/chat/chatScoring.js';

describe('chat scoring', () => {
  it('picks the format and builds each request', () => {
    expect(resolveFormat('auto', 'https://ep.eastus2.inference.ml.azure.com/score')).toBe('aml-chat');
    expect(resolveFormat('auto', 'https://x.models.ai.azure.com/v1/chat/completions')).toBe('openai-chat');
    const messages = [{ role: 'user', content: 'hi' }];
    expect(requestFor('aml-chat', 'https://e/score', messages, { temperature: 0.2, maxNewTokens: 10 })).toEqual({ url: 'https://e/score', body: { input_data: { input_string: messages, parameters: { temperature: 0.2, max_new_tokens: 10 } } } });
    expect(requestFor('openai-chat', 'https://s.models.ai.azure.com', messages, { temperature: 0.2, maxNewTokens: 10 }).url).toBe('https://s.models.ai.azure.com/v1/chat/completions');
    expect(requestFor('openai-chat', 'https://s/v1', messages, { temperature: 0, maxNewTokens: 1 }).url).toBe('https://s/v1/chat/completions');
  });

  it.each([
    [{ output: 'Bill Gates' }, 'Bill Gates'],
    [[{ '0': 'Bill Gates' }], 'Bill Gates'],
    [['Bill Gates'], 'Bill Gates'],
    [{ '0': 'Bill Gates' }, 'Bill Gates'],
  ])('reads aml-chat answer %j', (body, reply) => expect(readReply('aml-chat', body)).toEqual({ reply }));

  it('reads OpenAI answers and names malformed or empty ones', () => {
    expect(readReply('openai-chat', { choices: [{ message: { content: 'ok' } }] })).toEqual({ reply: 'ok' });
    expect(readReply('openai-chat', { output: 'x' })).toEqual({ problem: expect.stringContaining('malformed') });
    expect(readReply('aml-chat', { output: '  ' })).toEqual({ problem: 'empty answer' });
    expect(readReply('aml-chat', { result: 1 })).toEqual({ problem: expect.stringContaining('malformed') });
  });

  it('checks expectations', () => {
    const c = { messages: [], contains: ['gates'], notContains: ['sorry'], regex: 'paul\\s+allen', maxLatencyMs: 100 };
    expect(missedExpectations(c, 'Bill Gates and Paul Allen', 50)).toEqual([]);
    expect(missedExpectations(c, "I'm sorry", 150)).toEqual(['does not contain "gates"', 'contains "sorry"', 'does not match /paul\\s+allen/i', 'took 150 ms, over 100 ms']);
  });

  it('retries with Retry-After or exponential back-off, and computes percentiles', () => {
    expect(retryDelayMs(1, 2)).toBe(2000);
    expect(retryDelayMs(1, undefined)).toBe(1000);
    expect(retryDelayMs(4, undefined)).toBe(8000);
    expect(retryDelayMs(20, undefined)).toBe(30_000);
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBe(0);
  });

  it('parses cases files and names the bad line', () => {
    const ok = parseCases('{"messages":[{"role":"user","content":"Who?"}],"contains":"Gates","max-latency-ms":5000}\n\n');
    expect(ok).toEqual({ cases: [{ messages: [{ role: 'user', content: 'Who?' }], contains: ['Gates'], maxLatencyMs: 5000 }] });
    expect(parseCases('nope')).toEqual({ problem: 'line 1 is not JSON' });
    expect(parseCases('{"messages":[]}')).toEqual({ problem: expect.stringContaining('line 1: messages') });
    expect(parseCases('{"messages":[{"role":"user","content":"x"}],"regex":"("}')).toHaveProperty('problem');
    expect(parseCases('')).toEqual({ problem: 'no cases' });
  });
});
