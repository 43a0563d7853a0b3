/**
 * Item sizes by DynamoDB's rules, the basis of the 400 KB limit and of capacity units.
 *
 * - string: UTF-8 bytes; binary: bytes; number: one byte per two significant digits plus one;
 * - boolean and null: 1 byte;
 * - list and map: 3 bytes plus, per element, its size plus 1 byte (map elements add their name);
 * - sets: the sum of their elements' sizes;
 * - an item: the sum over attributes of name length plus value size.
 *
 * @module
 */
import { decimalSize, parseDecimal } from "./decimal.ts";
import type { AV, Item } from "./values.ts";

/** DynamoDB's maximum item size, 400 KB. */
export const MAX_ITEM_SIZE = 400 * 1024;

const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string without allocating (ASCII-only text: its length, found natively). */
export function utf8Length(s: string): number {
  if (!NON_ASCII.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Size of a number string in bytes. */
export function numberSize(n: string): number {
  return decimalSize(parseDecimal(n));
}

/** Size of one attribute value in bytes. */
export function valueSize(av: AV): number {
  if (av.S !== undefined) return utf8Length(av.S);
  if (av.N !== undefined) return numberSize(av.N);
  if (av.B !== undefined) return av.B.length;
  if (av.BOOL !== undefined || av.NULL !== undefined) return 1;
  if (av.L !== undefined) {
    let n = 3;
    for (const e of av.L) n += valueSize(e) + 1;
    return n;
  }
  if (av.M !== undefined) {
    let n = 3;
    for (const k in av.M) n += utf8Length(k) + valueSize(av.M[k]!) + 1;
    return n;
  }
  if (av.SS !== undefined) return av.SS.reduce((n, s) => n + utf8Length(s), 0);
  if (av.NS !== undefined) return av.NS.reduce((n, s) => n + numberSize(s), 0);
  if (av.BS !== undefined) return av.BS.reduce((n, b) => n + b.length, 0);
  return 0;
}

/**
 * Items sized since start (cost guard for tests: a write sizes each item once, and the stored
 * copy reuses that size).
 */
export const sizeCounter = { items: 0 };

/** Size of an item in bytes. */
export function itemSize(item: Item): number {
  sizeCounter.items++;
  let n = 0;
  for (const k in item) n += utf8Length(k) + valueSize(item[k]!);
  return n;
}

/** Size of the listed attributes of an item (for index projections). */
export function attributesSize(item: Item, names: Iterable<string>): number {
  let n = 0;
  for (const k of names) {
    const v = item[k];
    if (v !== undefined) n += utf8Length(k) + valueSize(v);
  }
  return n;
}
