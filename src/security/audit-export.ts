/**
 * Audit entries as export lines: JSON Lines (each line an entry exactly as
 * stored, so an export verifies on its own) or CSV with the details as JSON
 * in one column (quoted per RFC 4180).
 */
import type { AuditEntry } from '../store/security-store.ts';

export type AuditFormat = 'jsonl' | 'csv';

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'action', 'target', 'requestHash', 'outcome', 'details', 'prevHash', 'hash'] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header line of a format ('' for JSON Lines). */
export function auditExportHeader(format: AuditFormat): string {
  return format === 'csv' ? `${AUDIT_CSV_COLUMNS.join(',')}\n` : '';
}

/** One entry as a line of the format, newline included. */
export function auditExportLine(entry: AuditEntry, format: AuditFormat): string {
  if (format === 'jsonl') return `${JSON.stringify(entry)}\n`;
  return `${AUDIT_CSV_COLUMNS.map((c) => csvCell(entry[c])).join(',')}\n`;
}
