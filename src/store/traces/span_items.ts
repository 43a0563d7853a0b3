/**
 * Span items: one item per span (`TR#<trace>` / `S#<span_id>`), the span's OTLP JSON in `span`.
 * A span whose JSON is larger than {@link INLINE_LIMIT} is stored gzip-compressed in `spanz`
 * (binary); one that is still too big for an item is refused with INVALID_PARAMETER_VALUE
 * rather than half written.
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

/** The put request of one span. */
export async function spanPutRequest(
  traceId: string,
  span: StoredSpan,
  expiresAt: number | undefined,
): Promise<WriteRequest> {
  const json = JSON.stringify(span);
  const bytes = new TextEncoder().encode(json);
  const key = traceSpanKey(traceId, base64ToHex(span.spanId));
  const ttl = expiresAt !== undefined ? { expires_at: expiresAt } : {};
  if (bytes.length <= INLINE_LIMIT) {
    return { PutRequest: { Item: toItem({ ...key, span: json, ...ttl }) } };
  }
  const packed = await gzip(bytes);
  if (packed.length > COMPRESSED_LIMIT) {
    throw invalidParameter(
      `Span '${span.name ?? ""}' is too large to store (${bytes.length} bytes of JSON).`,
    );
  }
  return { PutRequest: { Item: { ...toItem({ ...key, ...ttl }), spanz: { B: packed } } } };
}

/** Reads span items back. */
export async function readSpanItems(items: RawItem[]): Promise<StoredSpan[]> {
  const out: StoredSpan[] = [];
  for (const item of items) {
    if (item.span?.S !== undefined) out.push(JSON.parse(item.span.S));
    else if (item.spanz?.B !== undefined) out.push(JSON.parse(await gunzip(item.spanz.B)));
  }
  return out;
}
