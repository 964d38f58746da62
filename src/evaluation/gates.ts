/**
 * Applying gates to an evaluation. Metric gates follow MLflow's
 * validate_evaluation_results: an absolute threshold, and against a
 * baseline evaluated on the same data, candidate ≥ baseline + min_absolute_change
 * and candidate ≥ baseline + |baseline| × min_relative_change (mirrored when
 * greater_is_better is false). With no baseline, baseline comparisons follow
 * the file's first_version rule. Every gate ends passed, failed or
 * inconclusive (too little data to judge) with its reason in words and
 * numbers; no gates at all is its own verdict, never a pass.
 */
import type { SuiteResult } from '../data/suite.ts';
import type { SignatureChange } from '../registry/api.ts';
import type { Gate, GatesFile } from './gates-file.ts';
import type { BaselineInfo, EvaluationResult, GateOutcome, GateResult, Verdict } from './types.ts';

export interface GateContext {
  readonly candidate: EvaluationResult;
  readonly baseline: BaselineInfo | null;
  /** Signature diff baseline → candidate, when there is a baseline. */
  readonly signature?: { readonly verdict: 'compatible' | 'breaking'; readonly changes: readonly SignatureChange[] };
  /** Suite results by the suite's resolved path. */
  readonly dataQuality?: ReadonlyMap<string, SuiteResult>;
}

