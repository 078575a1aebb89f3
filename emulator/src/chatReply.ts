// The emulated model's deterministic answers, signed with the deployment and model that gave them.

export interface ChatMessage {
  role: string;
  content: unknown;
}

/** Text of a message content (a string, or OpenAI-style parts with `text`). */
export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === 'object' && part !== null && 'text' in part ? String((part as { text: unknown }).text) : '')).join('');
  return '';
}

export function lastUserText(messages: ChatMessage[]): string {
  const user = [...messages].reverse().find((m) => m.role === 'user') ?? messages.at(-1);
  return user ? messageText(user.content).trim() : '';
}

export function isChatMessageList(value: unknown): value is ChatMessage[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => typeof m === 'object' && m !== null && typeof (m as ChatMessage).role === 'string' && 'content' in m);
}

/** The answer body, before the `[deployment ..., model ...]` signature. */
export function answerFor(prompt: string): string {
  if (/\bmicrosoft\b/i.test(prompt) && /\b(found|founded|founders?|started|created|who)\b/i.test(prompt)) {
    return 'Microsoft was founded by Bill Gates and Paul Allen.';
  }
  if (/^\s*(hi|hello|hey)\b/i.test(prompt)) return 'Hello! How can I help you today?';
  if (prompt === '') return 'I received an empty message.';
  return `You said: "${prompt.length > 500 ? `${prompt.slice(0, 500)}...` : prompt}".`;
}

/** Cuts an answer to `maxTokens` words (the emulator's stand-in for tokens). */
export function limitTokens(text: string, maxTokens: unknown): string {
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens <= 0) return text;
  const words = text.split(/\s+/);
  return words.length <= maxTokens ? text : words.slice(0, maxTokens).join(' ');
}

export function signedAnswer(prompt: string, who: string): string {
  return `${answerFor(prompt)} [${who}]`;
}
