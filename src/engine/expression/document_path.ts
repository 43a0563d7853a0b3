/**
 * Reading and writing document paths (`a.b[0].c`) in items. Writers mutate the item passed in,
 * which is always a private copy.
 *
 * @module
 */
import type { AV, Item } from "../values.ts";
import type { PathElement } from "./ast.ts";

/** Raised when a path cannot be written ("The document path provided … is invalid for update"). */
export class InvalidPathError extends Error {
  override name = "InvalidPathError";
  constructor() {
    super("The document path provided in the update expression is invalid for update");
  }
}

/** The value at `path`, or `undefined` when any step is missing or of the wrong type. */
export function getPath(item: Item, path: readonly PathElement[]): AV | undefined {
  let current: AV | undefined = item[path[0] as string];
  for (let i = 1; i < path.length && current !== undefined; i++) {
    const step = path[i]!;
    if (typeof step === "number") current = current.L?.[step];
    else current = current.M?.[step];
  }
  return current;
}

/** The container holding the last step of `path`, or `undefined` if it does not exist. */
function parentOf(item: Item, path: readonly PathElement[]): AV | Item | undefined {
  if (path.length === 1) return item;
  return getPath(item, path.slice(0, -1));
}

/**
 * Sets the value at `path`. The parent must exist with the right type; a list index past the end
 * appends. Throws {@link InvalidPathError} otherwise.
 */
export function setPath(item: Item, path: readonly PathElement[], value: AV): void {
  const last = path[path.length - 1]!;
  if (path.length === 1) {
    item[last as string] = value;
    return;
  }
  const parent = parentOf(item, path) as AV | undefined;
  if (parent === undefined) throw new InvalidPathError();
  if (typeof last === "number") {
    if (parent.L === undefined) throw new InvalidPathError();
    if (last >= parent.L.length) parent.L.push(value);
    else parent.L[last] = value;
  } else {
    if (parent.M === undefined) throw new InvalidPathError();
    parent.M[last] = value;
  }
}

/**
 * Removes the value at `path`; a missing final step is a no-op, a missing or mistyped parent is
 * an {@link InvalidPathError}.
 */
export function removePath(item: Item, path: readonly PathElement[]): void {
  const last = path[path.length - 1]!;
  if (path.length === 1) {
    delete item[last as string];
    return;
  }
  const parent = parentOf(item, path) as AV | undefined;
  if (parent === undefined) throw new InvalidPathError();
  if (typeof last === "number") {
    if (parent.L === undefined) throw new InvalidPathError();
    if (last < parent.L.length) parent.L.splice(last, 1);
  } else {
    if (parent.M === undefined) throw new InvalidPathError();
    delete parent.M[last];
  }
}

/** True when one path equals or is a prefix of the other. */
export function pathsOverlap(a: readonly PathElement[], b: readonly PathElement[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when the paths use the same prefix once as a map and once as a list (`a.b` and `a[0]`),
 * which DynamoDB reports as a conflict.
 */
export function pathsConflict(a: readonly PathElement[], b: readonly PathElement[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    return typeof a[i] !== typeof b[i];
  }
  return false;
}
