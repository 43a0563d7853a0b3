/**
 * The one place the gateway calls a provider (MLflow's `send_request`, `send_stream_request` and
 * `_aiohttp_post`): a JSON POST with a total timeout (`MLFLOW_GATEWAY_ROUTE_TIMEOUT_SECONDS`,
 * default 300), redirects never followed, MLflow's own credential header and the client's
 * encodings stripped, and, when the endpoint's secret names its own `api_base`, the upstream host
 * checked at call time: every address it resolves to must be public unless
 * `MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS` is true (MLflow's connect-time SSRF guard; here the
 * check resolves the name just before the request, so a DNS answer changing in between is not
 * caught). Upstream failures become MLflow's `HTTPException`s: the provider's status with its
 * error message.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import { type ApiBasePolicy, defaultResolve, isPublicIp } from "../secret_rules.ts";
import { GatewayHttpError, pythonRepr } from "./gateway_http_error.ts";

/** How outbound calls of one request are made. */
export interface Outbound {
  policy: ApiBasePolicy;
  /** Check the upstream address (the endpoint's secret names an `api_base`). */
  ssrfProtect: boolean;
  timeoutMs: number;
}

const STRIPPED = new Set([
  "accept-encoding",
  "content-encoding",
  "x-mlflow-authorization",
  "host",
  "content-length",
  "connection",
  "transfer-encoding",
  "keep-alive",
]);

/** MLflow's `append_to_uri_path`: one slash between the base path and `path`, query kept. */
export function appendToUriPath(base: string, path: string): string {
  const u = new URL(base);
  const left = u.pathname.replace(/\/+$/, "");
  const right = path.replace(/^\/+/, "");
  u.pathname = right ? `${left}/${right}` : left || "/";
  return u.toString();
}

function blocked(host: string, ip: string): GatewayHttpError {
  return new GatewayHttpError(
    502,
    `Gateway upstream connection blocked: ${pythonRepr(host)} resolves to ${ip}, which is not ` +
      "a public IP address. Set MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS=true to allow " +
      "private upstreams.",
  );
}

/** The connect-time check of `mlflow.gateway.ssrf`, made just before the request. */
export async function assertPublicUpstream(url: string, out: Outbound): Promise<void> {
  if (!out.ssrfProtect || out.policy.allowPrivateIps) return;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (ipaddr.isValid(host)) {
    if (!isPublicIp(host)) throw blocked(host, ipaddr.parse(host).toString());
    return;
  }
  let addresses: string[];
  try {
    addresses = await (out.policy.resolve ?? defaultResolve)(host);
  } catch (e) {
    throw new GatewayHttpError(
      502,
      `Cannot resolve gateway upstream host ${pythonRepr(host)}: ${(e as Error).message}`,
    );
  }
  for (const a of addresses) if (!isPublicIp(a)) throw blocked(host, a);
}

function requestHeaders(headers: Record<string, string>): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(headers)) {
    if (!STRIPPED.has(k.toLowerCase())) h.set(k, v);
  }
  h.set("accept-encoding", "gzip, deflate, identity");
  h.set("content-type", "application/json");
  return h;
}

async function post(
  out: Outbound,
  headers: Record<string, string>,
  baseUrl: string,
  path: string,
  payload: unknown,
): Promise<Response> {
  const url = appendToUriPath(baseUrl, path);
  await assertPublicUpstream(url, out);
  try {
    return await fetch(url, {
      method: "POST",
      headers: requestHeaders(headers),
      body: JSON.stringify(payload),
      redirect: "manual",
      signal: AbortSignal.timeout(out.timeoutMs),
    });
  } catch (e) {
    const err = e as Error;
    const why = err.name === "TimeoutError"
      ? `timed out after ${out.timeoutMs / 1000} seconds`
      : err.message;
    // MLflow lets aiohttp's timeout and connection errors escape as a bare 500.
    throw new GatewayHttpError(500, `Gateway upstream request failed: ${why}`);
  }
}

/** MLflow's `_error_detail`: the most specific message an upstream error body carries. */
export function errorDetail(body: unknown): string {
  if (body && typeof body === "object") {
    const b = body as { error?: { message?: unknown }; message?: unknown };
    if (typeof b.error?.message === "string" && b.error.message) return b.error.message;
    if (typeof b.message === "string" && b.message) return b.message;
  }
  if (body === null || body === undefined || body === "") return "";
  return typeof body === "string" ? body : pythonRepr(body);
}

/** `send_request`: the provider's JSON answer, or its status with its error. */
export async function sendRequest(
  out: Outbound,
  headers: Record<string, string>,
  baseUrl: string,
  path: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const res = await post(out, headers, baseUrl, path, payload);
  const type = res.headers.get("content-type");
  let js: Record<string, unknown>;
  if (type?.includes("application/json")) {
    const text = await res.text();
    try {
      js = text ? JSON.parse(text) : {};
    } catch {
      throw new GatewayHttpError(502, `The route service answered invalid JSON: ${text}`);
    }
  } else if (type?.includes("text/plain")) {
    js = { message: await res.text() };
  } else {
    await res.body?.cancel();
    throw new GatewayHttpError(
      502,
      "The returned data type from the route service is not supported. " +
        `Received content type: ${type === null ? "None" : type}`,
    );
  }
  if (res.status >= 400) {
    const err = js.error as { message?: unknown } | undefined;
    const detail = "error" in js
      ? (err && typeof err === "object" && "message" in err ? err.message : res.statusText)
      : js;
    throw new GatewayHttpError(res.status, detail);
  }
  return js;
}

/** `send_stream_request`: the provider's answer line by line, or its status with its error. */
export async function sendStreamRequest(
  out: Outbound,
  headers: Record<string, string>,
  baseUrl: string,
  path: string,
  payload: unknown,
): Promise<AsyncIterable<string>> {
  const res = await post(out, headers, baseUrl, path, payload);
  if (res.status >= 400) {
    const text = await res.text();
    let detail = "";
    try {
      detail = errorDetail(JSON.parse(text));
    } catch {
      detail = text;
    }
    throw new GatewayHttpError(res.status, detail || res.statusText);
  }
  return lines(res);
}

/** The body of `res` as lines, each with its newline (aiohttp's `StreamReader` iteration). */
export async function* lines(res: Response): AsyncIterable<string> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, nl + 1);
      buffer = buffer.slice(nl + 1);
    }
  }
  buffer += decoder.decode();
  if (buffer) yield buffer;
}

/** `stream_sse_data`: the JSON of each `data:` line, `[DONE]` and other lines skipped. */
export async function* sseData(stream: AsyncIterable<string>): AsyncIterable<unknown> {
  for await (const raw of stream) {
    const line = raw.trim();
    if (!line) continue;
    const data = line.replace(/^data:\s+/, "");
    if (data === "[DONE]") continue;
    try {
      yield JSON.parse(data);
    } catch {
      continue;
    }
  }
}
