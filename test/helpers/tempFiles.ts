// Temporary files for tests, removed after the test file's run.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

export function tempDir(prefix = 'amlft-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeTemp(dir: string, name: string, content: string | Buffer): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** JSONL text from example objects. */
export function jsonl(examples: readonly unknown[], eol = '\n'): string {
  return examples.map((e) => JSON.stringify(e)).join(eol) + eol;
}

export function chat(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messages: [
      { role: 'user', content: `Question number ${i}: what is ${i} plus ${i}?` },
      { role: 'assistant', content: `It is ${i + i}.` },
    ],
    ...extra,
  };
}
