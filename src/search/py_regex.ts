/**
 * Python regular expressions on JavaScript's engine, for `RLIKE`: MLflow's SQL store answers
 * `col RLIKE pattern` on SQLite (the reference server's default database) with a REGEXP
 * function that is `re.search(pattern, value) is not None`, and a pattern `re` refuses matches
 * nothing (no error). {@link reSearch} is that test. The pattern is rewritten where the two
 * dialects differ: leading global flags `(?imsx)`, named groups `(?P<n>…)`/`(?P=n)`, `\A`,
 * `\Z`, `$` (also before a final newline), `^`/`.` (only `\n` ends a line), `[]…]`, and the
 * Unicode meaning of `\d`, `\w`, `\b`. What JavaScript cannot express (possessive and atomic
 * groups, `\N{…}`) matches nothing.
 *
 * @module
 */

const WORD = "\\p{L}\\p{N}_";
const START = "(?<![\\s\\S])";
const END = "(?![\\s\\S])";
const FLAGS = /^\(\?([aiLmsux]+)\)/;

interface Flags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
  ascii: boolean;
}

/** Leading global flags; null for the LOCALE flag, which `re` refuses on a text pattern. */
function leadingFlags(pattern: string): { flags: Flags; rest: string } | null {
  const flags = {
    ignoreCase: false,
    multiline: false,
    dotAll: false,
    verbose: false,
    ascii: false,
  };
  let rest = pattern;
  for (let m = FLAGS.exec(rest); m !== null; m = FLAGS.exec(rest)) {
    for (const f of m[1]!) {
      if (f === "L") return null;
      if (f === "i") flags.ignoreCase = true;
      if (f === "m") flags.multiline = true;
      if (f === "s") flags.dotAll = true;
      if (f === "x") flags.verbose = true;
      if (f === "a") flags.ascii = true;
    }
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** `\x` outside a character class, or null to copy it as written. */
function escapeOutside(c: string, unicode: boolean): string | null {
  if (c === "A") return START;
  if (c === "Z") return END;
  if (!unicode) return null;
  const word = `[${WORD}]`;
  switch (c) {
    case "d":
      return "\\p{Nd}";
    case "D":
      return "\\P{Nd}";
    case "w":
      return word;
    case "W":
      return `[^${WORD}]`;
    case "b":
      return `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`;
    case "B":
      return `(?:(?<=${word})(?=${word})|(?<!${word})(?!${word}))`;
  }
  return null;
}

/** The JavaScript source for a Python pattern (after its leading flags), or null. */
function translate(pattern: string, flags: Flags, unicode: boolean): string | null {
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      const c = pattern[i + 1];
      if (c === undefined) return null;
      i++;
      if (inClass) out += unicode && c === "d" ? "\\p{Nd}" : unicode && c === "w" ? WORD : `\\${c}`;
      else out += escapeOutside(c, unicode) ?? `\\${c}`;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      out += ch;
      continue;
    }
    if (flags.verbose && /\s/.test(ch)) continue;
    if (flags.verbose && ch === "#") {
      while (i < pattern.length && pattern[i] !== "\n") i++;
      continue;
    }
    const rest = pattern.slice(i);
    if (ch === "[") {
      inClass = true;
      const head = /^\[\^?\]?/.exec(rest)![0];
      out += head.endsWith("]") ? `${head.slice(0, -1)}\\]` : head;
      i += head.length - 1;
    } else if (rest.startsWith("(?P<")) {
      out += "(?<";
      i += 3;
    } else if (rest.startsWith("(?P=")) {
      const close = rest.indexOf(")");
      if (close < 0) return null;
      out += `\\k<${rest.slice(4, close)}>`;
      i += close;
    } else if (rest.startsWith("(?#")) {
      const close = rest.indexOf(")");
      if (close < 0) return null;
      i += close;
    } else if (/^\(\?[aiLmsux]+\)/.test(rest)) {
      return null; // "global flags not at the start of the expression"
    } else if (ch === "$") {
      out += flags.multiline ? `(?=\\n|${END})` : `(?=\\n?${END})`;
    } else if (ch === "^") {
      out += flags.multiline ? `(?:${START}|(?<=\\n))` : START;
    } else if (ch === ".") {
      out += flags.dotAll ? "[\\s\\S]" : "[^\\n]";
    } else {
      out += ch;
    }
  }
  return inClass ? null : out;
}

function compile(pattern: string): RegExp | null {
  const lead = leadingFlags(pattern);
  if (lead === null) return null;
  const { flags, rest } = lead;
  const i = flags.ignoreCase ? "i" : "";
  // Unicode mode first (code points, `\p{…}`); its stricter syntax falls back to legacy mode.
  for (const unicode of flags.ascii ? [false] : [true, false]) {
    const source = translate(rest, flags, unicode);
    if (source === null) return null;
    try {
      return new RegExp(source, unicode ? `u${i}` : i);
    } catch {
      // next mode, or no match
    }
  }
  return null;
}

const cache = new Map<string, RegExp | null>();

/** The compiled pattern (cached), or null when Python's `re` would refuse it. */
export function pyRegExp(pattern: string): RegExp | null {
  if (cache.has(pattern)) return cache.get(pattern)!;
  const re = compile(pattern);
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** `re.search(pattern, text) is not None`, false for a pattern `re` refuses. */
export function reSearch(pattern: string, text: string): boolean {
  return pyRegExp(pattern)?.test(text) ?? false;
}
