import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

/** `--shard k/n`: this run checks the k-th of n parts of the repository (1-based). */
export interface Shard {
  index: number;
  total: number;
}

/** Parses `k/n`; anything else is a usage error that says what to give. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d{1,6})\s*\/\s*(\d{1,6})\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const total = m ? Number(m[2]) : NaN;
  if (!m || total < 1 || index < 1 || index > total) {
    throw new UsageError(
      `--shard "${text}" is not a shard: give k/n with 1 ≤ k ≤ n (e.g. --shard 2/4)`,
      'in a CI matrix: --shard ${{ matrix.shard }}/4 (GitHub) or --shard $CI_NODE_INDEX/$CI_NODE_TOTAL (GitLab parallel)',
    );
  }
  return { index, total };
}

/**
 * Which shard a repository-relative path belongs to: the first 4 bytes of its SHA-256, as an
 * unsigned number, modulo n. The same on every run and every machine, whatever the file holds,
 * so a file stays in its shard while it changes.
 */
export function shardOf(relPath: string, total: number): number {
  return (createHash('sha256').update(relPath).digest().readUInt32BE(0) % total) + 1;
}

/** True when this run checks `relPath` (always, without --shard). */
export function inShard(relPath: string, shard: Shard | undefined): boolean {
  return !shard || shard.total === 1 || shardOf(relPath, shard.total) === shard.index;
}

/**
 * Findings that belong to the run rather than to one file (policy-weakened, config waivers that
 * waive nothing, and cross-document findings) are reported by shard 1 only, so the union of the
 * shards is the unsharded report with each of them once.
 */
export function ownsRunFindings(shard: Shard | undefined): boolean {
  return !shard || shard.index === 1;
}