/** Four significant digits, without trailing zeros. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(4)));
}

const signed = (v: number): string => (v >= 0 ? `+${fmt(v)}` : fmt(v));
const result = (kind: GateOutcome, gate: string, reason: string): GateResult => ({ kind, gate, reason });

export function gateName(gate: Gate): string {
  switch (gate.kind) {
    case 'metric': return `metric ${gate.metric}`;
    case 'latency': return `latency ${gate.stat}`;
    case 'fairness': return `fairness ${gate.measure} by ${gate.groupBy}`;
    case 'drift': return `drift ${gate.measure}`;
    case 'data_quality': return `data_quality ${gate.suite}`;
    case 'signature': return 'signature compatible';
    case 'robustness': return 'robustness agreement';
    case 'determinism': return 'determinism';
    case 'sanity': return 'output sanity';
  }
}

function bounds(name: string, value: number, min: number | undefined, max: number | undefined): { ok: boolean; text: string } {
  if (min !== undefined && value < min) return { ok: false, text: `${name} ${fmt(value)} is below the minimum ${fmt(min)}` };
  if (max !== undefined && value > max) return { ok: false, text: `${name} ${fmt(value)} is above the maximum ${fmt(max)}` };
  const parts = [min !== undefined ? `≥ minimum ${fmt(min)}` : '', max !== undefined ? `≤ maximum ${fmt(max)}` : ''].filter(Boolean);
  return { ok: true, text: `${name} ${fmt(value)} ${parts.join(' and ')}` };
}

function metricGate(gate: Extract<Gate, { kind: 'metric' }>, ctx: GateContext, firstVersion: 'pass' | 'fail'): GateResult {
  const name = gateName(gate);
  const m = gate.metric;
  const value = ctx.candidate.metrics[m];
  if (value === undefined) return result('failed', name, `metric ${m} is not reported by this evaluation; reported: ${Object.keys(ctx.candidate.metrics).join(', ')}`);
  const gib = gate.greaterIsBetter;
  const failed: string[] = [];
  const passed: string[] = [];
  if (gate.threshold !== undefined) {
    const ok = gib ? value >= gate.threshold : value <= gate.threshold;
    (ok ? passed : failed).push(ok
      ? `${m} ${fmt(value)} ${gib ? '≥' : '≤'} threshold ${fmt(gate.threshold)}`
      : `${m} ${fmt(value)} is ${gib ? 'below' : 'above'} the threshold ${fmt(gate.threshold)}`);
  }
  const comparesBaseline = gate.minAbsoluteChange !== undefined || gate.minRelativeChange !== undefined;
  if (comparesBaseline) {
    const base = ctx.baseline?.metrics[m];
    if (ctx.baseline === null) {
      (firstVersion === 'pass' ? passed : failed).push(firstVersion === 'pass'
        ? 'no baseline to compare with: passes by first_version: pass'
        : 'no baseline to compare with and first_version is fail (set first_version: pass to accept a first version)');
    } else if (base === undefined) {
      return result('inconclusive', name, `baseline version ${ctx.baseline.version} reports no ${m}`);
    } else {
      const delta = value - base;
      const check = (label: string, change: number, bound: number): void => {
        const ok = gib ? value >= bound : value <= bound;
        const op = gib ? '+' : '-';
        const text = `${m} ${fmt(value)} is ${ok ? (gib ? 'at or above' : 'at or below') : gib ? 'below' : 'above'} baseline ${fmt(base)} ${op} ${label}(${fmt(change)}) = ${fmt(bound)} (delta ${signed(delta)}; baseline is version ${ctx.baseline!.version})`;
        (ok ? passed : failed).push(text);
      };
      if (gate.minAbsoluteChange !== undefined) {
        const c = gate.minAbsoluteChange;
        check('', c, gib ? base + c : base - c);
      }
      if (gate.minRelativeChange !== undefined) {
        const c = gate.minRelativeChange;
        check('|baseline| × ', c, gib ? base + Math.abs(base) * c : base - Math.abs(base) * c);
      }
    }
  }
  return failed.length > 0 ? result('failed', name, failed.join('; ')) : result('passed', name, passed.join('; '));
}

function applyGate(gate: Gate, ctx: GateContext, firstVersion: 'pass' | 'fail'): GateResult {
  const name = gateName(gate);
  const c = ctx.candidate;
  switch (gate.kind) {
    case 'metric':
      return metricGate(gate, ctx, firstVersion);
    case 'latency': {
      if (c.latency === undefined) return result('inconclusive', name, 'latency was not measured');
      if (gate.stat !== 'throughput_rps' && c.latency.singleRows < 20) {
        return result('inconclusive', name, `only ${c.latency.singleRows} rows were timed; percentiles need at least 20`);
      }
      const b = bounds(gate.stat, c.latency[gate.stat], gate.min, gate.max);
      return result(b.ok ? 'passed' : 'failed', name, `${b.text} (${c.latency.singleRows} single-row runs)`);
    }
    case 'fairness': {
      const f = c.fairness.find((x) => x.column === gate.groupBy);
      if (f === undefined) return result('failed', name, `fairness by "${gate.groupBy}" was not computed`);
      const smallest = f.groups.find((g) => g.size === f.minGroupSize);
      if (gate.measure === 'min_group_size') {
        const b = bounds('smallest group size', f.minGroupSize, gate.min, gate.max);
        return result(b.ok ? 'passed' : 'failed', name, `${b.text} (group "${smallest?.group}")`);
      }
      if (f.minGroupSize < gate.minGroupSize) {
        return result('inconclusive', name, `group "${smallest?.group}" has ${f.minGroupSize} rows, fewer than min_group_size ${gate.minGroupSize}`);
      }
      const rates = f.groups.map((g) => `${g.group} ${fmt(g.metrics.selection_rate ?? NaN)}`).join(', ');
      if (gate.measure === 'four_fifths') {
        if (f.demographic_parity_ratio === undefined) return result('inconclusive', name, f.note ?? 'parity is undefined');
        return result(f.fourFifths ? 'passed' : 'failed', name, `demographic parity ratio ${fmt(f.demographic_parity_ratio)} ${f.fourFifths ? '≥' : '<'} 0.8 (selection rates: ${rates})`);
      }
      const value = f[gate.measure];
      if (value === undefined) return result('inconclusive', name, f.note ?? `${gate.measure} is undefined`);
      const b = bounds(gate.measure, value, gate.min, gate.max);
      return result(b.ok ? 'passed' : 'failed', name, `${b.text} (selection rates: ${rates})`);
    }
    case 'drift': {
      if (c.drift.kind === 'unavailable') return result('inconclusive', name, c.drift.reason);
      const d = c.drift.result;
      const list = d.columns.filter((x) => x.drifted).map((x) => x.column);
      const which = list.length > 0 ? `drifted: ${list.join(', ')}` : 'no column drifted';
      if (gate.measure === 'dataset_drift') {
        return result(d.datasetDrift ? 'failed' : 'passed', name, `${d.driftedColumns} of ${d.columns.length} columns drifted (share ${fmt(d.share)}, data set drift at ${fmt(d.driftShare)}); ${which}`);
      }
      const value = gate.measure === 'drifted_columns' ? d.driftedColumns : d.share;
      const b = bounds(gate.measure, value, undefined, gate.max);
      return result(b.ok ? 'passed' : 'failed', name, `${b.text}; ${d.driftedColumns} of ${d.columns.length} columns; ${which}`);
    }
    case 'data_quality': {
      const r = ctx.dataQuality?.get(gate.path);
      if (r === undefined) return result('failed', name, `suite ${gate.suite} was not run`);
      const bad = r.results.filter((x) => !x.success);
      const describe = bad.slice(0, 5).map((x) => {
        const e = x.expectation;
        return `${e.expect}${'column' in e ? `(${e.column})` : ''} ${fmt(x.result.unexpected_percent)}% unexpected`;
      });
      return bad.length === 0
        ? result('passed', name, `all ${r.results.length} expectations met`)
        : result('failed', name, `${bad.length} of ${r.results.length} expectations failed: ${describe.join('; ')}${bad.length > 5 ? '; …' : ''}`);
    }
    case 'signature': {
      if (ctx.baseline === null) {
        return firstVersion === 'pass'
          ? result('passed', name, 'no baseline to compare with: passes by first_version: pass')
          : result('failed', name, 'no baseline to compare with and first_version is fail');
      }
      const s = ctx.signature;
      if (s === undefined) return result('inconclusive', name, 'the signature diff was not available');
      const breaking = s.changes.filter((x) => x.kind === 'breaking').map((x) => x.detail);
      return breaking.length > 0
        ? result('failed', name, `breaking change(s) from version ${ctx.baseline.version}: ${breaking.join('; ')}`)
        : result('passed', name, s.changes.length === 0 ? `same signature as version ${ctx.baseline.version}` : `compatible with version ${ctx.baseline.version}: ${s.changes.map((x) => x.detail).join('; ')}`);
    }
    case 'robustness': {
      if (c.robustness === undefined || c.robustness.rows === 0) return result('inconclusive', name, 'robustness was not measured');
      const b = bounds('agreement', c.robustness.agreement, gate.min, undefined);
      return result(b.ok ? 'passed' : 'failed', name, `${b.text} over ${c.robustness.rows} rows with noise ${fmt(c.robustness.noiseScale)} × std`);
    }
    case 'determinism':
      if (c.determinism === undefined || c.determinism.rows === 0) return result('inconclusive', name, 'determinism was not measured');
      return c.determinism.identical
        ? result('passed', name, `${c.determinism.rows} rows gave identical outputs twice`)
        : result('failed', name, `${c.determinism.mismatches} output values differed between two runs of the same ${c.determinism.rows} rows`);
    case 'sanity': {
      const s = c.sanity;
      if (s === undefined || !s.checked) return result('inconclusive', name, 'the model has no probabilities output to check');
      return s.ok
        ? result('passed', name, `${s.rows} probability rows in [0, 1] summing to 1 within 1e-4`)
        : result('failed', name, `of ${s.rows} rows: ${s.outOfRange} outside [0, 1], ${s.badSums} not summing to 1 within 1e-4, ${s.nonFinite} not finite`);
    }
  }
}

export function applyGates(file: GatesFile | null, ctx: GateContext): { verdict: Verdict; gates: GateResult[]; summary: string } {
  const gates = (file?.gates ?? []).map((g) => applyGate(g, ctx, file!.firstVersion));
  if (gates.length === 0) {
    return { verdict: 'no-gates', gates, summary: 'NO GATES CONFIGURED: nothing was checked, so this evaluation is not a pass. Pass --gates FILE with at least one gate.' };
  }
  const failed = gates.filter((g) => g.kind === 'failed');
  const inconclusive = gates.filter((g) => g.kind === 'inconclusive');
  if (failed.length > 0) return { verdict: 'failed', gates, summary: `FAILED: ${failed.length} of ${gates.length} gates failed (${failed.map((g) => g.gate).join(', ')})` };
  if (inconclusive.length > 0) return { verdict: 'inconclusive', gates, summary: `INCONCLUSIVE: ${inconclusive.length} of ${gates.length} gates could not be judged (${inconclusive.map((g) => g.gate).join(', ')})` };
  return { verdict: 'passed', gates, summary: `PASSED: all ${gates.length} gates passed` };
}
