/**
 * The one line a failed start-up prints instead of a stack trace: what failed and, where there
 * is one, what to do about it.
 *
 * @module
 */

/** `Error: …` for any failure that escapes start-up. */
export function startupError(e: unknown): string {
  if (e instanceof Deno.errors.AddrInUse) {
    return `Error: the address is already in use (${
      firstLine(e.message)
    }); stop the other process or pass another --port`;
  }
  if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.AddrNotAvailable) {
    return `Error: cannot listen: ${firstLine(e.message)}`;
  }
  if (e instanceof Error) return `Error: ${firstLine(e.message) || e.name}`;
  return `Error: ${String(e)}`;
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.trim();
}
