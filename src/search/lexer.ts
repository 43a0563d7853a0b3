/**
 * Tokenizer for filter and order-by strings. MLflow reads them with `sqlparse`, and which
 * clause is reported as invalid depends on how `sqlparse` cuts the text, so the rules
 * below follow its lexer (same regular expressions, same order) for the token kinds that
 * can appear in a search filter.
 *
 * @module
 */

/** Kinds of token; each maps to one `sqlparse` token type. */
export type TokenKind =
  | "ws" // Text.Whitespace, Newline
  | "comment" // Comment.*
  | "name" // Name (bare words, `backticked`, [bracketed])
  | "placeholder" // Name.Placeholder (?, :x, $x, %s)
  | "builtin" // Name.Builtin (timestamp, int, ...)
  | "symbol" // Literal.String.Symbol ("double quoted")
  | "string" // Literal.String.Single ('single quoted')
  | "integer" // Literal.Number.Integer
  | "float" // Literal.Number.Float
  | "hex" // Literal.Number.Hexadecimal
  | "keyword" // Keyword (AND, OR, IN, IS, NULL, NOT NULL, ...)
  | "dml" // Keyword.DML / DDL / CTE (select, insert, create, with, ...)
  | "order" // Keyword.Order (ASC, DESC)
  | "comparison" // Operator.Comparison (= != < <= > >= <> LIKE ILIKE RLIKE, NOT LIKE ...)
  | "operator" // Operator (+ - / ...)
  | "wildcard" // Wildcard (*)
  | "punct" // Punctuation ( ) , . ; : ::
  | "other" // Assignment, Command
  | "error"; // a character no rule matches

