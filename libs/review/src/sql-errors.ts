/** The HINT a database function raised with, which names the rule it refused on. */
export function hintOf(error: unknown): string | undefined {
  return (error as { driverError?: { hint?: string } }).driverError?.hint;
}

/** The message a database function raised with, written for the caller. */
export function messageOf(error: unknown): string {
  return (error as { driverError?: { message?: string } }).driverError?.message ?? String(error);
}
