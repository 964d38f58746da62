/**
 * Reads an ONNX model's signature (inputs, outputs, opsets, producer) from a
 * file of any size: the graph structure is read, tensor payloads are skipped,
 * so a multi-gigabyte model costs a few small reads. A file that is not a
 * well-formed ONNX model is MG_REGISTRY_INVALID_ARTIFACT with the reason.
 */
import type { Signature, TensorSpec } from '../store/registry-types.ts';
import { ML_DOMAIN, scanModel, withOnnxFile } from './onnx-scan.ts';
import type { ModelScan, ValueInfoScan } from './onnx-scan.ts';
import { readValueType, toTensorSpec } from './onnx-types.ts';

async function specs(scan: ModelScan, values: readonly ValueInfoScan[]): Promise<TensorSpec[]> {
  const out: TensorSpec[] = [];
  for (const value of values) out.push(toTensorSpec(value.name, await readValueType(scan.src, value.type)));
  return out;
}

/** The signature of an already scanned model. */
export async function signatureOfScan(scan: ModelScan): Promise<Signature> {
  const { graph } = scan;
  // Models before IR version 4 list initializers among the inputs; callers never feed them.
  const inputs = await specs(scan, graph.inputs.filter((input) => !graph.initializerNames.has(input.name)));
  const outputs = await specs(scan, graph.outputs);
  const nonTensorOutputs: string[] = [];
  for (const [i, output] of outputs.entries()) {
    if (output.datatype === null && !output.kind?.startsWith('tensor(')) nonTensorOutputs.push(graph.outputs[i].name);
  }
  return {
    inputs,
    outputs,
    irVersion: scan.irVersion,
    opsets: scan.opsets,
    producer: scan.producer,
    usesMlOperators: graph.nodes.some((node) => node.domain === ML_DOMAIN),
    nonTensorOutputs,
  };
}

/** Reads the signature of the ONNX model at `path` without loading its weights. */
export async function readOnnxSignature(path: string): Promise<Signature> {
  return withOnnxFile(path, async (src) => signatureOfScan(await scanModel(src)));
}
