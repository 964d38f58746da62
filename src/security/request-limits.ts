/**
 * Checks on parsed request bodies that run before any handler: JSON nesting
 * depth (a deeply nested body costs recursion in every consumer) and the
 * number of tensor elements an inference request declares (shapes are
 * claims: a small body must not make the server allocate for [1e9, 1e9]).
 */

/** Whether a parsed JSON value nests arrays and objects deeper than `limit` (walked iteratively, stopping early). */
export function jsonDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > limit) return true;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) if (typeof child === 'object' && child !== null && !ArrayBuffer.isView(child)) stack.push([child, depth + 1]);
  }
  return false;
}

function shapeProduct(shape: unknown): number {
  if (!Array.isArray(shape)) return 0;
  let n = 1;
  for (const d of shape) n *= typeof d === 'number' && Number.isFinite(d) && d > 0 ? d : 0;
  return n;
}

function rowsTimesWidth(rows: unknown): number {
  if (!Array.isArray(rows)) return 0;
  const first: unknown = rows[0];
  const width = Array.isArray(first) ? first.length : typeof first === 'object' && first !== null ? Object.keys(first).length : 1;
  return rows.length * Math.max(1, width);
}

/**
 * Tensor elements a parsed inference body declares: V2 `inputs[].shape`
 * products; V1 `instances` and MLflow `instances`/`inputs`/`dataframe_*` rows
 * times the width of the first row. Bodies of other shapes count 0 and are
 * left to the codecs.
 */
export function declaredTensorElements(body: unknown): number {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) return 0;
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.inputs) && b.inputs.some((i) => typeof i === 'object' && i !== null && 'shape' in i)) {
    return b.inputs.reduce<number>((sum, i) => sum + (typeof i === 'object' && i !== null ? shapeProduct((i as { shape?: unknown }).shape) : 0), 0);
  }
  const split = b.dataframe_split as { data?: unknown } | undefined;
  return Math.max(rowsTimesWidth(b.instances), rowsTimesWidth(b.inputs), rowsTimesWidth(b.dataframe_records), rowsTimesWidth(split?.data));
}
