import assert from "node:assert/strict";
import { ExpressionContext } from "./context.ts";
import { parseUpdate } from "./update_parser.ts";

const values = { ":v": { N: "1" }, ":s": { S: "x" }, ":l": { L: [] }, ":ss": { SS: ["a"] } };

function rejects(expr: string, message: string) {
  assert.throws(
    () => parseUpdate(expr, new ExpressionContext(undefined, values)),
    (e: Error) => e.name === "ValidationException" && e.message === message,
    expr,
  );
}

Deno.test("parseUpdate() reads all four clauses in any order", () => {
  const a = parseUpdate(
    "remove r1, r2 SET a = :v, b = if_not_exists(b, :v) + :v, c = list_append(c, :l) add n :v delete ss :ss",
    new ExpressionContext(undefined, values),
  );
  assert.equal(a.set.length, 3);
  assert.equal(a.remove.length, 2);
  assert.equal(a.add.length, 1);
  assert.equal(a.delete.length, 1);
  assert.equal(a.set[1]!.value.kind, "arith");
});

Deno.test("parseUpdate() reports DynamoDB's messages", () => {
  rejects(
    "SET a = :v, a = :v",
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
  );
  rejects(
    "SET a = :v REMOVE a.b",
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
  );
  rejects(
    "SET a[0] = :v REMOVE a.b",
    "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [0]], path two: [a, b]",
  );
  rejects(
    "SET a = :v SET b = :v",
    'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
  );
  rejects(
    "ADD n :s",
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND",
  );
  rejects(
    "SET n = :s + :v",
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
  );
  rejects(
    "SET l = list_append(:v, :l)",
    "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N",
  );
  rejects(
    "SET x = size(y)",
    "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
  );
  rejects("SET", 'Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET"');
  rejects(
    "SET a = list_append(l, :l) + :v",
    "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append",
  );
  rejects(
    "SET a = :s + :v, a = :v",
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
  );
  rejects(
    "REMOVE l[0], l",
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [l], path two: [l, [0]]",
  );
  rejects(
    "SET a = :zz, a = :v",
    "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
  );
  rejects("a = :v", 'Invalid UpdateExpression: Syntax error; token: "a", near: "a ="');
});
