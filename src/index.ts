/**
 * aiops-guard as a library: the same pipeline the CLI runs, without a terminal.
 * @example
 *   const report = await runCheck({ cwd: '/path/to/repo', source: { mode: 'index' } });
 *   if (report.summary.exitCode !== 0) console.log(formatText(report));
 */
export { runCheck } from './check/pipeline.js';
export type { CheckOptions, SourceSpec, Progress } from './check/types.js';
export { runDrift, type DriftOptions } from './drift/run.js';
export { runRollback, runScan, type HistoryOptions } from './history/run.js';
export { formatText, type Palette } from './report/format-text.js';
export { FORMATS, type FormatName } from './report/formats.js';
export { decideExitCode, EXIT } from './report/exit-code.js';
export type { Report, Finding, ReportError, ReportSource, ReportSummary, ResourceId, Severity, FailOn, Suppression, DriftItem, DriftChange, RollbackSuggestion, Culprit, LiveMatch, CommitRef, RuleInfo } from './report/types.js';
export { GuardError, UsageError, DataError, NotFoundError, ConfigError } from './errors.js';
export { parseConfigText, parseConfigFile, type ConfigDocument, type ParsedFile } from './parse/documents.js';
export type { Rule, RuleSpec } from './rules/types.js';
