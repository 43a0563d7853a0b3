import assert from "node:assert/strict";
import { ExpressionContext } from "./context.ts";
import { parseCondition } from "./condition_parser.ts";

const values = {
  ":n": { N: "1" },
  ":s": { S: "a" },
  ":m": { M: {} },
  ":five": { N: "5" },
  ":t": { S: "Q" },
};

function parse(expr: string, names?: Record<string, string>) {
  return parseCondition(expr, new ExpressionContext(names, values), "ConditionExpression");
}

function rejects(expr: string, message: string) {
  assert.throws(
    () => parse(expr),
    (e: Error) => e.name === "ValidationException" && e.message === message,
    expr,
  );
}

Deno.test("parseCondition() honours precedence: NOT > AND > OR", () => {
  const c = parse("a = :n OR NOT b = :n AND c = :n");
  assert.equal(c.kind, "or");
  if (c.kind !== "or") return;
  assert.equal(c.right.kind, "and");
  if (c.right.kind !== "and") return;
  assert.equal(c.right.left.kind, "not");
});

Deno.test("parseCondition() parses functions, BETWEEN, IN and nested paths", () => {
  const c = parse(
    "attribute_exists(#a.b[0]) and x BETWEEN :n AND :five and y in (:n, :s) and begins_with(z, :s) and size(l) > :n",
    { "#a": "a" },
  );
  assert.equal(c.kind, "and");
  const exists = parse("attribute_not_exists(#a.b[0])", { "#a": "a" });
  assert.deepEqual(exists, {
    kind: "exists",
    negate: true,
    path: { kind: "path", elements: ["a", "b", 0] },
  });
});

Deno.test("parseCondition() reports DynamoDB's messages", () => {
  rejects(
    "attribute_exists(status)",
    "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
  );
  rejects(
    "x = :zz",
    "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :zz",
  );
  rejects(
    "#zz = :n",
    "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #zz",
  );
  rejects("x = = :n", 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :n"');
  rejects("x = :n AND", 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"');
  rejects("x", 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "x"');
  rejects("1x = :n", 'Invalid ConditionExpression: Syntax error; token: "1", near: "1x"');
  rejects("x IN ()", 'Invalid ConditionExpression: Syntax error; token: ")", near: "()"');
  rejects(
    "begins_with(x, :n)",
    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
  );
  rejects(
    "x BETWEEN :five AND :n",
    "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:5}, upper bound operand: AttributeValue: {N:1}",
  );
  rejects(
    "attribute_type(x, :t)",
    "Invalid ConditionExpression: Invalid attribute type name found; type: Q, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}",
  );
  rejects(
    "x < :m",
    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: M",
  );
  rejects(
    "size(x)",
    "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
  );
  rejects(
    "attribute_exists(x) = :n",
    "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
  );
  rejects(
    "ATTRIBUTE_EXISTS(x)",
    "Invalid ConditionExpression: Invalid function name; function: ATTRIBUTE_EXISTS",
  );
  rejects(
    "x = x",
    "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [x]",
  );
  rejects(
    "attribute_exists(:n)",
    "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
  );
  rejects("", "Invalid ConditionExpression: The expression can not be empty;");
  rejects("((x = :n))", "Invalid ConditionExpression: The expression has redundant parentheses;");
  rejects(
    "size(:n) = :n",
    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
  );
  rejects(
    "if_not_exists(x, :n) = :n",
    "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists",
  );
  rejects("x = 'a'", 'Invalid ConditionExpression: Syntax error; token: "\'", near: "= \'a"');
  rejects("and = :n", 'Invalid ConditionExpression: Syntax error; token: "and", near: "and ="');
  rejects(
    "begins_with(x, x)",
    "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: begins_with, first operand: [x]",
  );
});

Deno.test("parseCondition() accepts lower-case keywords and value-only comparisons", () => {
  assert.equal(parse("attribute_exists(x) and not attribute_exists(y) or :n = :n").kind, "or");
});
