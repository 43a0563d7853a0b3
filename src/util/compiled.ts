/**
 * Whether this process is a `deno compile` binary: such a binary cannot start `deno serve`
 * (`--workers`) and reads its UI from its embedded files.
 *
 * @module
 */

/** True when `execPath` is not the `deno` executable itself. */
export function runningCompiled(execPath: string = Deno.execPath()): boolean {
  return !/^deno(\.exe)?$/.test(execPath.split(/[\\/]/).pop() ?? "");
}
