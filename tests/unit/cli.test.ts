import { describe, expect, test } from '@jest/globals';
import { CommanderError } from 'commander';
import { describeError } from '../../src/cli/main.js';
import { ConfigError, NotFoundError } from '../../src/errors.js';

describe('the one top-level catch', () => {
  test('no command prints help and exits 64; --help and --version exit 0', () => {
    expect(describeError(new CommanderError(1, 'commander.help', '(outputHelp)'), false).exitCode).toBe(64);
    expect(describeError(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), false).exitCode).toBe(0);
    expect(describeError(new CommanderError(0, 'commander.version', '0.1.0'), false).exitCode).toBe(0);
    expect(describeError(new CommanderError(1, 'commander.unknownOption', 'x'), false).exitCode).toBe(64);
  });

  test('a bug exits 70 with a short message; the stack only with --debug', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'kind')");
    expect(describeError(bug, false)).toEqual({
      exitCode: 70,
      text: "aiops-guard: internal error: Cannot read properties of undefined (reading 'kind')\n  hint: this is a bug; run again with --debug for the stack trace and report it\n",
    });
    const debug = describeError(bug, true);
    expect(debug.exitCode).toBe(70);
    expect(debug.text).toContain('at ');
  });

  test('typed errors carry their exit code and hint', () => {
    expect(describeError(new ConfigError('x.json: bad', 'fix it'), false)).toEqual({ exitCode: 78, text: 'aiops-guard: x.json: bad\n  hint: fix it\n' });
    expect(describeError(new NotFoundError('gone'), false)).toEqual({ exitCode: 66, text: 'aiops-guard: gone\n' });
  });
});
