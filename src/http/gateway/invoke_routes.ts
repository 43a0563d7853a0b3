/**
 * The AI Gateway's invocation routes under `/gateway` (MLflow's FastAPI `gateway_router`):
 * `{endpoint}/mlflow/invocations`, the OpenAI-compatible `mlflow/v1/chat/completions` and
 * `mlflow/v1/models`, and the passthrough routes `openai/v1/chat/completions`,
 * `openai/v1/embeddings` and `anthropic/v1/messages`. Answers and errors are FastAPI's: JSON
 * bodies, `{"detail": ...}` with the status of the failure, streams as server-sent events whose
 * failures arrive as an `{"error": {...}}` event. With `MLFLOW_ENABLE_AI_GATEWAY=false` every
 * route answers 501. The work is done by the store-level `GatewayInvoker`.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import {
  asGatewayError,
  GatewayHttpError,
  type GatewayInvoker,
  type Json,
  PASSTHROUGH_ROUTES,
  type PassthroughAction,
} from "../../store/gateway/invoke/invoke.ts";
import { readJsonText } from "../middleware/body_limit.ts";
import { GATEWAY_DISABLED_MESSAGE } from "./gateway_options.ts";

/** The error response of a failure, or the failure itself when it is not a gateway one. */
function errorResponse(c: Context, e: unknown): Response {
  const g = asGatewayError(e);
  if (!g) throw e;
  return c.json(g.toJSON(), g.status as 400);
}

/** `_get_request_body`: the JSON object of the request, or MLflow's 400. */
async function body(c: Context): Promise<Json> {
  const text = await readJsonText(c);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new GatewayHttpError(400, `Invalid JSON payload: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new GatewayHttpError(400, "Invalid JSON payload: the body must be a JSON object");
  }
  return parsed as Json;
}

/** `to_sse_error_chunk`. */
function errorEvent(e: unknown): string {
  const g = asGatewayError(e);
  const error = g
    ? { message: g.describe(), type: g.kind }
    : { message: e instanceof Error ? e.message : String(e), type: "Exception" };
  return `data: ${JSON.stringify({ error })}\n\n`;
}

/** `StreamingResponse(safe_stream(...), media_type="text/event-stream")`. */
function sse(events: AsyncIterable<string>): Response {
  const encoder = new TextEncoder();
  const it = events[Symbol.asyncIterator]();
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return controller.close();
      try {
        const next = await it.next();
        if (next.done) {
          done = true;
          return controller.close();
        }
        controller.enqueue(encoder.encode(next.value));
      } catch (e) {
        done = true;
        controller.enqueue(encoder.encode(errorEvent(e)));
        controller.close();
      }
    },
    async cancel() {
      await it.return?.();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8" },
  });
}

async function* chunkEvents(chunks: AsyncIterable<Json>): AsyncIterable<string> {
  for await (const chunk of chunks) yield `data: ${JSON.stringify(chunk)}\n\n`;
}

function headersOf(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => (out[k] = v));
  return out;
}

/** Mounts the routes (relative to the static prefix); `invoker` undefined: the gateway is off. */
export function mountInvokeRoutes(app: Hono, invoker: GatewayInvoker | undefined): void {
  if (!invoker) {
    app.all("/gateway/*", (c) => c.json({ detail: GATEWAY_DISABLED_MESSAGE }, 501));
    return;
  }
  const unified = (c: Context, r: { json: Json } | { stream: AsyncIterable<Json> }) =>
    "json" in r ? c.json(r.json) : sse(chunkEvents(r.stream));

  app.post("/gateway/mlflow/v1/chat/completions", async (c) => {
    try {
      return unified(c, await invoker.chatCompletions(await body(c), headersOf(c)));
    } catch (e) {
      return errorResponse(c, e);
    }
  });
  app.get("/gateway/mlflow/v1/models", async (c) => {
    try {
      return c.json(await invoker.listModels());
    } catch (e) {
      return errorResponse(c, e);
    }
  });
  for (const [action, path] of Object.entries(PASSTHROUGH_ROUTES)) {
    app.post(`/gateway${path}`, async (c) => {
      try {
        const r = await invoker.passthrough(
          action as PassthroughAction,
          await body(c),
          headersOf(c),
        );
        return "json" in r ? c.json(r.json) : sse(r.raw);
      } catch (e) {
        return errorResponse(c, e);
      }
    });
  }
  app.post("/gateway/:endpoint_name/mlflow/invocations", async (c) => {
    try {
      const name = c.req.param("endpoint_name");
      return unified(c, await invoker.invocations(name, await body(c), headersOf(c)));
    } catch (e) {
      return errorResponse(c, e);
    }
  });
}
