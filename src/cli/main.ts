import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ownProcessMemory } from '../check/collect-garbage.js';
import { GuardError } from '../errors.js';
import { EXIT } from '../report/exit-code.js';
import { GROUP_BY } from '../report/format-text.js';
import { SEVERITIES } from '../report/types.js';
import { PROFILES } from '../rules/profiles.js';
import { TOOL_VERSION } from '../version.js';
import type { BaselineFlags, DriftFlags, MergeFlags, RulesFlags, SourceFlags } from './flags.js';

/** Options shared by the commands that read configs from the repository. */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];


function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of 1 or more');
  return n;
}

function addSourceOptions(cmd: Command, which: { staged?: boolean; changedSince?: boolean } = {}): Command {
  cmd
    .option('-C, --repo <dir>', 'repository to check (default: the git root above the current folder)')
    .option('--ref <rev>', 'check the configs of a commit, branch or tag (read from git objects)');
  // rollback walks committed history: the index and --changed-since mean nothing to it, so it does not offer them.
  if (which.staged !== false) cmd.option('--staged', 'check exactly what is staged (the index), as the pre-commit hook does');
  if (which.changedSince !== false) cmd.option('--changed-since <rev>', 'only files that differ from the merge-base with <rev>');
  return cmd
    .option('--target <path>', 'only this rendered target: a kustomization folder or a render entry\'s path, from the repository root (repeatable); plain manifests are then left out', collect)
    .option('-r, --rules <path>', 'extra rule file or folder (repeatable: -r a -r b)', collect)
    .option('--only <ids>', 'run only these rule ids or globs (comma-separated, e.g. k8s-*)')
    .option('--skip <ids>', 'skip these rule ids or globs (comma-separated)')
    .addOption(new Option('--profile <level>', 'run exactly the rules of a Pod Security Standards level (restricted includes baseline)').choices([...PROFILES]))
    .option('-f, --format <format>', 'text | json | sarif | junit | github | gitlab (repeatable, paired with -o)', collect)
    .option('-o, --output <file>', 'write the report to a file (repeatable: -f text -f sarif -o out.sarif; without -f, .json, .sarif and .xml name the format); the terminal gets a summary', collect)
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the run (default: high)').choices([...SEVERITIES, 'never']))
    .option('--no-inline-waivers', 'ignore aiops-guard.io/ignore.<rule> annotations')
    .option('--config <file>', 'config file (default: .aiopsrc* or package.json#aiops at the repository root)')
    .option('--allow-js-config', 'allow a JS/TS config (it runs code from the repository)')
    .option('--allow-render', 'run the config\'s render commands (code from the repository; without it they run only from a --trusted-config)')
    .option('--no-cache', 'do not use or update the result cache (results by file content, kept between runs)')
    .option('--cache-dir <dir>', 'folder of the result cache (default: node_modules/.cache/aiops-guard, else $XDG_CACHE_HOME/aiops-guard)')
    .option('-j, --jobs <n>', 'use at most <n> threads (default: one per core)', parsePositiveInt)
    .option('--trusted-config <rev>', 'read .aiopsrc*, user rule packs and the baseline from this commit (e.g. the target branch), not the tree under review (env AIOPS_GUARD_TRUSTED_CONFIG)')
    .option('--no-color', 'no colours')
    .option('-q, --quiet', 'print nothing when the run passes; otherwise only what fails it')
    .option('--no-progress', 'no spinner')
    .option('--debug', 'show stack traces of internal errors');
}

/** The baseline file, as check, scan and rollback read it. */
function addBaselineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--baseline <file>', 'accepted findings: they are reported but do not fail').default(true, `${'.aiops-guard-baseline.json'} when present`))
    .option('--no-baseline', 'ignore the baseline file: every finding counts');
}

/** check and scan: the baseline, --new-since, and how the text report reads. */
function addGateOptions(cmd: Command): Command {
  return addBaselineOptions(cmd)
    .option('--new-since <rev>', 'only findings that do not exist at the merge-base of <rev> and the checked commit fail')
    .addOption(new Option('--show <severity>', 'list findings in full from this severity (default: the gate); all lists every one').choices([...SEVERITIES, 'all']))
    .addOption(new Option('--group-by <key>', 'group listed findings (text)').choices([...GROUP_BY]).default('file'))
    .option('--verbose', 'say which config file, rule packs and baseline the run uses (on stderr)');
}


