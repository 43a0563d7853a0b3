/**
 * Assessments (feedback, expectations and issue references) of a trace, kept inside the trace's info item so a
 * trace's info, search results and filters carry them without extra reads. Behaviour follows
 * MLflow's SQL store: `overrides` marks the overridden assessment invalid (and deleting the
 * overriding one makes it valid again); update keeps source, span id and create time, merges
 * metadata and refuses to turn feedback into an expectation or back.
 *
 * Assessments are kept as their proto JSON (snake_case, times as RFC 3339 strings).
 *
 * @module
 */
import { invalidParameter, notFound } from "../../errors.ts";
import type { AssessmentJson, TraceRecord } from "./trace_record.ts";
import type { TraceStore } from "./trace_store.ts";
import { linkIssueTrace } from "../issues/issue_links.ts";
import { pyFloat } from "./otlp_values.ts";

const newAssessmentId = () => `a-${crypto.randomUUID().replaceAll("-", "")}`;

function traceMissing(traceId: string) {
  return notFound(`Trace with request_id '${traceId}' not found`);
}

function read(record: TraceRecord, assessmentId: string): AssessmentJson {
  const text = record.assessments[assessmentId];
  if (text === undefined) {
    throw notFound(
      `Assessment with ID '${assessmentId}' not found for trace '${record.trace_id}'`,
    );
  }
  return JSON.parse(text) as AssessmentJson;
}

/** `json.dumps` of a `google.protobuf.Value` read back as Python: every number a float. */
function protoValueJson(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return pyFloat(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(protoValueJson).join(", ")}]`;
  const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) =>
    `${JSON.stringify(k)}: ${protoValueJson(x)}`
  );
  return `{${parts.join(", ")}}`;
}

/**
 * An expectation as MLflow's server hands it back: a list or object `value` comes back as
 * `serialized_value` (JSON text, `JSON_FORMAT`), as `ExpectationValue.to_proto` writes it.
 */
function normalizedExpectation(expectation: unknown): unknown {
  if (expectation === null || typeof expectation !== "object") return expectation;
  const value = (expectation as Record<string, unknown>).value;
  if (value === null || typeof value !== "object") return expectation;
  return {
    serialized_value: { serialization_format: "JSON_FORMAT", value: protoValueJson(value) },
  };
}

/** Creates an assessment; returns it with its id and times. */
export async function createAssessment(
  store: TraceStore,
  traceId: string,
  input: Record<string, unknown>,
): Promise<AssessmentJson> {
  if (!input.assessment_name) {
    throw invalidParameter("Missing value for required parameter 'assessment.assessment_name'.");
  }
  const kinds = [input.feedback, input.expectation, input.issue].filter((v) => v !== undefined);
  if (kinds.length !== 1) {
    throw invalidParameter(
      "Exactly one of `expectation`, `feedback`, or `issue` should be specified.",
    );
  }
  const now = new Date().toISOString();
  const id = newAssessmentId();
  const assessment: AssessmentJson = {
    ...input,
    ...(input.expectation !== undefined
      ? { expectation: normalizedExpectation(input.expectation) }
      : {}),
    assessment_id: id,
    trace_id: traceId,
    create_time: input.create_time ?? now,
    last_update_time: input.last_update_time ?? input.create_time ?? now,
    ...(input.feedback !== undefined ? { valid: input.valid ?? true } : {}),
  };
  await store.mutate(traceId, (current) => {
    if (!current) {
      throw notFound(`Trace with ID '${traceId}' not found.`);
    }
    const overrides = assessment.overrides as string | undefined;
    if (overrides) {
      const old = current.assessments[overrides];
      if (old === undefined) {
        throw notFound(`Assessment with ID '${overrides}' not found for trace '${traceId}'`);
      }
      current.assessments[overrides] = JSON.stringify({ ...JSON.parse(old), valid: false });
    }
    current.assessments[id] = JSON.stringify(assessment);
    return current;
  });
  // An issue reference: the issue finds this trace through a link item.
  if (input.issue !== undefined) {
    await linkIssueTrace(store.db, String(input.assessment_name), traceId);
  }
  return assessment;
}

/** Reads one assessment. */
export async function getAssessment(
  store: TraceStore,
  traceId: string,
  assessmentId: string,
): Promise<AssessmentJson> {
  const record = await store.findRecord(traceId);
  if (!record) throw traceMissing(traceId);
  return read(record, assessmentId);
}

/** Fields an update may carry (already filtered by `update_mask`). */
export interface AssessmentUpdate {
  assessment_name?: string;
  feedback?: Record<string, unknown>;
  expectation?: Record<string, unknown>;
  rationale?: string;
  metadata?: Record<string, string>;
}

/** Updates an assessment as `update_assessment` does. */
export async function updateAssessment(
  store: TraceStore,
  traceId: string,
  assessmentId: string,
  update: AssessmentUpdate,
): Promise<AssessmentJson> {
  if (update.feedback !== undefined && update.expectation !== undefined) {
    throw invalidParameter("Cannot specify both `expectation` and `feedback` parameters.");
  }
  let result: AssessmentJson | undefined;
  await store.mutate(traceId, (current) => {
    if (!current) throw traceMissing(traceId);
    const existing = read(current, assessmentId);
    const isExpectation = existing.expectation !== undefined;
    if (update.expectation !== undefined && !isExpectation) {
      throw invalidParameter("Cannot update expectation value on a Feedback assessment.");
    }
    if (update.feedback !== undefined && isExpectation) {
      throw invalidParameter("Cannot update feedback value on an Expectation assessment.");
    }
    const next: AssessmentJson = { ...existing, last_update_time: new Date().toISOString() };
    if (update.assessment_name !== undefined) next.assessment_name = update.assessment_name;
    if (update.expectation !== undefined) {
      next.expectation = normalizedExpectation(update.expectation);
    }
    if (update.feedback !== undefined) next.feedback = update.feedback;
    if (update.rationale !== undefined && !isExpectation) next.rationale = update.rationale;
    const oldMeta = (existing.metadata ?? {}) as Record<string, string>;
    if (update.metadata !== undefined || Object.keys(oldMeta).length > 0) {
      const merged = { ...oldMeta, ...(update.metadata ?? {}) };
      if (Object.keys(merged).length > 0) next.metadata = merged;
    }
    current.assessments[assessmentId] = JSON.stringify(next);
    result = next;
    return current;
  });
  return result!;
}

/** Deletes an assessment (absent, or on an absent trace: no-op), restoring the one it overrode. */
export async function deleteAssessment(
  store: TraceStore,
  traceId: string,
  assessmentId: string,
): Promise<void> {
  await store.mutate(traceId, (current) => {
    // MLflow answers 200 for an absent trace or assessment alike.
    if (!current) return null;
    const text = current.assessments[assessmentId];
    if (text === undefined) return null;
    const overrides = (JSON.parse(text) as AssessmentJson).overrides as string | undefined;
    if (overrides && current.assessments[overrides] !== undefined) {
      current.assessments[overrides] = JSON.stringify({
        ...JSON.parse(current.assessments[overrides]),
        valid: true,
      });
    }
    delete current.assessments[assessmentId];
    return current;
  });
}
