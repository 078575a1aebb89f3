// Small helpers for Markdown a person reads in a job summary or PR comment.

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** Escapes text for a Markdown table cell: pipes, newlines and HTML stay inert. */
export function cell(text: string): string {
  return text.replace(/[\\|]/g, (c) => `\\${c}`).replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}
