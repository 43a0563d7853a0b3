/**
 * The runner's console output and child processes: headers, loud warnings, and `run()`, which
 * streams a child's stdout through while keeping its tail for the summary parsers, and kills it
 * at its timeout. `stopAll()` ends whatever is still running when the runner is interrupted.
 *
 * @module
 */
import { stripAnsi } from "./summary.ts";

export const MIN = 60_000;

const encoder = new TextEncoder();

/** Writes one line to stdout, synchronously (output order matches the children's). */
export function print(line = ""): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/** A `== title` banner between tiers. */
export function header(title: string): void {
  print();
  print("=".repeat(100));
  print(`== ${title}`);
  print("=".repeat(100));
}

/** A message framed in `!!!` lines, for what must not scroll by unnoticed. */
export function loud(message: string): void {
  print();
  print("!".repeat(100));
  for (const line of message.split("\n")) print(`!!! ${line}`);
  print("!".repeat(100));
  print();
}

/** True when `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Quotes one argument for a POSIX shell (and Python's shlex). */
export function shQuote(arg: string): string {
  return /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'"'"'`)}'`;
}

/** The command as a shell line; a long list of test files is shortened to its first few. */
export function commandLine(cmd: string, args: string[]): string {
  const files = args.filter((a) => !a.startsWith("-") && /_test\.tsx?$/.test(a));
  const shown = files.length > 8
    ? [
      ...args.filter((a) => !files.includes(a)),
      ...files.slice(0, 4),
      `… (${files.length} test files)`,
    ]
    : args;
  return [cmd, ...shown].map((a) => a.startsWith("…") ? a : shQuote(a)).join(" ");
}

/** How to run one child process. */
export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Variables to remove from the inherited environment. */
  unset?: string[];
  timeoutMs?: number;
  /** Print the child's stdout as it arrives (default true). */
  stream?: boolean;
}

/** How a child process ended. */
export interface RunResult {
  code: number;
  /** stdout without colour codes (the last 256 KB). */
  output: string;
  timedOut: boolean;
}

const running = new Set<Deno.ChildProcess>();

/** Runs a command, streaming its stdout through and keeping it for parsing. */
export async function run(cmd: string, args: string[], options: RunOptions): Promise<RunResult> {
  print(`$ ${commandLine(cmd, args)}`);
  const env = { ...Deno.env.toObject(), ...options.env };
  for (const key of options.unset ?? []) delete env[key];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      cwd: options.cwd,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch (e) {
    print(`cannot start ${cmd}: ${e}`);
    return { code: 127, output: "", timedOut: false };
  }
  running.add(child);
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    loud(`${cmd} ${args[0] ?? ""} exceeded ${options.timeoutMs! / MIN} min: killing it`);
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, options.timeoutMs);
  const decoder = new TextDecoder();
  let output = "";
  for await (const chunk of child.stdout) {
    if (options.stream !== false) await Deno.stdout.write(chunk);
    output = (output + decoder.decode(chunk, { stream: true })).slice(-256_000);
  }
  const status = await child.status;
  clearTimeout(timer);
  running.delete(child);
  return { code: status.code, output: stripAnsi(output), timedOut };
}

/** Sends SIGTERM to every child `run()` started that is still running. */
export function stopAll(): void {
  for (const child of running) {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
}
