/**
 * Compact encoding of metric points, used by history chunks and latest-value groups.
 *
 * A chunk is a JSON string `[[key, [[value, Δtimestamp, Δstep, extra?], ...]], ...]`: the key is
 * written once per chunk, timestamps and steps as differences from the key's previous point (the
 * first from 0), non-finite values as "NaN"/"Infinity"/"-Infinity". About 25 bytes a point for a
 * training loop, which is what makes a 10-key `log-batch` fit in one 1 KB write unit and a
 * 100-point page of history in one 4 KB read unit.
 *
 * @module
 */
import type { Metric } from "../entities.ts";

type Num = number | string;
/** value, timestamp, step, and optionally [modelId, datasetName, datasetDigest]. */
type EncodedPoint = [Num, number, number] | [Num, number, number, [string?, string?, string?]];

function encodeValue(v: number): Num {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

function decodeValue(v: Num): number {
  return typeof v === "number" ? v : Number(v);
}

/** Encodes points (any keys, any order). */
export function encodePoints(points: Metric[]): string {
  const byKey = new Map<string, EncodedPoint[]>();
  const prev = new Map<string, [number, number]>();
  for (const p of points) {
    let list = byKey.get(p.key);
    if (!list) byKey.set(p.key, list = []);
    const [ts, step] = prev.get(p.key) ?? [0, 0];
    prev.set(p.key, [p.timestamp, p.step]);
    const extra = p.modelId || p.datasetName || p.datasetDigest;
    const dt = p.timestamp - ts;
    const ds = p.step - step;
    list.push(
      extra
        ? [encodeValue(p.value), dt, ds, [p.modelId, p.datasetName, p.datasetDigest]]
        : [encodeValue(p.value), dt, ds],
    );
  }
  return JSON.stringify([...byKey.entries()]);
}

/** Decodes {@link encodePoints}; with `onlyKey`, skips every other key. */
export function decodePoints(encoded: string, onlyKey?: string): Metric[] {
  const out: Metric[] = [];
  for (const [key, list] of JSON.parse(encoded) as [string, EncodedPoint[]][]) {
    if (onlyKey !== undefined && key !== onlyKey) continue;
    let ts = 0;
    let step = 0;
    for (const p of list) {
      ts += p[1];
      step += p[2];
      const m: Metric = { key, value: decodeValue(p[0]), timestamp: ts, step };
      const extra = p[3];
      if (extra) {
        if (extra[0]) m.modelId = extra[0];
        if (extra[1]) m.datasetName = extra[1];
        if (extra[2]) m.datasetDigest = extra[2];
      }
      out.push(m);
    }
  }
  return out;
}

/** MLflow's "latest" order: higher step wins, then later timestamp, then larger value. */
export function isNewer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? Infinity : a.value;
  const bv = Number.isNaN(b.value) ? Infinity : b.value;
  return av > bv;
}

/** Folds points into a key → latest point map (commutative, so order of arrival is irrelevant). */
export function mergeLatest(
  into: Map<string, Metric>,
  points: Iterable<Metric>,
): Map<string, Metric> {
  for (const p of points) {
    const cur = into.get(p.key);
    if (!cur || isNewer(p, cur)) into.set(p.key, p);
  }
  return into;
}
