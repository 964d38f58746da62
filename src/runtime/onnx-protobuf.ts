/**
 * A minimal protobuf wire-format reader over random-access bytes. ONNX files
 * can be many gigabytes of initializer data around a few kilobytes of graph
 * structure, so fields are visited by offset and length: a caller reads the
 * few it needs and skips the rest without ever loading their bytes.
 * Malformed input throws ProtobufError with the reason and byte offset.
 */
import type { FileHandle } from 'node:fs/promises';

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

/** Bytes that can be read at any offset. */
export interface ByteSource {
  readonly size: number;
  /** Up to `length` bytes from `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export type WireType = 0 | 1 | 2 | 5;

export interface Field {
  readonly number: number;
  readonly wireType: WireType;
  /** Offset of the field's tag: [start, end) is the whole field as written. */
  readonly start: number;
  /** Offset of the value (for wire type 2, of the payload after the length). */
  readonly valueStart: number;
  readonly end: number;
  /** The value of a varint field (wire type 0). */
  readonly varint: bigint;
}

/** Strings and nested messages read into memory are capped, so a corrupt length cannot exhaust memory. */
export const MAX_INLINE_BYTES = 64 * 1024 * 1024;
const WINDOW_BYTES = 64 * 1024;
/** A tag (≤ 5 bytes) plus a varint (≤ 10 bytes) always fit in this many bytes. */
const HEADER_BYTES = 16;

/** Reads a file through one cached window, so many small reads of nearby fields cost one syscall. */
export function fileSource(fh: FileHandle, size: number): ByteSource {
  let windowStart = 0;
  let window: Uint8Array = new Uint8Array(0);
  async function readExact(offset: number, length: number): Promise<Uint8Array> {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await fh.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }
  return {
    size,
    async read(offset, length) {
      const end = Math.min(offset + length, size);
      if (end <= offset) return new Uint8Array(0);
      if (offset >= windowStart && end <= windowStart + window.length) {
        return window.subarray(offset - windowStart, end - windowStart);
      }
      if (end - offset > WINDOW_BYTES) return readExact(offset, end - offset);
      // Each read allocates a fresh window, so slices handed out earlier stay valid.
      window = await readExact(offset, Math.min(WINDOW_BYTES, size - offset));
      windowStart = offset;
      return window.subarray(0, end - offset);
    },
  };
}

export function bufferSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.length)),
  };
}

/** Decodes a varint at `at` within `bytes`; `base` is the absolute offset of bytes[0], for messages. */
function decodeVarint(bytes: Uint8Array, at: number, base: number): { value: bigint; next: number } {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    if (at + i >= bytes.length) throw new ProtobufError(`truncated varint at byte ${base + at}`);
    const byte = bytes[at + i];
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return { value: BigInt.asUintN(64, value), next: at + i + 1 };
  }
  throw new ProtobufError(`varint longer than 10 bytes at byte ${base + at}`);
}

/** Visits the fields of the message held in [start, end) of the source, in order. */
export async function* fields(src: ByteSource, start: number, end: number): AsyncGenerator<Field> {
  let pos = start;
  while (pos < end) {
    const head = await src.read(pos, Math.min(HEADER_BYTES, end - pos));
    const tag = decodeVarint(head, 0, pos);
    if (tag.value > 0xffffffffn) throw new ProtobufError(`invalid tag at byte ${pos}`);
    const wire = Number(tag.value & 7n);
    const number = Number(tag.value >> 3n);
    if (number === 0) throw new ProtobufError(`field number 0 at byte ${pos}`);
    let valueStart: number;
    let fieldEnd: number;
    let varint = 0n;
    switch (wire) {
      case 0: {
        const v = decodeVarint(head, tag.next, pos);
        varint = v.value;
        valueStart = pos + tag.next;
        fieldEnd = pos + v.next;
        break;
      }
      case 1:
        valueStart = pos + tag.next;
        fieldEnd = valueStart + 8;
        break;
      case 5:
        valueStart = pos + tag.next;
        fieldEnd = valueStart + 4;
        break;
      case 2: {
        const len = decodeVarint(head, tag.next, pos);
        valueStart = pos + len.next;
        if (len.value > BigInt(end - valueStart)) {
          throw new ProtobufError(
            `truncated field ${number} at byte ${pos}: its length ${len.value} runs past byte ${end}`,
          );
        }
        fieldEnd = valueStart + Number(len.value);
        break;
      }
      default:
        throw new ProtobufError(`wire type ${wire} at byte ${pos}`);
    }
    if (fieldEnd > end) throw new ProtobufError(`truncated field ${number} at byte ${pos}`);
    yield { number, wireType: wire as WireType, start: pos, valueStart, end: fieldEnd, varint };
    pos = fieldEnd;
  }
}

/** The sub-message of a length-delimited field. */
export function submessage(src: ByteSource, field: Field): AsyncGenerator<Field> {
  expectWire(field, 2);
  return fields(src, field.valueStart, field.end);
}

export function expectWire(field: Field, wire: WireType): void {
  if (field.wireType !== wire) {
    throw new ProtobufError(`field ${field.number} at byte ${field.start} has wire type ${field.wireType}, expected ${wire}`);
  }
}

/** The bytes of a length-delimited field's payload. */
export async function readBytes(src: ByteSource, field: Field): Promise<Uint8Array> {
  expectWire(field, 2);
  const length = field.end - field.valueStart;
  if (length > MAX_INLINE_BYTES) {
    throw new ProtobufError(`field ${field.number} at byte ${field.start} is ${length} bytes, more than expected`);
  }
  return src.read(field.valueStart, length);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readString(src: ByteSource, field: Field): Promise<string> {
  const bytes = await readBytes(src, field);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ProtobufError(`invalid UTF-8 in string field ${field.number} at byte ${field.start}`);
  }
}

/** A varint field as a signed 64-bit number (int32/int64 semantics), exact up to 2^53. */
export function int64Of(field: Field): number {
  expectWire(field, 0);
  return Number(BigInt.asIntN(64, field.varint));
}

/** The values of a repeated int64 field, whether written packed (one LEN field) or one by one. */
export async function readInt64s(src: ByteSource, field: Field): Promise<number[]> {
  if (field.wireType === 0) return [int64Of(field)];
  const bytes = await readBytes(src, field);
  const out: number[] = [];
  for (let at = 0; at < bytes.length; ) {
    const v = decodeVarint(bytes, at, field.valueStart);
    out.push(Number(BigInt.asIntN(64, v.value)));
    at = v.next;
  }
  return out;
}
