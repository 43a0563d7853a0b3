/**
 * ExpressionAttributeNames and ExpressionAttributeValues of one request: validation, lookup, and the
 * "unused" check DynamoDB applies across all expressions of the request.
 *
 * @module
 */
import { validationError } from "../errors.ts";
import { type AV, checkAttributeName, typeOf, validateValue, ValueError } from "../values.ts";
import { ExpressionSyntaxError } from "./lexer.ts";

/** Substitution maps of one request. */
export class ExpressionContext {
  readonly #names: Record<string, string>;
  readonly #values: Record<string, AV>;
  readonly #usedNames = new Set<string>();
  readonly #usedValues = new Set<string>();

  constructor(names?: Record<string, string>, values?: Record<string, AV>) {
    if (names !== undefined && Object.keys(names).length === 0) {
      throw validationError("ExpressionAttributeNames must not be empty");
    }
    if (values !== undefined && Object.keys(values).length === 0) {
      throw validationError("ExpressionAttributeValues must not be empty");
    }
    for (const [key, name] of Object.entries(names ?? {})) {
      if (!/^#[A-Za-z0-9_]+$/.test(key)) {
        throw validationError(
          `ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`,
        );
      }
      try {
        checkAttributeName(name);
      } catch (e) {
        if (e instanceof ValueError) {
          throw validationError(
            `ExpressionAttributeNames contains invalid value: ${e.message} for key ${key}`,
          );
        }
        throw e;
      }
    }
    const checked: Record<string, AV> = {};
    for (const [key, value] of Object.entries(values ?? {})) {
      if (!/^:[A-Za-z0-9_]+$/.test(key)) {
        throw validationError(
          `ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`,
        );
      }
      try {
        checked[key] = validateValue(value);
      } catch (e) {
        if (e instanceof ValueError) {
          throw validationError(
            `ExpressionAttributeValues contains invalid value: ${e.message} for key ${key}`,
          );
        }
        throw e;
      }
    }
    this.#names = names ?? {};
    this.#values = checked;
  }

  /**
   * What a successful parse can depend on: the names and their targets, the value references and
   * their types (not the values themselves; see `condition_cache.ts`).
   */
  signature(): string {
    let sig = JSON.stringify(this.#names);
    for (const k in this.#values) sig += `|${k}=${typeOf(this.#values[k]!)}`;
    return sig;
  }

  /** True when the request supplied names or values. */
  get hasSubstitutions(): boolean {
    return Object.keys(this.#names).length > 0 || Object.keys(this.#values).length > 0;
  }

  /** Resolves `#n`; throws DynamoDB's error when undefined. */
  name(ref: string): string {
    const name = this.#names[ref];
    if (name === undefined) {
      throw new ExpressionSyntaxError(
        `An expression attribute name used in the document path is not defined; attribute name: ${ref}`,
      );
    }
    this.#usedNames.add(ref);
    return name;
  }

  /** Resolves `:v`; throws DynamoDB's error when undefined. */
  value(ref: string): AV {
    const value = this.#values[ref];
    if (value === undefined) {
      throw new ExpressionSyntaxError(
        `An expression attribute value used in expression is not defined; attribute value: ${ref}`,
      );
    }
    this.#usedValues.add(ref);
    return value;
  }

  /**
   * Call after parsing every expression of the request: rejects names or values that no
   * expression used, and substitutions given without any expression.
   */
  finish(anyExpression: boolean): void {
    if (!anyExpression) {
      if (Object.keys(this.#names).length > 0) {
        throw validationError(
          "ExpressionAttributeNames can only be specified when using expressions",
        );
      }
      if (Object.keys(this.#values).length > 0) {
        throw validationError(
          "ExpressionAttributeValues can only be specified when using expressions",
        );
      }
      return;
    }
    const unusedNames = Object.keys(this.#names).filter((k) => !this.#usedNames.has(k));
    if (unusedNames.length > 0) {
      throw validationError(
        `Value provided in ExpressionAttributeNames unused in expressions: keys: {${
          unusedNames.join(", ")
        }}`,
      );
    }
    const unusedValues = Object.keys(this.#values).filter((k) => !this.#usedValues.has(k));
    if (unusedValues.length > 0) {
      throw validationError(
        `Value provided in ExpressionAttributeValues unused in expressions: keys: {${
          unusedValues.join(", ")
        }}`,
      );
    }
  }
}
