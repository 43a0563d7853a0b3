/**
 * Python prints sets in hash order, which changes from process to process. To compare
 * messages, sort the items of every `{'a', 'b'}` set literal in them.
 *
 * @module
 */

const SET_RE = /\{('(?:[^'\\]|\\.)*'(?:, '(?:[^'\\]|\\.)*')*)\}/g;

/** The message with the items of each Python set literal sorted. */
export function normalizePySets(message: string): string {
  return message.replace(SET_RE, (_m, items: string) => {
    const parts = items.match(/'(?:[^'\\]|\\.)*'/g) ?? [];
    return `{${[...parts].sort().join(", ")}}`;
  });
}
