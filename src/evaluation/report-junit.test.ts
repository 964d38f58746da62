import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderJunit } from './report-junit.ts';
import type { EvaluationReport, GateResult } from './types.ts';

/** A strict little XML checker: one root, every tag closed in order, attributes quoted, entities known. */
function parseXml(text: string): { name: string; attrs: Record<string, string>; children: unknown[] }[] {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const token = /<\/?([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  const stack: { name: string; attrs: Record<string, string>; children: unknown[] }[] = [{ name: '#root', attrs: {}, children: [] }];
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = token.exec(body)) !== null) {
    consumed = token.lastIndex;
    if (m[4] !== undefined) {
      assert.doesNotMatch(m[4], /&(?!(amp|lt|gt|quot|apos);)/, 'unknown entity in text');
      continue;
    }
    const closing = m[0].startsWith('</');
    if (closing) {
      const open = stack.pop()!;
      assert.equal(open.name, m[1], `</${m[1]}> closes <${open.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[2]!.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
      assert.ok(!(a[1]! in attrs), `duplicate attribute ${a[1]}`);
      assert.doesNotMatch(a[2]!, /&(?!(amp|lt|gt|quot|apos);)/, 'unknown entity in attribute');
      attrs[a[1]!] = a[2]!;
    }
    const node = { name: m[1]!, attrs, children: [] as unknown[] };
    stack.at(-1)!.children.push(node);
    if (m[3] !== '/') stack.push(node);
  }
  assert.equal(consumed, body.length, `unparsed text at ${consumed}`);
  assert.equal(stack.length, 1, `unclosed <${stack.at(-1)!.name}>`);
  return stack[0]!.children as { name: string; attrs: Record<string, string>; children: unknown[] }[];
}

const report = (gates: GateResult[]): EvaluationReport => ({
  kind: 'modelgate.evaluation', createdAt: '2026-03-01T12:00:00.000Z', verdict: 'failed', summary: 's',
  candidate: { model: 'fraud', version: 3, dataset: { file: 'd.csv', rows: 10, label: 'y' }, task: 'classification', metrics: {}, fairness: [], drift: { kind: 'unavailable', reason: 'x' }, durationMs: 1500 },
  baseline: null, gates,
});

test('one well-formed test case per gate; failures and inconclusive gates marked', () => {
  const xml = renderJunit(report([
    { kind: 'passed', gate: 'metric accuracy', reason: 'accuracy 0.98 ≥ threshold 0.9' },
    { kind: 'failed', gate: 'metric f1 <"&\'>', reason: 'f1 0.5 is below the threshold 0.9 & "quoted" <tag>\u0001' },
    { kind: 'inconclusive', gate: 'drift share_of_drifted_columns', reason: 'no reference' },
  ]));
  const [suites] = parseXml(xml);
  assert.equal(suites!.name, 'testsuites');
  assert.equal(suites!.attrs.tests, '3');
  assert.equal(suites!.attrs.failures, '1');
  const suite = suites!.children[0] as { attrs: Record<string, string>; children: { name: string; attrs: Record<string, string>; children: { name: string }[] }[] };
  assert.equal(suite.attrs.skipped, '1');
  assert.deepEqual(suite.children.map((c) => c.name), ['testcase', 'testcase', 'testcase']);
  assert.deepEqual(suite.children.map((c) => c.children[0]!.name), ['system-out', 'failure', 'skipped']);
  assert.equal(suite.children[1]!.attrs.name, 'metric f1 &lt;&quot;&amp;&apos;&gt;');
});

test('no gates gives one failing test case, never an empty green suite', () => {
  const [suites] = parseXml(renderJunit({ ...report([]), verdict: 'no-gates', summary: 'NO GATES CONFIGURED' }));
  assert.equal(suites!.attrs.tests, '1');
  assert.equal(suites!.attrs.failures, '1');
});