function buildProgram(): Command {
  const program = new Command('aiops-guard')
    .description('Policy-and-drift checker for GitOps repositories that run AI/ML and platform workloads')
    .version(TOOL_VERSION, '-V, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .showHelpAfterError('(run with --help for usage)');
  // --trusted-config reaches the config loader as the variable CI can also set (config/load.ts reads it).
  program.hook('preAction', (_program, action) => {
    const rev = (action.opts() as { trustedConfig?: unknown }).trustedConfig;
    if (typeof rev === 'string') process.env.AIOPS_GUARD_TRUSTED_CONFIG = rev;
  });

  addGateOptions(
    addSourceOptions(
      program
        .command('check')
        .description('validate configs against the rules')
        .option('--blame', 'give each finding the commit that introduced it (reads first-parent history, as rollback does)')
        .option('--max-commits <n>', 'with --blame: how many first-parent commits to look back (default 200)', parsePositiveInt)
        .option('--shard <k/n>', 'check only the k-th of n parts of the files (by path hash, for a CI matrix; join the JSON reports with aiops-guard merge)')
        .argument('[paths...]', 'limit the scan to these files or folders'),
    ),
  )
    .addHelpText('after', '\nExit codes: 0 clean, 1 findings at or above --fail-on (baseline ones excepted), 64 usage, 66 not found, 78 config error.')
    .action(async (paths: string[], flags: SourceFlags & { blame?: boolean; maxCommits?: number }) => {
      const { runCheckCommand } = await import('./commands/check.js');
      process.exitCode = await runCheckCommand(paths, { ...flags, paths });
    });

  addSourceOptions(
    program
      .command('drift')
      .description('report drift between desired state (git) and a live snapshot')
      .requiredOption('--live <snapshot>', 'kubectl get ... -o json|yaml output: a file, a folder of them, or - for stdin')
      .option('--strict', 'also report every field only live has (hand edits), not only those that make live less secure')
      .addOption(new Option('--fail-on-drift <which>', 'which drift fails the run: any, security (only security-relevant), never (default: any)').choices(['any', 'security', 'never']))
      .argument('[paths...]', 'limit the desired state to these files or folders'),
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 in sync (or drift that --fail-on-drift lets pass), 2 drift, 1/3 when a desired file cannot be parsed,\n65 bad snapshot, 66 snapshot not found, 78 config error.',
    )
    .action(async (paths: string[], flags: DriftFlags) => {
      const { runDriftCommand } = await import('./commands/drift.js');
      process.exitCode = await runDriftCommand(paths, flags);
    });

  addBaselineOptions(addSourceOptions(
    program
      .command('rollback')
      .description('suggest the commit to roll back to, the commits to blame, and the git commands')
      .option('--live <snapshot>', 'also say which commit each drifted resource runs')
      .option('--strict', 'with --live: also report every field only live has (hand edits)')
      .addOption(new Option('--fail-on-drift <which>', 'with --live: which drift fails the run: any, security, never (default: any)').choices(['any', 'security', 'never']))
      .option('--max-commits <n>', 'how many first-parent commits to look back (default 200)', parsePositiveInt),
    { staged: false, changedSince: false },
  ))
    .addHelpText('after', '\nReads history from git objects and prints; it changes nothing. Exit 0 when the start commit passes the gate (findings the baseline accepts do not fail it, nor any commit).')
    .action(async (flags: SourceFlags & { live?: string; maxCommits?: number }) => {
      const { runRollbackCommand } = await import('./commands/history.js');
      process.exitCode = await runRollbackCommand(flags);
    });

  addGateOptions(addSourceOptions(
    program
      .command('scan')
      .description('check + drift + rollback suggestion in one run (the CI step)')
      .option('--live <snapshot>', 'live snapshot to compare with (kubectl get ... -o json|yaml, a folder, or -)')
      .option('--strict', 'with --live: also report every field only live has (hand edits)')
      .addOption(new Option('--fail-on-drift <which>', 'with --live: which drift fails the run: any, security, never (default: any)').choices(['any', 'security', 'never']))
      .option('--max-commits <n>', 'how many first-parent commits to look back (default 200)', parsePositiveInt)
      .argument('[paths...]', 'limit the scan to these files or folders'),
  ))
    .addHelpText('after', '\nExit codes: 0 clean, 1 findings, 2 drift, 3 both; 64/65/66/78 as for check and drift.')
    .action(async (paths: string[], flags: SourceFlags & { live?: string; maxCommits?: number }) => {
      const { runScanCommand } = await import('./commands/history.js');
      process.exitCode = await runScanCommand(paths, { ...flags, paths });
    });

  program
    .command('merge')
    .description('join the JSON reports of check --shard k/n into the report of the whole check')
    .argument('<reports...>', 'the shard reports (check --shard k/n -f json -o <file>), every shard once')
    .option('-f, --format <format>', 'text | json | sarif | junit | github | gitlab (repeatable, paired with -o)', collect)
    .option('-o, --output <file>', 'write the merged report to a file (repeatable, paired with -f)', collect)
    .addOption(new Option('--show <severity>', 'list findings in full from this severity (default: the gate); all lists every one').choices([...SEVERITIES, 'all']))
    .addOption(new Option('--group-by <key>', 'group listed findings (text)').choices([...GROUP_BY]).default('file'))
    .option('--no-color', 'no colours')
    .option('-q, --quiet', 'print nothing when the merged run passes; otherwise only what fails it')
    .option('--debug', 'show stack traces of internal errors')
    .addHelpText('after', "\nExit code: the merged report's (0 clean, 1 findings at or above the shards' --fail-on); 64 when the shards' gates differ,\n65 when a file is not a shard report of the same check or a shard is missing or given twice, 66 when a file is missing.")
    .action(async (reports: string[], flags: MergeFlags) => {
      const { runMergeCommand } = await import('./commands/merge.js');
      process.exitCode = await runMergeCommand(reports, flags);
    });

  program
    .command('baseline')
    .description('accept the current findings: write them to .aiops-guard-baseline.json so only new ones fail')
    .option('-C, --repo <dir>', 'repository (default: the git root above the current folder)')
    .option('--ref <rev>', 'take the findings of a commit, branch or tag instead of the working tree')
    .option('--baseline <file>', 'the file to write (default: config "baseline", or .aiops-guard-baseline.json at the repository root)')
    .option('--prune', 'only drop the entries that are no longer found (fixed); add nothing')
    .option('-r, --rules <path>', 'extra rule file or folder (repeatable: -r a -r b)', collect)
    .option('--no-inline-waivers', 'ignore aiops-guard.io/ignore.<rule> annotations')
    .option('--config <file>', 'config file (default: .aiopsrc* or package.json#aiops at the repository root)')
    .option('--allow-js-config', 'allow a JS/TS config (it runs code from the repository)')
    .option('--no-progress', 'no spinner')
    .option('--debug', 'show stack traces of internal errors')
    .addHelpText('after', '\nKeeps the entries already in the file (use --prune to drop fixed ones); exit 0 when written.')
    .action(async (flags: BaselineFlags) => {
      const { runBaselineCommand } = await import('./commands/baseline.js');
      process.exitCode = await runBaselineCommand(flags);
    });

  const rules = program.command('rules').description('list, show and test rules');
  const ruleOptions = (cmd: Command) =>
    cmd
      .option('-C, --repo <dir>', 'repository whose config and rule packs to include')
      .option('-r, --rules <path>', 'extra rule file or folder (repeatable: -r a -r b)', collect)
      .option('--config <file>', 'config file')
      .option('--allow-js-config', 'allow a JS/TS config (it runs code from the repository)')
    .option('--no-cache', 'do not use or update the result cache (results by file content, kept between runs)')
    .option('--cache-dir <dir>', 'folder of the result cache (default: node_modules/.cache/aiops-guard, else $XDG_CACHE_HOME/aiops-guard)')
      .option('-f, --format <format>', 'text | json', 'text')
      .option('--no-color', 'no colours')
      .option('--debug', 'show stack traces of internal errors');
  ruleOptions(rules.command('list').description('list every rule: id, severity, pack, title'))
    .addOption(new Option('--profile <level>', 'list the controls of a Pod Security Standards level and the rule that checks each').choices([...PROFILES]))
    .action(async (flags: RulesFlags) => {
    const { runRulesList } = await import('./commands/rules.js');
    process.exitCode = await runRulesList(flags);
  });
  ruleOptions(rules.command('show').alias('explain').description('show a rule: description, fix, references, schema').argument('<id>', 'rule id')).action(
    async (id: string, flags: RulesFlags) => {
      const { runRulesShow } = await import('./commands/rules.js');
      process.exitCode = await runRulesShow(id, flags);
    },
  );
  rules
    .command('test')
    .description("run rule cases: built-in rules, or the rules under [dir] with cases in [dir]/cases/<rule-id>/")
    .argument('[dir]', 'folder of rule files')
    .option('--cases <dir>', 'folder of cases (default: <dir>/cases)')
    .option('--no-color', 'no colours')
    .option('--debug', 'show stack traces of internal errors')
    .addHelpText('after', '\nA case file or folder named pass* must give no finding of its rule; fail* must give at least one,\nexactly at the "# expect: <line>:<col>" comments when it has them. Exit 0 when all pass, 1 otherwise.')
    .action(async (dir: string | undefined, flags: RulesFlags & { cases?: string }) => {
      const { runRulesTest } = await import('./commands/rules.js');
      process.exitCode = await runRulesTest(dir, flags);
    });

  program
    .command('init')
    .description('write a starter .aiopsrc.json (never overwrites one)')
    .option('-C, --repo <dir>', 'repository to write it in (default: the git root above the current folder)')
    .option('--debug', 'show stack traces of internal errors')
    .action(async (flags: { repo?: string }) => {
      const { runInit } = await import('./commands/setup.js');
      process.exitCode = await runInit(flags);
    });

  const hook = program.command('hook').description('manage the git pre-commit hook that runs check --staged');
  hook
    .command('install')
    .description('write .git/hooks/pre-commit (or under core.hooksPath); refuses to replace a hook that is not ours')
    .option('-C, --repo <dir>', 'repository (default: the git root above the current folder)')
    .option('--chain', 'keep an existing pre-commit hook and run it before the check')
    .option('--debug', 'show stack traces of internal errors')
    .action(async (flags: { repo?: string; chain?: boolean }) => {
      const { runHookInstall } = await import('./commands/setup.js');
      process.exitCode = await runHookInstall(flags);
    });
  hook
    .command('uninstall')
    .description('remove the hook aiops-guard wrote (and put back a chained one)')
    .option('-C, --repo <dir>', 'repository (default: the git root above the current folder)')
    .option('--debug', 'show stack traces of internal errors')
    .action(async (flags: { repo?: string }) => {
      const { runHookUninstall } = await import('./commands/setup.js');
      process.exitCode = await runHookUninstall(flags);
    });

  program
    .command('demo')
    .description('run scan on a bundled example repository and live snapshot (no set-up)')
    .option('-f, --format <format>', 'text | json', 'text')
    .option('--keep', 'keep the example repository and print where it is')
    .option('--no-color', 'no colours')
    .option('--no-progress', 'no spinner')
    .option('--debug', 'show stack traces of internal errors')
    .action(async (flags: { format: string; keep?: boolean; color: boolean; progress: boolean }) => {
      const { runDemoCommand } = await import('./commands/demo.js');
      process.exitCode = await runDemoCommand(flags);
    });
  return program;
}

/** The CLI entry: parses argv, runs the command, turns every error into a message and an exit code. */
export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // The CLI runs bundled (scripts/bundle.ts): stack traces point into src/*.ts through the source maps.
  if (debug) process.setSourceMapsEnabled(true);
  ownProcessMemory();
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err, debug);
  }
}

function reportError(err: unknown, debug: boolean): number {
  const { exitCode, text } = describeError(err, debug);
  if (text) process.stderr.write(text);
  return exitCode;
}

/** The message and exit code for an error: typed errors carry theirs; anything else is a bug (70). */
export function describeError(err: unknown, debug: boolean): { exitCode: number; text: string } {
  if (err instanceof CommanderError) {
    // commander has printed its message already.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return { exitCode: EXIT.clean, text: '' };
    // Help shown because no command was given is a usage error: a CI step must not pass doing nothing.
    if (err.code === 'commander.help') return { exitCode: err.exitCode === 0 ? EXIT.clean : EXIT.usage, text: '' };
    return { exitCode: EXIT.usage, text: '' };
  }
  if (err instanceof GuardError) {
    let text = `aiops-guard: ${err.message}\n`;
    if (err.hint) text += `  hint: ${err.hint}\n`;
    if (debug && err.stack) text += err.stack + '\n';
    return { exitCode: err.exitCode, text };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const tail = debug ? `${e.stack}\n` : '  hint: this is a bug; run again with --debug for the stack trace and report it\n';
  return { exitCode: EXIT.internal, text: `aiops-guard: internal error: ${e.message}\n${tail}` };
}
