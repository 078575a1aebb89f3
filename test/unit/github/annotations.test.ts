import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/dataset/checks.js';
import { annotateFindings } from '../../../src/github/annotations.js';
import { recordingReporter } from '../../helpers/recordingReporter.js';

const finding = (line: number, severity: 'error' | 'warning'): Finding => ({
  file: 'data/train.jsonl',
  line,
  check: severity === 'error' ? 'invalid-json' : 'blank-line',
  severity,
  message: `problem on ${line}`,
});

describe('annotateFindings', () => {
  it('writes errors before warnings, caps the count and returns how many were left out', () => {
    const reporter = recordingReporter();
    const left = annotateFindings([finding(1, 'warning'), finding(2, 'error'), finding(3, 'warning'), finding(4, 'error')], 10, 3, reporter);
    expect(reporter.annotations.map((a) => [a.level, a.properties.startLine])).toEqual([['error', 2], ['error', 4], ['warning', 1]]);
    expect(reporter.annotations[0]!.message).toBe('line 2: problem on 2');
    expect(left).toBe(7);
  });
  it('annotates file-level findings without a line', () => {
    const reporter = recordingReporter();
    annotateFindings([{ ...finding(0, 'error'), check: 'file-empty' }], 1, 50, reporter);
    expect(reporter.annotations[0]!.properties).toEqual({ title: 'Empty file (file-empty)', file: 'data/train.jsonl' });
  });
  it('writes none with max-annotations 0', () => {
    const reporter = recordingReporter();
    expect(annotateFindings([finding(1, 'error')], 1, 0, reporter)).toBe(1);
    expect(reporter.annotations).toEqual([]);
  });
});
