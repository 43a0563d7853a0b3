/**
 * Reading one `order_by` string (`"<identifier> [ASC|DESC]"`) the way MLflow does:
 * `sqlparse` must see a single identifier (or the built-in word `timestamp`), then
 * `shlex.split` (with backticks turned into double quotes) separates the direction.
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import { isGroup, isTok, isWs, nodeText, parseSql } from "./grouping.ts";

/** The field text (quotes kept unless a direction was split off) and the direction. */
export interface OrderByToken {
  readonly field: string;
  readonly ascending: boolean;
}

/** `shlex.split(s)` in POSIX mode; throws on an unclosed quote or a trailing backslash. */
export function shlexSplit(s: string): string[] {
  const tokens: string[] = [];
  let current: string | null = null;
  let i = 0;
  while (i < s.length) {
    const ch = s[i] as string;
    if (" \t\r\n".includes(ch)) {
      if (current !== null) tokens.push(current);
      current = null;
      i++;
    } else if (ch === "\\") {
      if (i + 1 >= s.length) throw new Error("No escaped character");
      current = (current ?? "") + s[i + 1];
      i += 2;
    } else if (ch === "'" || ch === '"') {
      current = current ?? "";
      i++;
      for (;;) {
        if (i >= s.length) throw new Error("No closing quotation");
        const c = s[i] as string;
        if (c === ch) {
          i++;
          break;
        }
        if (ch === '"' && c === "\\" && (s[i + 1] === '"' || s[i + 1] === "\\")) {
          current += s[i + 1];
          i += 2;
          continue;
        }
        current += c;
        i++;
      }
    } else {
      current = (current ?? "") + ch;
      i++;
    }
  }
  if (current !== null) tokens.push(current);
  return tokens;
}

/** `_validate_order_by_and_generate_token`: the clause's text, or MLflow's error. */
function orderByTokenValue(orderBy: string): string {
  const fail = () => invalidParameter(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  const statements = parseSql(orderBy);
  if (statements.length !== 1) throw fail();
  const tokens = (statements[0] ?? { children: [] }).children;
  const first = tokens[0];
  const isTimestamp = isTok(first, "builtin") && first.text === "timestamp";
  if (tokens.length === 1 && isGroup(first, "ident")) return nodeText(first);
  if (tokens.length === 1 && isTimestamp) return "timestamp";
  const last = tokens[tokens.length - 1];
  if (
    tokens.length > 1 && isTimestamp && tokens.slice(1, -1).every(isWs) && isTok(last, "order")
  ) {
    return `timestamp ${last.text}`;
  }
  throw fail();
}

/** `_parse_order_by_string`: the field and direction of one `order_by` clause. */
export function parseOrderByString(orderBy: string): OrderByToken {
  const value = orderByTokenValue(orderBy);
  let parts: string[];
  try {
    parts = shlexSplit(value.replaceAll("`", '"'));
  } catch {
    // MLflow lets shlex's ValueError escape (HTTP 500); we answer 400.
    throw invalidParameter(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  }
  if (parts.length > 2) {
    throw invalidParameter(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
  }
  if (parts.length === 2) {
    const direction = (parts[1] as string).toLowerCase();
    if (direction !== "asc" && direction !== "desc") {
      throw invalidParameter(`Invalid ordering key in order_by clause '${orderBy}'.`);
    }
    return { field: parts[0] as string, ascending: direction === "asc" };
  }
  return { field: value, ascending: true };
}

/** Python's `str.strip()` (whitespace). */
export function pyStrip(s: string): string {
  return s.replace(/^\s+|\s+$/gu, "");
}
