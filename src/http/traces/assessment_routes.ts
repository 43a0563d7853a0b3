/**
 * Assessment endpoints (`/api/3.0/mlflow/traces/{trace_id}/assessments[/{assessment_id}]`):
 * create, get, update with `update_mask`, delete.
 *
 * `update_mask` arrives as protobuf's JSON `FieldMask`: one comma-joined string of lowerCamelCase
 * paths (`"assessmentName,feedback"`), or `{"paths": [...]}`.
 *
 * @module
 */
import { Hono } from "hono";
import { invalidParameter, missingParameter } from "../../errors.ts";
import {
  type AssessmentUpdate,
  createAssessment,
  deleteAssessment,
  getAssessment,
  updateAssessment,
} from "../../store/traces/assessments.ts";
import type { TraceStore } from "../../store/traces/trace_store.ts";
import { mlflowJson } from "../json.ts";
import { jsonObjectBody } from "./body.ts";

const UPDATABLE = new Set(["assessment_name", "expectation", "feedback", "rationale", "metadata"]);

function maskPaths(mask: unknown): string[] {
  const snake = (p: string) => p.trim().replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
  if (typeof mask === "string") return mask.split(",").filter((p) => p.trim()).map(snake);
  if (mask && typeof mask === "object" && Array.isArray((mask as { paths?: unknown }).paths)) {
    return (mask as { paths: unknown[] }).paths.map((p) => snake(String(p)));
  }
  throw invalidParameter(missingParameter("update_mask"));
}

function object(v: unknown, name: string): Record<string, unknown> {
  if (v === undefined || v === null) throw invalidParameter(missingParameter(name));
  if (typeof v !== "object" || Array.isArray(v)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied.`);
  }
  return v as Record<string, unknown>;
}

/** The assessment routes, mounted with the v3 trace routes. */
export function assessmentRoutes(traces: TraceStore): Hono {
  const app = new Hono();

  app.post("/traces/:trace_id/assessments", async (c) => {
    const raw = await jsonObjectBody(c);
    const assessment = object(raw.assessment, "assessment");
    const created = await createAssessment(traces, c.req.param("trace_id"), assessment);
    return mlflowJson({ assessment: created });
  });

  app.get("/traces/:trace_id/assessments/:assessment_id", async (c) => {
    const a = await getAssessment(traces, c.req.param("trace_id"), c.req.param("assessment_id"));
    return mlflowJson({ assessment: a });
  });

  app.patch("/traces/:trace_id/assessments/:assessment_id", async (c) => {
    const raw = await jsonObjectBody(c);
    const assessment = object(raw.assessment, "assessment");
    const paths = maskPaths(raw.update_mask);
    const update: AssessmentUpdate = {};
    for (const p of paths) {
      if (!UPDATABLE.has(p)) {
        throw invalidParameter(`Invalid update mask path '${p}' for assessment update.`);
      }
      (update as Record<string, unknown>)[p] = assessment[p] ?? (p === "metadata" ? {} : "");
    }
    const updated = await updateAssessment(
      traces,
      c.req.param("trace_id"),
      c.req.param("assessment_id"),
      update,
    );
    return mlflowJson({ assessment: updated });
  });

  app.delete("/traces/:trace_id/assessments/:assessment_id", async (c) => {
    await deleteAssessment(traces, c.req.param("trace_id"), c.req.param("assessment_id"));
    return mlflowJson({});
  });

  return app;
}
