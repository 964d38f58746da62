/**
 * JUnit XML for CI test tabs: one test case per gate, a failure element for
 * a failed gate and a skipped element for an inconclusive one. With no gates
 * configured there is one failing test case saying so, so CI never shows a
 * green run for an evaluation that checked nothing.
 */
import type { EvaluationReport, GateResult } from './types.ts';

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!)
    // Characters XML 1.0 does not allow at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function renderJunit(report: EvaluationReport): string {
  const c = report.candidate;
  const suite = `modelgate evaluate ${c.model} v${c.version}`;
  const cases: GateResult[] = report.gates.length > 0
    ? [...report.gates]
    : [{ kind: 'failed', gate: 'gates configured', reason: report.summary }];
  const failures = cases.filter((g) => g.kind === 'failed').length;
  const skipped = cases.filter((g) => g.kind === 'inconclusive').length;
  const seconds = (c.durationMs / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="modelgate" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${seconds}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds}" timestamp="${xmlEscape(report.createdAt)}">`,
  ];
  for (const g of cases) {
    const open = `    <testcase classname="${xmlEscape(`modelgate.${c.model}`)}" name="${xmlEscape(g.gate)}" time="0">`;
    if (g.kind === 'passed') {
      lines.push(open, `      <system-out>${xmlEscape(g.reason)}</system-out>`, '    </testcase>');
    } else if (g.kind === 'failed') {
      lines.push(open, `      <failure message="${xmlEscape(g.reason)}" type="gate">${xmlEscape(g.reason)}</failure>`, '    </testcase>');
    } else {
      lines.push(open, `      <skipped message="${xmlEscape(`inconclusive: ${g.reason}`)}"/>`, '    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
