/**
 * Protobuf wire-format encoding for the few ONNX messages modelgate writes
 * itself: a rewritten graph output, and benchmark models whose payload is
 * streamed, so lengths are encoded apart from the bytes they announce.
 */

export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** Tag and length of a length-delimited field whose payload of `length` bytes follows separately. */
export function lengthHeader(field: number, length: number): Uint8Array {
  return concatBytes([encodeVarint((field << 3) | 2), encodeVarint(length)]);
}

export function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([lengthHeader(field, payload.length), payload]);
}

export function stringField(field: number, value: string): Uint8Array {
  return bytesField(field, Buffer.from(value, 'utf8'));
}

export function varintField(field: number, value: number | bigint): Uint8Array {
  return concatBytes([encodeVarint(field << 3), encodeVarint(value)]);
}

/** A length-delimited field holding a sub-message built from the given fields. */
export function messageField(field: number, parts: readonly Uint8Array[]): Uint8Array {
  return bytesField(field, concatBytes(parts));
}
