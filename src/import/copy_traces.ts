/**
 * Copies the traces of one experiment, ids kept: the info as MLflow 3 returns it (request time,
 * duration, state, previews, tags, metadata, assessments, run link), then the span data, read
 * from the old server's `get-trace-artifact` (`traces.json`, whatever the old server stores spans
 * in) and written where the stock client uploads it, under the trace's artifact root here: this
 * server serves a trace without span items from that file (`get-trace-artifact`, v3 get), as it
 * does a trace a client logged that way. The file's SHA-256 is checked by the verification.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { joinPath } from "../artifacts/store.ts";
import { TRACE_STATES, type TraceState } from "../store/traces/trace_record.ts";
import { TraceStore } from "../store/traces/trace_store.ts";
import { pooledMap } from "../util/pool.ts";
import type { ImportContext } from "./context.ts";
import { hashing } from "./copy_artifacts.ts";

/** A v3 trace info as MLflow's JSON carries it. */
interface WireTraceInfo {
  trace_id: string;
  request_time?: string | number;
  execution_duration?: string | number;
  state?: string;
  client_request_id?: string;
  request_preview?: string;
  response_preview?: string;
  trace_metadata?: Record<string, string>;
  tags?: Record<string, string>;
  assessments?: Record<string, unknown>[];
}

/** Milliseconds of a protobuf Timestamp (RFC 3339 text or a number). */
export function timestampMs(v: string | number | undefined): number {
  if (v === undefined) return Date.now();
  if (typeof v === "number") return v;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? Date.now() : ms;
}

/** Milliseconds of a protobuf Duration (`"1.5s"`), null when absent or unreadable. */
export function durationMs(v: string | number | undefined): number | null {
  if (v === undefined) return null;
  if (typeof v === "number") return v;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(v.trim());
  if (!m) return null;
  return Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(9, "0").slice(0, 3));
}

/**
 * The spans are copied as `traces.json`, so the tag that sends clients to the old server's span
 * table (`mlflow.trace.spansLocation` = `TRACKING_STORE`) is left out: clients read the file.
 */
function withoutSpansLocation(tags: Record<string, string>): Record<string, string> {
  const { [SPANS_LOCATION_TAG]: _, ...rest } = tags;
  return rest;
}

const SPANS_LOCATION_TAG = "mlflow.trace.spansLocation";

/** Copies (or counts, in a dry run) every trace of `experimentId`. */
export async function copyTracesOf(ctx: ImportContext, experimentId: string): Promise<void> {
  const infos: WireTraceInfo[] = [];
  for await (
    const t of ctx.src.pages<WireTraceInfo>(async (token) => {
      const r = await ctx.src.post<{ traces?: WireTraceInfo[]; next_page_token?: string }>(
        "/api/3.0/mlflow/traces/search",
        {
          locations: [{
            type: "MLFLOW_EXPERIMENT",
            mlflow_experiment: { experiment_id: experimentId },
          }],
          max_results: 100,
          ...(token ? { page_token: token } : {}),
        },
      );
      return { items: r.traces ?? [], next: r.next_page_token };
    })
  ) infos.push(t);
  if (infos.length === 0) return;
  const bar = ctx.progress(`traces of exp ${experimentId}`, infos.length);
  const traces = new TraceStore(ctx.db, ctx.experiments);
  await pooledMap(infos, async (listed) => {
    const id = listed.trace_id;
    const key = `trace:${id}`;
    const done = ctx.checkpoint.get<string>(key);
    if (done) {
      ctx.tally.traces.set(id, done);
      bar.tick(true);
      return;
    }
    if (ctx.dryRun) {
      ctx.tally.traces.set(id, "");
      bar.tick();
      return;
    }
    // The listing may leave assessments out: the info route has all of them.
    const info = (await ctx.src.get<{ trace?: { trace_info?: WireTraceInfo } }>(
      `/api/3.0/mlflow/traces/${encodeURIComponent(id)}`,
    )).trace?.trace_info ?? listed;
    const existed = (await traces.findRecord(id)) !== undefined;
    const record = await traces.startTrace({
      traceId: id,
      experimentId,
      requestTime: timestampMs(info.request_time),
      executionDuration: durationMs(info.execution_duration),
      state: (TRACE_STATES as readonly string[]).includes(info.state ?? "")
        ? info.state as TraceState
        : "STATE_UNSPECIFIED" as TraceState,
      clientRequestId: info.client_request_id ?? null,
      requestPreview: info.request_preview ?? null,
      responsePreview: info.response_preview ?? null,
      tags: withoutSpansLocation(info.tags ?? {}),
      metadata: info.trace_metadata ?? {},
      assessments: info.assessments ?? [],
    });
    const root = TraceStore.artifactLocation(
      (await ctx.experiments.get(record.experiment_id)).artifactLocation,
      id,
    );
    const res = await ctx.src.fetch("/ajax-api/3.0/mlflow/get-trace-artifact", { request_id: id });
    const { store, base } = await ctx.artifacts.forRun(root);
    const hash = createHash("sha256");
    const body = res.body ?? new Blob([]).stream();
    await store.put(joinPath(base, "traces.json"), body.pipeThrough(hashing(hash)));
    const sum = hash.digest("hex");
    ctx.tally.traces.set(id, sum);
    await ctx.checkpoint.mark(key, sum);
    bar.tick(existed);
  }, ctx.concurrency);
  bar.finish();
}
