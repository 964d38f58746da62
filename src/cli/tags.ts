/** Tag edits from the command line: `--tag KEY=VALUE` sets, `--untag KEY` removes, the rest is kept. */
import { fail } from '../lib/errors.ts';

/**
 * The tags after `--tag KEY=VALUE` (set) and `--untag KEY` (remove) flags, or
 * undefined when neither was given; MG_USAGE when a key is both set and removed.
 */
export function patchTags(current: Readonly<Record<string, string>>, set: Record<string, string> = {}, unset: readonly string[] = []): Record<string, string> | undefined {
  if (Object.keys(set).length === 0 && unset.length === 0) return undefined;
  const both = unset.filter((k) => k in set);
  if (both.length > 0) fail('MG_USAGE', { detail: `tag ${both.join(', ')} is both set (--tag) and removed (--untag)` });
  const out: Record<string, string> = { ...current, ...set };
  for (const k of unset) delete out[k];
  return out;
}
