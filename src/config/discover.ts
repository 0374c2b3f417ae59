import { UsageError } from '../errors.js';
import { loadWorktreeConfig, trustedRevision, type ConfigOptions } from './load.js';
import type { LoadedConfig } from './types.js';

/**
 * Finds, loads and validates .aiopsrc (module name `aiops`, cosmiconfig's places), reading data
 * files only: from the trusted commit when `--trusted-config` (or its environment variable) names
 * one, else from the work tree or the `--config` file.
 */
export async function loadConfig(options: ConfigOptions): Promise<LoadedConfig> {
  const trusted = trustedRevision(options);
  if (!trusted) return loadWorktreeConfig(options);
  if (options.file) throw new UsageError('--config and --trusted-config name two different configs; give one', 'in CI on pull requests, use --trusted-config <target branch> alone');
  const { loadTrustedConfig } = await import('./trust.js');
  return loadTrustedConfig(options.searchFrom, trusted);
}
