/**
 * The JSON request-body limit (`--max-json-body-bytes` / `MLFLOW_SERVER_MAX_JSON_BODY_BYTES`).
 *
 * `mlflow server` has no limit, and one 200 MB log-batch body costs seconds of event loop and
 * more than a gigabyte of memory. Every JSON body is read here while it streams in: a declared
 * `Content-Length` over the limit is refused before a byte is read, and a chunked body is
 * cancelled as soon as it passes the limit, with 413 and an MLflow error body; a body of a
 * declared length within the limit is read in one call (no promise per chunk). Artifact uploads
 * do not come through here (they stream to the artifact store unbounded, as in MLflow).
 *
 * The default, 32 MiB, admits MLflow's largest legal log-batch with room to spare: 1000 metrics
 * plus 100 params and tags, every key 250 and every value 8000 characters, each character written
 * as a `\uXXXX` surrogate pair, is about 11 MB.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { invalidParameter } from "../../errors.ts";
import { DEFAULT_MAX_JSON_BODY_BYTES } from "../../config/config.ts";

export { DEFAULT_MAX_JSON_BODY_BYTES };

const LIMIT_KEY = "mlflowMaxJsonBodyBytes";

/** Sets the limit that {@link readJsonText} applies to the requests below it. */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    c.set(LIMIT_KEY, maxBytes);
    await next();
  };
}

/** The limit for `c` (the default when no middleware set one). */
export function jsonBodyLimitOf(c: Context): number {
  const v = c.get(LIMIT_KEY) as number | undefined;
  return v ?? DEFAULT_MAX_JSON_BODY_BYTES;
}

/** The 413 answer, with MLflow's error body. */
export function bodyTooLarge(maxBytes: number): HTTPException {
  const err = invalidParameter(
    `Request body is larger than the server's limit of ${maxBytes} bytes ` +
      `(--max-json-body-bytes).`,
  );
  const res = new Response(JSON.stringify(err.toJSON()), {
    status: 413,
    headers: { "content-type": "application/json" },
  });
  return new HTTPException(413, { res, message: err.message });
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const cache = new WeakMap<Request, string>();

/** Reads `stream` whole while it arrives; throws 413 once it passes `max` bytes. */
export async function readBounded(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw bodyTooLarge(max);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The raw body of `c`, at most the configured limit, read while it streams (413 past it). A body
 * with a declared `Content-Length` within the limit is read in one native call (the HTTP server
 * delivers exactly that many bytes; a stream read costs a promise per chunk); its size is
 * checked again after the read, for requests built in-process with a length that lies.
 */
export async function readBodyBytes(c: Context): Promise<Uint8Array> {
  const req = c.req.raw;
  const max = jsonBodyLimitOf(c);
  const length = req.headers.get("content-length");
  const declared = Number(length ?? "0");
  if (declared > max) throw bodyTooLarge(max);
  if (req.body === null || req.bodyUsed) return new Uint8Array(0);
  if (length !== null && /^\d+$/.test(length)) {
    const bytes = await req.bytes();
    if (bytes.byteLength > max) throw bodyTooLarge(max);
    return bytes;
  }
  return await readBounded(req.body, max);
}

/**
 * Replaces the body text every later reader of `c` sees (a guard that rewrites the message
 * before the handler reads it).
 */
export function replaceJsonText(c: Context, text: string): void {
  cache.set(c.req.raw, text);
}

/**
 * Reads the body of `c` as UTF-8 text, at most the configured limit, while it streams. Throws
 * 413 past the limit and 400 for bytes that are not UTF-8. The text is cached per request.
 */
export async function readJsonText(c: Context): Promise<string> {
  const cached = cache.get(c.req.raw);
  if (cached !== undefined) return cached;
  const bytes = await readBodyBytes(c);
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw invalidParameter("Request body is not valid UTF-8.");
  }
  cache.set(c.req.raw, text);
  return text;
}
