/**
 * Python regular expressions on JavaScript's engine, for `RLIKE`: MLflow's SQL store answers
 * `col RLIKE pattern` on SQLite (the reference server's default database) with a REGEXP
 * function that is `re.search(pattern, value) is not None`, and a pattern `re` refuses matches
 * nothing (no error). {@link reSearch} is that test. The pattern is rewritten where the two
 * dialects differ: leading global flags `(?imsx)`, named groups `(?P<n>…)`/`(?P=n)`, `\A`,
 * `\Z`, `$` (also before a final newline), `^`/`.` (only `\n` ends a line), `[]…]`, `{,n}`, the
 * Unicode meaning of `\d`, `\w`, `\b`, quantified lookarounds, the escapes `re` refuses. What
 * JavaScript cannot express (possessive and atomic groups, `\N{…}`, a quantifier after a
 * `(?#…)` comment) matches nothing; a variable-width lookbehind, which `re` refuses, is run.
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
    case "B": // never in an empty text (Python before 3.14)
      return `(?:(?<=${word})(?=${word})|(?<!${word})(?!${word})(?:(?<=[\\s\\S])|(?=[\\s\\S])))`;
  }
  return null;
}

/** Letters `re` knows after a backslash, outside and inside a class (any other one is an error). */
const LETTERS_OUTSIDE = new Set("AbBdDsSwWZafnrtvxuUN");
const LETTERS_INSIDE = new Set("bdDsSwWafnrtvxuUN");
const HEX_DIGITS = { x: 2, u: 4, U: 8 } as Record<string, number>;

/**
 * The escape that starts `rest` (after its backslash): its JavaScript text and how many
 * characters of `rest` it takes, or null when `re` refuses it or JavaScript cannot say it.
 */
function escape(
  rest: string,
  inClass: boolean,
  unicode: boolean,
): { text: string; length: number } | null {
  const c = rest[0];
  if (c === undefined || c === "N") return null; // a trailing backslash; `\N{name}`
  const digits = HEX_DIGITS[c];
  if (digits !== undefined) {
    const hex = rest.slice(1, 1 + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) return null;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) return null;
    const text = cp <= 0xffff
      ? `\\u${hex.slice(-4).padStart(4, "0")}`
      : unicode
      ? `\\u{${cp.toString(16)}}`
      : String.fromCodePoint(cp);
    return { text, length: 1 + digits };
  }
  if (/[A-Za-z]/.test(c) && !(inClass ? LETTERS_INSIDE : LETTERS_OUTSIDE).has(c)) return null;
  if (c === "a") return { text: "\\x07", length: 1 };
  if (inClass) {
    const text = unicode && c === "d" ? "\\p{Nd}" : unicode && c === "w" ? WORD : `\\${c}`;
    return { text, length: 1 };
  }
  return { text: escapeOutside(c, unicode) ?? `\\${c}`, length: 1 };
}

/** A quantifier (`re` refuses one after an assertion: "nothing to repeat"). */
const QUANTIFIER = /^(?:[*+?]|\{(?:\d+|\d*,\d*)\})/;

/** The JavaScript source for a Python pattern (after its leading flags), or null. */
function translate(pattern: string, flags: Flags, unicode: boolean): string | null {
  let out = "";
  let inClass = false;
  const names = new Set<string>();
  // Per open group, whether it is a lookaround: wrapped in `(?:…)`, as Python may quantify one.
  const groups: boolean[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      const esc = escape(pattern.slice(i + 1), inClass, unicode);
      if (esc === null) return null;
      const assertion = !inClass && "AZbB".includes(pattern[i + 1]!);
      out += esc.text;
      i += esc.length;
      if (assertion && QUANTIFIER.test(pattern.slice(i + 1))) return null;
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
      names.add(rest.slice(4, rest.indexOf(">")));
      groups.push(false);
      out += "(?<";
      i += 3;
    } else if (rest.startsWith("(?P=")) {
      const close = rest.indexOf(")");
      const name = rest.slice(4, close);
      if (close < 0 || !names.has(name)) return null; // "unknown group name"
      out += `\\k<${name}>`;
      i += close;
    } else if (rest.startsWith("(?#")) {
      const close = rest.indexOf(")");
      // A quantifier after a comment applies to what precedes it: not worth rewriting.
      if (close < 0 || /^[*+?{]/.test(rest.slice(close + 1))) return null;
      i += close;
    } else if (ch === "(") {
      const lookaround = /^\(\?<?[=!]/.test(rest);
      groups.push(lookaround);
      out += lookaround ? "(?:(" : "(";
    } else if (ch === ")") {
      const lookaround = groups.pop();
      if (lookaround === undefined) return null; // "unbalanced parenthesis"
      out += lookaround ? "))" : ")";
    } else if (/^\{,\d+\}/.test(rest)) {
      out += "{0"; // Python's `{,n}` is `{0,n}`
    } else if (/^\(\?[aiLmsux]+\)/.test(rest)) {
      return null; // "global flags not at the start of the expression"
    } else if ((ch === "$" || ch === "^") && QUANTIFIER.test(rest.slice(1))) {
      return null;
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
  return inClass || groups.length > 0 ? null : out;
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
