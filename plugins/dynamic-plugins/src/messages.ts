/** An error's first line: messages name a plugin and a reason, not a stack. */
export function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
