// The chat models the toolkit fine-tunes: their context length and how their chat template spends tokens.

export interface ChatModel {
  /** Lower-case name, as users write it in the `model` input. */
  readonly id: string;
  /** The name of the model in the Azure ML `azureml` registry. */
  readonly registryName: string;
  /** Tokens one training example may use: the model's context window. */
  readonly contextTokens: number;
  /** Roles its chat template renders; any other role is silently dropped by the template. */
  readonly roles: readonly string[];
  /** Whether the format allows tool/function calling messages. */
  readonly tools: boolean;
}

/**
 * The Phi-3 family shares one tokenizer: Llama-2's SentencePiece vocabulary plus the chat tokens
 * <|endoftext|> (32000), <|assistant|> (32001), <|system|> (32006), <|end|> (32007), <|user|> (32010).
 * Its template renders every message as `<|role|>\n{content}<|end|>\n`, after <s> and before
 * <|endoftext|>. The fast tokenizer splits the text around the added tokens (none strips the
 * whitespace next to it) and its normalizer prepends `▁` to each remaining piece, so a message costs
 * 1 (role) + tokens("\n" + content) + 1 (<|end|>) + tokens("\n") — where tokens() is SentencePiece
 * with its preceding space — and an example adds 2 (<s>, <|endoftext|>).
 */
const PHI3_ROLES = ['system', 'user', 'assistant'] as const;

export const CHAT_MODELS: readonly ChatModel[] = [
  { id: 'phi-3-mini-4k-instruct', registryName: 'Phi-3-mini-4k-instruct', contextTokens: 4096, roles: PHI3_ROLES, tools: false },
  { id: 'phi-3-mini-128k-instruct', registryName: 'Phi-3-mini-128k-instruct', contextTokens: 131072, roles: PHI3_ROLES, tools: false },
  { id: 'phi-3-medium-4k-instruct', registryName: 'Phi-3-medium-4k-instruct', contextTokens: 4096, roles: PHI3_ROLES, tools: false },
  { id: 'phi-3-medium-128k-instruct', registryName: 'Phi-3-medium-128k-instruct', contextTokens: 131072, roles: PHI3_ROLES, tools: false },
  { id: 'phi-3.5-mini-instruct', registryName: 'Phi-3.5-mini-instruct', contextTokens: 131072, roles: PHI3_ROLES, tools: false },
];

export const DEFAULT_CHAT_MODEL = 'phi-3-mini-4k-instruct';

export function findChatModel(name: string): ChatModel | undefined {
  const wanted = name.trim().toLowerCase();
  return CHAT_MODELS.find((model) => model.id === wanted);
}

/** Template tokens an example pays besides its messages: <s> and <|endoftext|>. */
export const EXAMPLE_OVERHEAD_TOKENS = 2;

/** tokens("\n"): the added space alone, then the newline's byte piece <0x0A> (the tokenizer tests check it). */
export const NEWLINE_TOKENS = 2;
