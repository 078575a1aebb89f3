// The catalogue of dataset checks: one id, severity and title per thing the validator can find.

export type Severity = 'error' | 'warning';

export interface CheckInfo {
  readonly severity: Severity;
  /** Short title, used for annotations and the summary. */
  readonly title: string;
}

export const CHECKS = {
  // File-level problems.
  'file-missing': { severity: 'error', title: 'File not found' },
  'file-unreadable': { severity: 'error', title: 'File cannot be read' },
  'file-empty': { severity: 'error', title: 'Empty file' },
  'binary-file': { severity: 'error', title: 'Binary file' },
  'too-few-examples': { severity: 'error', title: 'Too few examples' },
  // Line-level problems.
  'invalid-utf8': { severity: 'error', title: 'Invalid UTF-8' },
  'nul-byte': { severity: 'error', title: 'NUL byte' },
  'line-too-long': { severity: 'error', title: 'Line too long' },
  'invalid-json': { severity: 'error', title: 'Invalid JSON' },
  'not-an-object': { severity: 'error', title: 'Example is not an object' },
  'messages-missing': { severity: 'error', title: 'Missing messages' },
  'messages-not-array': { severity: 'error', title: 'messages is not an array' },
  'messages-empty': { severity: 'error', title: 'Empty messages' },
  'message-not-object': { severity: 'error', title: 'Message is not an object' },
  'role-missing': { severity: 'error', title: 'Missing role' },
  'role-invalid': { severity: 'error', title: 'Invalid role' },
  'content-missing': { severity: 'error', title: 'Missing content' },
  'content-not-string': { severity: 'error', title: 'Content is not a string' },
  'content-empty': { severity: 'error', title: 'Empty content' },
  'message-key-unknown': { severity: 'error', title: 'Unknown message key' },
  'weight-invalid': { severity: 'error', title: 'Invalid weight' },
  'no-assistant-message': { severity: 'error', title: 'No assistant message' },
  'starts-with-assistant': { severity: 'error', title: 'Starts with assistant' },
  'too-many-tokens': { severity: 'error', title: 'Over the token limit' },
  'train-validation-overlap': { severity: 'error', title: 'Train/validation overlap' },
  // Warnings.
  'blank-line': { severity: 'warning', title: 'Blank line' },
  'top-level-key-unknown': { severity: 'warning', title: 'Unknown top-level key' },
  'consecutive-same-role': { severity: 'warning', title: 'Consecutive same-role messages' },
  'last-not-assistant': { severity: 'warning', title: 'Last message not from assistant' },
  'weight-not-assistant': { severity: 'warning', title: 'Weight on a non-assistant message' },
  'duplicate-example': { severity: 'warning', title: 'Duplicate example' },
  'chat-template-token': { severity: 'warning', title: 'Chat-template token in content' },
  'possible-secret': { severity: 'warning', title: 'Possible secret in content' },
  'content-very-long': { severity: 'warning', title: 'Very long content' },
} as const satisfies Record<string, CheckInfo>;

export type CheckId = keyof typeof CHECKS;

export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export interface Finding {
  /** Path as given (relative to the workspace in annotations). */
  readonly file: string;
  /** 1-based line; 0 for a finding about the whole file. */
  readonly line: number;
  readonly check: CheckId;
  readonly severity: Severity;
  readonly message: string;
}
