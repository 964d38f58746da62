/**
 * Checks the metadata sent with a registration. It arrives from flags, files
 * and JSON form fields, so every field is checked for type here and a bad one
 * is named in MG_REGISTRY_INVALID_METADATA rather than stored.
 */
import { fail } from '../lib/errors.ts';
import type { Lineage, Signature } from '../store/registry-types.ts';
import type { VersionMetadata } from './api.ts';

const KEYS = ['description', 'features', 'metrics', 'params', 'tags', 'lineage', 'modelCard', 'referenceProfile', 'artifactName'];
const LINEAGE_STRINGS = ['commit', 'datasetUri', 'datasetSha256', 'trainingRun', 'framework', 'frameworkVersion'] as const;

function bad(detail: string): never {
  return fail('MG_REGISTRY_INVALID_METADATA', { detail });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) return bad(`${field} must be an object of strings`);
  for (const [k, x] of Object.entries(v)) {
    if (k === '') bad(`${field} has an empty key`);
    if (typeof x !== 'string') bad(`${field}.${k} must be a string`);
  }
  return v as Record<string, string>;
}

function lineage(v: unknown): Lineage | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) return bad('lineage must be an object');
  for (const k of Object.keys(v)) {
    if (!(LINEAGE_STRINGS as readonly string[]).includes(k) && k !== 'parentVersion') bad(`lineage.${k} is not a lineage field`);
  }
  for (const k of LINEAGE_STRINGS) if (v[k] !== undefined && typeof v[k] !== 'string') bad(`lineage.${k} must be a string`);
  if (v.datasetSha256 !== undefined && !/^[0-9a-f]{64}$/.test(v.datasetSha256 as string)) bad('lineage.datasetSha256 must be 64 lowercase hex digits');
  const pv = v.parentVersion;
  if (pv !== undefined && !(Number.isInteger(pv) && (pv as number) >= 1)) bad('lineage.parentVersion must be a positive integer');
  return v as Lineage;
}

/** Returns the metadata typed, or throws naming the first bad field. */
export function checkMetadata(raw: unknown): VersionMetadata {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) return bad('metadata must be a JSON object');
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) bad(`unknown field "${k}"`);
  for (const k of ['description', 'modelCard', 'artifactName'] as const) {
    if (raw[k] !== undefined && typeof raw[k] !== 'string') bad(`${k} must be a string`);
  }
  if (raw.features !== undefined) {
    const f = raw.features;
    if (!Array.isArray(f) || f.some((x) => typeof x !== 'string' || x === '')) bad('features must be a list of non-empty strings');
    const dup = (f as string[]).find((x, i) => (f as string[]).indexOf(x) !== i);
    if (dup !== undefined) bad(`feature "${dup}" is listed twice`);
  }
  if (raw.metrics !== undefined) {
    if (!isObject(raw.metrics)) bad('metrics must be an object of numbers');
    for (const [k, x] of Object.entries(raw.metrics)) {
      if (typeof x !== 'number' || !Number.isFinite(x)) bad(`metrics.${k} must be a finite number`);
    }
  }
  stringMap(raw.params, 'params');
  stringMap(raw.tags, 'tags');
  lineage(raw.lineage);
  const profile = raw.referenceProfile;
  if (profile !== undefined && !(isObject(profile) && isObject(profile.features) && typeof profile.rows === 'number')) {
    bad('referenceProfile must be an object with rows and features');
  }
  return raw as VersionMetadata;
}

/**
 * Feature names in tensor column order: the ones given, else the reference
 * profile's order. When the model has one input whose last dimension is
 * fixed, the count must match it, or predictions would read shifted columns.
 */
export function resolveFeatures(meta: VersionMetadata, signature: Signature): string[] | null {
  const features = meta.features ? [...meta.features] : meta.referenceProfile ? Object.keys(meta.referenceProfile.features) : null;
  if (features === null || features.length === 0) return null;
  if (signature.inputs.length === 1) {
    const shape = signature.inputs[0].shape;
    const last = shape && shape.length > 0 ? shape[shape.length - 1] : null;
    if (typeof last === 'number' && shape!.length > 1 && last !== features.length) {
      bad(`${features.length} feature names given but input "${signature.inputs[0].name}" has ${last} columns`);
    }
  } else if (signature.inputs.length > 1 && features.length !== signature.inputs.length) {
    const widths = signature.inputs.map((i) => i.shape?.[i.shape.length - 1]);
    if (widths.every((w) => w === 1)) {
      bad(`${features.length} feature names given but the model has ${signature.inputs.length} single-column inputs`);
    }
  }
  return features;
}
