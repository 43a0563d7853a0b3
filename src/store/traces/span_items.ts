/**
 * Span items: one item per span (`TR#<trace>` / `S#<span_id>`), the span's OTLP JSON in `span`.
 * A span whose JSON is larger than {@link INLINE_LIMIT} is stored gzip-compressed in `spanz`
 * (binary); one still too big for an item spills to the artifact store (`span_spill.ts`) and its
 * item keeps the file's URI in `spill`. Without an artifact store such a span is refused with
 * INVALID_PARAMETER_VALUE before anything of its request is written.
 *
 * Re-sending a span overwrites its item (same key), so retries are idempotent.
 *
 * @module
 */
import type { WriteRequest } from "@aws-sdk/client-dynamodb";
import { traceSpanKey } from "../../keys/key_schema.ts";
import { invalidParameter } from "../../errors.ts";
import { type RawItem, toItem } from "../db.ts";
import { base64ToHex, type StoredSpan } from "./span_model.ts";
import type { SpanSpill } from "./span_spill.ts";

/** Span JSON up to this many bytes is stored as text. */
export const INLINE_LIMIT = 64 * 1024;
/** Compressed spans up to this many bytes fit one item with room for the keys. */
export const COMPRESSED_LIMIT = 380 * 1024;

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function gunzip(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return await new Response(stream).text();
}

/** Where a too-big span may go: the spill store and the trace's artifact root. */
export interface SpillTarget {
  spill?: SpanSpill;
  root: string;
}

/** The put request of one span. */
export async function spanPutRequest(
  traceId: string,
  span: StoredSpan,
  expiresAt: number | undefined,
  target?: SpillTarget,
): Promise<WriteRequest> {
  const json = JSON.stringify(span);
  const bytes = new TextEncoder().encode(json);
  const spanId = base64ToHex(span.spanId);
  const key = traceSpanKey(traceId, spanId);
  const ttl = expiresAt !== undefined ? { expires_at: expiresAt } : {};
  if (bytes.length <= INLINE_LIMIT) {
    return { PutRequest: { Item: toItem({ ...key, span: json, ...ttl }) } };
  }
  const packed = await gzip(bytes);
  if (packed.length <= COMPRESSED_LIMIT) {
    return { PutRequest: { Item: { ...toItem({ ...key, ...ttl }), spanz: { B: packed } } } };
  }
  if (!target?.spill) {
    throw invalidParameter(
      `Span '${span.name ?? ""}' is too large to store (${bytes.length} bytes of JSON) and ` +
        "this server has no artifact store to spill it to.",
    );
  }
  const uri = await target.spill.put(target.root, spanId, packed);
  return { PutRequest: { Item: toItem({ ...key, spill: uri, ...ttl }) } };
}

/** Reads span items back (spilled spans from the artifact store). */
export async function readSpanItems(items: RawItem[], spill?: SpanSpill): Promise<StoredSpan[]> {
  const out: StoredSpan[] = [];
  for (const item of items) {
    if (item.span?.S !== undefined) out.push(JSON.parse(item.span.S));
    else if (item.spanz?.B !== undefined) out.push(JSON.parse(await gunzip(item.spanz.B)));
    else if (item.spill?.S !== undefined) {
      if (!spill) throw new Error(`span ${item.sk?.S} is in the artifact store, which is not open`);
      out.push(JSON.parse(await gunzip(await spill.get(item.spill.S))));
    }
  }
  return out;
}
