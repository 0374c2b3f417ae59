/**
 * Typed errors. The core throws these; the CLI's one top-level catch turns
 * them into a message and the exit code they carry (see DESIGN.md, exit codes).
 */
export class GuardError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** A short hint telling the user what to do about it. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Unknown flag, conflicting options: exit 64. */
export class UsageError extends GuardError {
  constructor(message: string, hint?: string) {
    super(message, 64, hint);
  }
}

/** Input data that is unreadable or of the wrong shape: exit 65. */
export class DataError extends GuardError {
  constructor(message: string, hint?: string) {
    super(message, 65, hint);
  }
}

/** Not a git repository, unknown ref, missing file: exit 66. */
export class NotFoundError extends GuardError {
  constructor(message: string, hint?: string) {
    super(message, 66, hint);
  }
}

/** An invalid .aiopsrc or rule file: exit 78. */
export class ConfigError extends GuardError {
  constructor(message: string, hint?: string) {
    super(message, 78, hint);
  }
}
