import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, GuardError } from '../errors.js';
import { formatResource } from '../parse/identity.js';
import { jsonErrorAt } from '../parse/json-error.js';
import { findingFingerprint } from '../report/fingerprint.js';
import type { Finding } from '../report/types.js';

/** The baseline file's default name, at the repository root. */
export const BASELINE_FILE = '.aiops-guard-baseline.json';

/** One accepted finding. Only `fingerprint` is compared; the rest is there for the reviewer of the diff. */
export interface BaselineEntry {
  fingerprint: string;
  rule: string;
  resource: string | null;
  pointer: string;
  file: string;
  /** The rendered target of the finding (part of its fingerprint); absent for plain manifests. */
  target?: string;
}

interface Baseline {
  version: 1;
  findings: BaselineEntry[];
}

/** The entry of a finding, as the baseline stores it. */
function toBaselineEntry(f: Finding): BaselineEntry {
  return { fingerprint: findingFingerprint(f), rule: f.ruleId, resource: f.resource ? formatResource(f.resource) : null, pointer: f.pointer, file: f.file, ...(f.target ? { target: f.target } : {}) };
}

/** The findings a baseline accepts: every finding that counts (waived ones need no baseline), one entry per fingerprint. */
export function createBaseline(findings: readonly Finding[]): Baseline {
  const byFingerprint = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if (f.suppressed) continue;
    const e = toBaselineEntry(f);
    if (!byFingerprint.has(e.fingerprint)) byFingerprint.set(e.fingerprint, e);
  }
  return { version: 1, findings: sortEntries([...byFingerprint.values()]) };
}

export function sortEntries(entries: BaselineEntry[]): BaselineEntry[] {
  return entries.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
}

/**
 * One entry per line, sorted by fingerprint, keys in a fixed order: adding or fixing
 * a finding is a one-line diff, and two runs on the same repository write the same bytes.
 */
function serializeBaseline(b: Baseline): string {
  const lines = b.findings.map((e) => '    ' + JSON.stringify({ fingerprint: e.fingerprint, rule: e.rule, resource: e.resource, pointer: e.pointer, file: e.file, ...(e.target ? { target: e.target } : {}) }));
  const comment = 'Findings accepted by `aiops-guard baseline`: they are reported, but do not fail the gate. Only "fingerprint" is compared (rule + resource + JSON pointer); rule, resource, pointer and file are for review. Re-run `aiops-guard baseline --prune` to drop fixed ones.';
  return `{\n  "$comment": ${JSON.stringify(comment)},\n  "version": 1,\n  "findings": [${lines.length ? '\n' + lines.join(',\n') + '\n  ' : ''}]\n}\n`;
}

/** Writes the baseline, creating its folder; a place that cannot be written exits 73 (cannot create output) with the reason. */
export async function writeBaseline(file: string, b: Baseline): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, serializeBaseline(b));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new GuardError(`cannot write the baseline ${file}: ${reason}`, 73, 'give a --baseline path in a folder you can write to');
  }
}

/** Reads a baseline file; a broken one is a configuration error naming the file and the fix. */
export async function readBaseline(file: string): Promise<Baseline> {
  const text = await readFile(file, 'utf8');
  const fix = `regenerate it with: aiops-guard baseline --baseline ${path.basename(file)} (or fix it by hand)`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const at = jsonErrorAt(text);
    throw new ConfigError(`${file}:${at.line}:${at.column}: not valid JSON: ${at.reason}`, fix);
  }
  const d = data as { version?: unknown; findings?: unknown };
  if (typeof data !== 'object' || data === null || d.version !== 1 || !Array.isArray(d.findings)) {
    throw new ConfigError(`${file}: not an aiops-guard baseline (expected {"version": 1, "findings": [...]})`, fix);
  }
  const findings: BaselineEntry[] = [];
  d.findings.forEach((e: unknown, i: number) => {
    const entry = e as Partial<BaselineEntry> | null;
    if (typeof entry !== 'object' || entry === null || typeof entry.fingerprint !== 'string' || entry.fingerprint === '') {
      throw new ConfigError(`${file}: findings[${i}] has no "fingerprint"`, fix);
    }
    findings.push({ fingerprint: entry.fingerprint, rule: String(entry.rule ?? ''), resource: entry.resource ?? null, pointer: String(entry.pointer ?? ''), file: String(entry.file ?? ''), ...(typeof entry.target === 'string' ? { target: entry.target } : {}) });
  });
  return { version: 1, findings };
}
