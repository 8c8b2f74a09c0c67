/**
 * An installer failure that is the user's to fix (bad config, bad archive,
 * registry refused). Its message is printed as it is: one line, no stack,
 * never a token or password.
 */
export class InstallError extends Error {
  constructor(
    message: string,
    /** A stable machine-readable reason, e.g. `INTEGRITY_MISMATCH`. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'InstallError';
  }
}
