import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferSource, fields, fileSource, int64Of, readInt64s, readString, ProtobufError } from './onnx-protobuf.ts';
import type { ByteSource, Field } from './onnx-protobuf.ts';
import { bytesField, concatBytes, encodeVarint, messageField, stringField, varintField } from './onnx-protobuf-write.ts';

async function all(src: ByteSource, start = 0, end = src.size): Promise<Field[]> {
  const out: Field[] = [];
  for await (const f of fields(src, start, end)) out.push(f);
  return out;
}

function rejectsWith(promise: Promise<unknown>, message: string) {
  return assert.rejects(promise, (err) => err instanceof ProtobufError && err.message === message);
}

test('varints round trip, including negative int64 and values past 2^32', () => {
  for (const v of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 40 + 5, -1, -12345]) {
    const f = { number: 1, wireType: 0 as const, start: 0, valueStart: 1, end: 0, varint: 0n };
    const bytes = encodeVarint(v);
    let value = 0n;
    bytes.forEach((b, i) => (value |= BigInt(b & 0x7f) << BigInt(7 * i)));
    assert.equal(int64Of({ ...f, varint: value }), v);
  }
  assert.equal(encodeVarint(-1).length, 10);
});

test('fields reports numbers, wire types and byte ranges', async () => {
  const bytes = concatBytes([
    varintField(1, 150),
    stringField(2, 'héllo'),
    Uint8Array.from([(3 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8]),
    Uint8Array.from([(4 << 3) | 5, 1, 2, 3, 4]),
    messageField(5, [varintField(1, 7)]),
  ]);
  const src = bufferSource(bytes);
  const got = await all(src);
  assert.deepEqual(got.map((f) => [f.number, f.wireType]), [[1, 0], [2, 2], [3, 1], [4, 5], [5, 2]]);
  assert.equal(got[0].varint, 150n);
  assert.equal(await readString(src, got[1]), 'héllo');
  assert.equal(got[4].end, bytes.length);
  const inner = await all(src, got[4].valueStart, got[4].end);
  assert.equal(inner[0].varint, 7n);
});

test('repeated int64 fields read packed and unpacked', async () => {
  const packed = bytesField(8, concatBytes([encodeVarint(3), encodeVarint(-2), encodeVarint(2 ** 35)]));
  const src = bufferSource(concatBytes([packed, varintField(8, 9)]));
  const [a, b] = await all(src);
  assert.deepEqual(await readInt64s(src, a), [3, -2, 2 ** 35]);
  assert.deepEqual(await readInt64s(src, b), [9]);
});

test('malformed input names the problem and the byte', async () => {
  await rejectsWith(all(bufferSource(Uint8Array.from([0x08, 0x96]))), 'truncated varint at byte 1');
  await rejectsWith(all(bufferSource(Uint8Array.from([0x08, 0x01, 0x08, 0x01, 0x0f]))), 'wire type 7 at byte 4');
  await rejectsWith(all(bufferSource(Uint8Array.from([0x0b]))), 'wire type 3 at byte 0');
  await rejectsWith(all(bufferSource(Uint8Array.from([0x00, 0x01]))), 'field number 0 at byte 0');
  await rejectsWith(all(bufferSource(Uint8Array.from([0x12, 0x05, 0x61]))), 'truncated field 2 at byte 0: its length 5 runs past byte 3');
  await rejectsWith(all(bufferSource(Uint8Array.from([0x0d, 0x01, 0x02]))), 'truncated field 1 at byte 0');
  const badUtf8 = bufferSource(Uint8Array.from([0x12, 0x02, 0xc3, 0x28]));
  const [f] = await all(badUtf8);
  await rejectsWith(readString(badUtf8, f), 'invalid UTF-8 in string field 2 at byte 0');
});

test('a file source reads the same bytes as memory across window boundaries', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mg-pb-'));
  try {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 30_000; i++) parts.push(stringField(1 + (i % 5), `value number ${i}`));
    const bytes = concatBytes(parts);
    assert.ok(bytes.length > 3 * 64 * 1024);
    const path = join(dir, 'data.pb');
    await writeFile(path, bytes);
    const fh = await open(path, 'r');
    try {
      const fromFile = fileSource(fh, bytes.length);
      const fromMemory = bufferSource(bytes);
      const a = await all(fromFile);
      const b = await all(fromMemory);
      assert.deepEqual(a, b);
      for (const i of [0, 4_000, 12_345, 29_999]) {
        assert.equal(await readString(fromFile, a[i]), `value number ${i}`);
      }
      assert.deepEqual(await fromFile.read(bytes.length - 10, 100), bytes.subarray(bytes.length - 10));
      assert.deepEqual(await fromFile.read(1000, 200_000), bytes.subarray(1000, 201_000));
    } finally {
      await fh.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
