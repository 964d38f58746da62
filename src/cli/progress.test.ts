import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, type ProgressSink } from './progress.ts';

function sink(isTTY: boolean): ProgressSink & { text: string } {
  const s = { isTTY, columns: 100, text: '', write(t: string) { s.text += t; } };
  return s;
}

test('small uploads print nothing', () => {
  const s = sink(true);
  const p = createProgress('model.onnx', 1000, s);
  p.update(1000, 1000);
  p.finish();
  assert.equal(s.text, '');
});

test('a terminal gets a bar redrawn once per percent, then a summary', () => {
  const s = sink(true);
  const size = 4 * 1024 * 1024;
  let t = 0;
  const p = createProgress('big.onnx', size, s, () => t);
  p.update(size / 2, size);
  p.update(size / 2 + 1, size);
  t = 2000;
  p.update(size, size);
  p.finish();
  assert.equal(s.text.split('\r').filter((part) => part.includes('%')).length, 2);
  assert.match(s.text, / 50% /);
  assert.match(s.text, /100% /);
  assert.match(s.text, /uploaded 4\.0 MiB in 2\.0s \(2\.0 MiB\/s\)\n$/);
});

test('a pipe gets only the summary line', () => {
  const s = sink(false);
  const size = 2 * 1024 * 1024;
  const p = createProgress('big.onnx', size, s, () => 0);
  p.update(size, size);
  p.finish();
  assert.doesNotMatch(s.text, /\r/);
  assert.match(s.text, /^big\.onnx: uploaded 2\.0 MiB/);
});