/** One token: its kind and its exact source text. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

const W = String.raw`[\p{L}\p{N}\p{M}_]`; // Python's \w
const NOT_W = String.raw`(?!${W})`; // Python's \b after a word
const ALPHA = String.raw`[A-ZÀ-Ü]`;

type Rule = readonly [RegExp, TokenKind | "word"];

function rule(source: string, kind: TokenKind | "word"): Rule {
  return [new RegExp(source, "iuy"), kind];
}

const RULES: readonly Rule[] = [
  rule(String.raw`(--|# ).*?(\r\n|\r|\n|$)`, "comment"),
  rule(String.raw`/\*[\s\S]*?\*/`, "comment"),
  rule(String.raw`(\r\n|\r|\n)`, "ws"),
  rule(String.raw`\s+`, "ws"),
  rule(String.raw`:=`, "other"),
  rule(String.raw`::`, "punct"),
  rule(String.raw`\*`, "wildcard"),
  rule("`(``|[^`])*`", "name"),
  rule("´(´´|[^´])*´", "name"),
  rule(String.raw`\?`, "placeholder"),
  rule(String.raw`%(\(${W}+\))?s`, "placeholder"),
  rule(String.raw`(?<!${W})[$:?]${W}+`, "placeholder"),
  rule(String.raw`\\${W}+`, "other"),
  rule(String.raw`(CASE|IN|VALUES|USING|FROM|AS)${NOT_W}`, "keyword"),
  rule(String.raw`(@|##|#)${ALPHA}${W}+`, "name"),
  rule(String.raw`${ALPHA}${W}*(?=\s*\.(?!\p{Nd}))`, "name"),
  rule(String.raw`(?<=\.)${ALPHA}${W}*`, "name"),
  rule(String.raw`${ALPHA}${W}*(?=\()`, "name"),
  rule(String.raw`-?0x[\p{Nd}A-F]+`, "hex"),
  rule(String.raw`-?\p{Nd}+(\.\p{Nd}+)?E-?\p{Nd}+`, "float"),
  rule(String.raw`(?![_A-ZÀ-Ü])-?(\p{Nd}+(\.\p{Nd}*)|\.\p{Nd}+)(?![_A-ZÀ-Ü])`, "float"),
  rule(String.raw`(?![_A-ZÀ-Ü])-?\p{Nd}+(?![_A-ZÀ-Ü])`, "integer"),
  rule(String.raw`'(''|\\'|[^'])*'`, "string"),
  rule(String.raw`"(""|\\"|[^"])*"`, "symbol"),
  rule(String.raw`(""|".*?[^\\]")`, "symbol"),
  rule(String.raw`(?<![\p{L}\p{N}\p{M}_\])])(\[[^\]\[]+\])`, "name"),
  rule(
    String
      .raw`((LEFT\s+|RIGHT\s+|FULL\s+)?(INNER\s+|OUTER\s+|STRAIGHT\s+)?|(CROSS\s+|NATURAL\s+)?)?JOIN${NOT_W}`,
    "keyword",
  ),
  rule(String.raw`END(\s+IF|\s+LOOP|\s+WHILE|\s+FOR|\s+CASE)?${NOT_W}`, "keyword"),
  rule(String.raw`IF\s+(NOT\s+)?EXISTS${NOT_W}`, "keyword"),
  rule(String.raw`NOT\s+NULL${NOT_W}`, "keyword"),
  rule(String.raw`(ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?${NOT_W}`, "order"),
  rule(String.raw`NULLS\s+(FIRST|LAST)${NOT_W}`, "order"),
  rule(String.raw`UNION\s+ALL${NOT_W}`, "keyword"),
  rule(String.raw`CREATE(\s+OR\s+REPLACE)?${NOT_W}`, "dml"),
  rule(String.raw`DOUBLE\s+PRECISION${NOT_W}`, "builtin"),
  rule(String.raw`(GROUP|ORDER)\s+BY${NOT_W}`, "keyword"),
  rule(String.raw`(PRIMARY\s+KEY|HANDLER\s+FOR)${NOT_W}`, "keyword"),
  rule(String.raw`(NOT\s+)?(LIKE|ILIKE|RLIKE)${NOT_W}`, "comparison"),
  rule(String.raw`(NOT\s+)?(REGEXP)(\s+(BINARY))?${NOT_W}`, "comparison"),
  rule(String.raw`${W}[$#\p{L}\p{N}\p{M}_]*`, "word"),
  rule(String.raw`[;:()\[\],.]`, "punct"),
  rule(String.raw`(->>?|#>>?|@>|<@|\?\|?|\?&|-|#-)`, "operator"),
  rule(String.raw`[<>=~!]+`, "comparison"),
  rule(String.raw`[+/@#%^&|-]+`, "operator"),
];

/** Data-type names `sqlparse` tags as `Name.Builtin` (a bare one is not an identifier). */
const BUILTINS = new Set(
  ("ARRAY BIGINT BINARY BIT BLOB BOOLEAN CHAR DATE DEC DECIMAL FLOAT INT INT8 INTEGER " +
    "INTERVAL LONG MAP NUMBER NUMERIC NVARCHAR REAL SERIAL SERIAL8 SIGNED SMALLINT STRING " +
    "STRUCT TEXT TIMESTAMP TINYINT UNSIGNED VARCHAR VARCHAR2 VARIANT VARYING").split(" "),
);

const DML = new Set("SELECT INSERT UPDATE DELETE UPSERT REPLACE MERGE DROP ALTER WITH".split(" "));

/**
 * Common SQL keywords (`sqlparse` knows about 750; these are the ones a user is likely to
 * type as a bare key or value). A bare keyword is never grouped into an identifier.
 */
const KEYWORDS = new Set(
  ("ALL AND ANY ARE AS ASC BEGIN BETWEEN BOTH BY CASCADE CASE CAST CHECK COLLATE COLUMN " +
    "COMMIT CONSTRAINT CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER " +
    "CURSOR DATABASE DEFAULT DEFERRABLE DESC DISTINCT DO ELSE END ESCAPE EXCEPT EXISTS " +
    "FALSE FETCH FOR FOREIGN FROM FULL GRANT GROUP HAVING IF ILIKE IN INDEX INNER INTERSECT " +
    "INTO IS JOIN KEY LEADING LEFT LIKE LIMIT LOCAL NATURAL NO NOT NULL OF OFFSET ON ONLY OR " +
    "ORDER OUTER OVER PRIMARY REFERENCES RETURNING RIGHT ROLE ROW ROWS SCHEMA SESSION " +
    "SESSION_USER SET SOME SOURCE TABLE THEN TO TRAILING TRUE UNION UNIQUE USER USING " +
    "VALUES VERSION VIEW WHEN WHERE WINDOW").split(" "),
);

function classifyWord(word: string): TokenKind {
  const upper = word.toUpperCase();
  if (BUILTINS.has(upper)) return "builtin";
  if (DML.has(upper)) return "dml";
  if (KEYWORDS.has(upper)) return "keyword";
  return "name";
}

/** Split `text` into tokens; the concatenation of all token texts is `text`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  outer: while (pos < text.length) {
    for (const [re, kind] of RULES) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (m === null || m[0].length === 0) continue;
      const tokenText = m[0];
      tokens.push({ kind: kind === "word" ? classifyWord(tokenText) : kind, text: tokenText });
      pos += tokenText.length;
      continue outer;
    }
    const ch = String.fromCodePoint(text.codePointAt(pos) ?? 0);
    tokens.push({ kind: "error", text: ch });
    pos += ch.length;
  }
  return tokens;
}
