/** A flag's value as a whole number of at least 1; the error names the flag and the value. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number, not '${value}'`);
  return n;
}

/** A flag's value as a whole number of at least 0 (0 usually turns something off). */
export function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  // Number('') is 0: an empty value is not a 0.
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, 0 or more, not '${value}'`);
  return n;
}
