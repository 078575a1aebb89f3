// Finds the toolkit's folder (where actions/<name>/dist live) from a module inside it, compiled (build/...) or not.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(from: string | URL = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'amlft') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no amlft package.json above ${fileURLToPath(from)}`);
    dir = parent;
  }
}
