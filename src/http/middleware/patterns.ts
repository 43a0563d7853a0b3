/**
 * Shell-style patterns (Python's `fnmatch`), which `mlflow server` uses for `--allowed-hosts`
 * and `--cors-allowed-origins`: `*` any run of characters, `?` one character, `[seq]` / `[!seq]`
 * a character class (so `[[]::1]:*` matches `[::1]:5000`). A pattern without `*` is compared
 * exactly, as MLflow does.
 *
 * @module
 */

function escapeRegex(ch: string): string {
  return ch.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Translates one fnmatch pattern into an anchored regular expression (no recursion). */
export function fnmatchRegex(pattern: string): RegExp {
  let out = "";
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i++]!;
    if (ch === "*") out += "[\\s\\S]*";
    else if (ch === "?") out += "[\\s\\S]";
    else if (ch === "[") {
      let j = i;
      if (pattern[j] === "!") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j++;
      if (j >= pattern.length) {
        out += "\\[";
        continue;
      }
      let body = pattern.slice(i, j);
      i = j + 1;
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      const cls = [...body].map((c) => (c === "\\" || c === "]" || c === "^" ? `\\${c}` : c))
        .join("");
      out += negate ? `[^${cls}]` : `[${cls}]`;
    } else out += escapeRegex(ch);
  }
  return new RegExp(`^${out}$`, "i");
}

/**
 * A matcher for a list of patterns: exact (case-insensitive) for plain entries, fnmatch for
 * entries with `*`, as `is_allowed_host_header` and `should_block_cors_request` do.
 */
export function patternMatcher(patterns: readonly string[]): (value: string) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (p.includes("*")) globs.push(fnmatchRegex(p));
    else exact.add(p.toLowerCase());
  }
  return (value) => exact.has(value.toLowerCase()) || globs.some((g) => g.test(value));
}
