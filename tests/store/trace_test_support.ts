/**
 * Helpers for the trace tests: an app with the trace routes on a test backend, OTLP requests
 * built with the schema package's protobuf codec, and JSON calls.
 */
import root from "otlp-root";
import { createApp } from "../../src/app.ts";
import { mountTraces } from "../../src/http/traces/mod.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { TestBackend } from "../support/backends.ts";

// deno-lint-ignore no-explicit-any
export const Req = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export type App = ReturnType<typeof createApp>;
export interface Ctx {
  s: Stores;
  app: App;
  exp: string;
}

export async function withCtx(backend: TestBackend, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const app = createApp({ stores: s, extraRoutes: [mountTraces(s)] });
    const exp = await s.experiments.create({ name: `traces-${crypto.randomUUID()}` });
    await fn({ s, app, exp });
  } finally {
    await cleanup();
  }
}

export const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
export const b64 = (h: string) =>
  btoa(String.fromCharCode(...h.match(/../g)!.map((x) => parseInt(x, 16))));
export const T0 = 1_700_000_000_000n * 1_000_000n;

export interface SpanSpec {
  trace: number;
  span: number;
  parent?: number;
  name: string;
  startMs: number;
  endMs: number;
  error?: boolean;
  attrs?: Record<string, unknown>;
}

export function anyValue(v: unknown): Record<string, unknown> {
  if (typeof v === "string") return { stringValue: v };
  if (typeof v === "boolean") return { boolValue: v };
  if (typeof v === "number") return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
  const entries = Object.entries(v as Record<string, unknown>);
  return { kvlistValue: { values: entries.map(([key, x]) => ({ key, value: anyValue(x) })) } };
}

export function otlpObject(specs: SpanSpec[], resource: Record<string, string> = {}) {
  return {
    resourceSpans: [{
      resource: {
        attributes: Object.entries(resource).map(([key, v]) => ({ key, value: anyValue(v) })),
      },
      scopeSpans: [{
        spans: specs.map((s) => ({
          traceId: b64(hex(s.trace, 32)),
          spanId: b64(hex(s.span, 16)),
          ...(s.parent !== undefined ? { parentSpanId: b64(hex(s.parent, 16)) } : {}),
          name: s.name,
          kind: 1,
          startTimeUnixNano: String(T0 + BigInt(s.startMs) * 1_000_000n),
          endTimeUnixNano: String(T0 + BigInt(s.endMs) * 1_000_000n),
          status: { code: s.error ? 2 : 1 },
          attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({
            key,
            value: anyValue(v),
          })),
        })),
      }],
    }],
  };
}

export const protobuf = (specs: SpanSpec[], resource?: Record<string, string>): Uint8Array =>
  Req.encode(Req.fromObject(otlpObject(specs, resource))).finish();

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

export function postOtlp(
  c: Ctx,
  body: BodyInit | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(c.app.request("/v1/traces", {
    method: "POST",
    body: body as BodyInit,
    headers: {
      "content-type": "application/x-protobuf",
      "x-mlflow-experiment-id": c.exp,
      ...headers,
    },
  }));
}

export async function call(c: Ctx, method: string, path: string, body?: unknown) {
  const res = await c.app.request(path, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
      : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

/** Incompressible printable text (crypto gives at most 64 KB per call). */
export function randomText(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i += 65536) {
    const chunk = crypto.getRandomValues(new Uint8Array(Math.min(65536, n - i)));
    out.push(Array.from(chunk, (b) => String.fromCharCode(33 + (b % 90))).join(""));
  }
  return out.join("");
}

export const traceId = (n: number) => `tr-${hex(n, 32)}`;
