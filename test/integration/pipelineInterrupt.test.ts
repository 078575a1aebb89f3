// Ctrl-C during `amlft pipeline --emulator` (npm start): the running step is stopped as the runner cancels a workflow, the run
// ends with exit 130 and live traffic where it was, and neither the emulator's files nor the step folders are left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'amlft-interrupt-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('amlft pipeline --emulator, interrupted', () => {
  it('stops the fine-tune step on SIGINT (the job is cancelled), exits 130, keeps traffic on the previous version and removes its folders', async () => {
    const args = [join(root, 'bin', 'amlft.mjs'), 'pipeline', '--emulator', '--train-file', 'examples/data/train.jsonl', '--validation-file', 'examples/data/validation.jsonl', '--fault', 'job-hangs'];
    // Its own TMPDIR: everything the run creates there must be gone at the end.
    const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? temp, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // The fine-tune step waits on a job that never ends: interrupt it there, once it reports the job running.
      if (!sent && /▶ \d+\/\d+ finetune[\s\S]*Running/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    expect(sent, stderr.slice(-2000)).toBe(true);
    expect(code, stderr.slice(-2000)).toBe(130);
    expect(stdout).toContain("Release FAILED at stage 'finetune'; rollback: skipped.");
    expect(stdout).toContain('Live traffic: phi3-chat-ft-v1 100%');
    expect(stderr).toMatch(/Received SIGINT: stopping the running step/);
    expect(stderr).toMatch(/cancel/i);
    expect(readdirSync(temp)).toEqual([]);
  }, 120_000);
});
