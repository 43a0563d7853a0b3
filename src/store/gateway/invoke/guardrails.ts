/**
 * Guardrails on the invocation path, as MLflow 3.17.2 runs them (`gateway/guardrails.py`,
 * `gateway/guardrail_utils.py`): an endpoint's guardrails, in their execution order, run their
 * judge on the request (stage `BEFORE`, before the provider call) or on the request and the
 * answer (`AFTER`, not for streams or embeddings). A judge is a registered `make_judge` scorer
 * (`instructions_judge_pydantic_data`) whose model is a gateway endpoint (`gateway:/<name or
 * id>`); it is evaluated with one chat call through this gateway (guardrails bypassed, as
 * MLflow's internal calls are) asking for `{"result", "rationale"}`. A `yes` or `true` result
 * passes. A failing `VALIDATION` guardrail blocks with MLflow's 400 `Guardrail '<name>' blocked:
 * <rationale>`; a failing `SANITIZATION` guardrail has its action endpoint rewrite the payload
 * (a JSON object answer replaces it). The judge prompt is this server's own wording of the same
 * contract, not MLflow's text, so a model may judge borderline content differently.
 *
 * Not runnable here, so refused rather than skipped (an endpoint never serves traffic without a
 * guardrail it has): `@scorer` code (MLflow's `INVALID_STATE`), built-in scorers and judges on a
 * model outside this gateway (501).
 *
 * @module
 */
import type { GatewayStores } from "../gateway_store.ts";
import { GatewayHttpError } from "./gateway_http_error.ts";
import type { Json } from "./payloads.ts";

/** MLflow's header on internal calls that skip guardrails (no recursion). */
export const GUARDRAIL_BYPASS_HEADER = "x-mlflow-guardrail-bypass";
const MAX_RATIONALE = 500;

/** One guardrail ready to run. */
export interface LoadedGuardrail {
  name: string;
  stage: "BEFORE" | "AFTER";
  action: "VALIDATION" | "SANITIZATION";
  instructions: string;
  /** The judge's gateway endpoint (by name). */
  judgeEndpoint: string;
  /** The sanitizing endpoint (by name). */
  actionEndpoint?: string;
}

/** A chat call through this gateway, guardrails bypassed: the OpenAI-shaped answer. */
export type GatewayChat = (endpoint: string, payload: Json) => Promise<Json>;

/** MLflow's `GuardrailViolation` as the invocation routes answer it. */
export function guardrailViolation(name: string, rationale: string): GatewayHttpError {
  return new GatewayHttpError(400, `Guardrail '${name}' blocked: ${rationale}`);
}

async function endpointName(gw: GatewayStores, ref: string): Promise<string | undefined> {
  const byId = await gw.endpoints.items.find(ref);
  if (byId) return byId.name;
  return (await gw.endpoints.items.getByName(ref).catch(() => undefined))?.name;
}

/** The endpoint's guardrails in MLflow's execution order, or MLflow's refusal. */
export async function loadGuardrails(
  gw: GatewayStores,
  endpointId: string,
): Promise<LoadedGuardrail[]> {
  const configs = await gw.guardrails.listForEndpoint(endpointId);
  const out: LoadedGuardrail[] = [];
  for (const c of configs) {
    const g = c.guardrail;
    if (!g?.scorer) continue; // MLflow skips a guardrail it cannot load
    // deno-lint-ignore no-explicit-any
    const scorer = JSON.parse(g.scorer.serialized_scorer) as Record<string, any>;
    if (scorer.call_source !== undefined && scorer.call_source !== null) {
      throw new GatewayHttpError(500, {
        error_code: "INVALID_STATE",
        message: `Guardrail '${g.name}' uses a custom scorer defined with the @scorer ` +
          "decorator, which gateway guardrails do not support. Replace it with a built-in " +
          "scorer or a judge created with make_judge, or remove it from this endpoint.",
      });
    }
    const data = scorer.instructions_judge_pydantic_data;
    const model = typeof data?.model === "string" ? data.model : "";
    const ref = model.startsWith("gateway:/") ? model.slice("gateway:/".length) : undefined;
    const judge = ref ? await endpointName(gw, ref) : undefined;
    if (!judge || typeof data.instructions !== "string") {
      throw new GatewayHttpError(
        501,
        `Guardrail '${g.name}' needs a judge on a model outside this server's AI Gateway ` +
          "(only make_judge judges with a gateway:/ endpoint model run here).",
      );
    }
    out.push({
      name: g.name,
      stage: g.stage === "AFTER" ? "AFTER" : "BEFORE",
      action: g.action === "SANITIZATION" ? "SANITIZATION" : "VALIDATION",
      instructions: data.instructions,
      judgeEndpoint: judge,
      ...(g.action_endpoint_id ? { actionEndpoint: g.action_endpoint_id } : {}),
    });
  }
  return out;
}

/** The text content of an OpenAI chat answer. */
function content(answer: Json): string | undefined {
  // deno-lint-ignore no-explicit-any
  const c = (answer as any)?.choices?.[0]?.message?.content;
  return typeof c === "string" ? c : undefined;
}

/** A JSON object from a model's text (a fenced block allowed). */
function jsonObject(text: string | undefined): Json | undefined {
  if (text === undefined) return undefined;
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  try {
    const v = JSON.parse((fenced ? fenced[1]! : text).trim());
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function fill(instructions: string, vars: Record<string, unknown>): string {
  return instructions.replace(
    /\{\{\s*(\w+)\s*\}\}/g,
    (m, k: string) => k in vars ? JSON.stringify(vars[k]) : m,
  );
}

/** Runs the judge; `[passed, rationale]`. */
async function judge(
  g: LoadedGuardrail,
  vars: Record<string, unknown>,
  chat: GatewayChat,
): Promise<[boolean, string]> {
  const system = "You are a judge. Evaluate the content below against these instructions:\n\n" +
    fill(g.instructions, vars) +
    '\n\nAnswer ONLY with a JSON object {"result": <your verdict, "yes" or "no" unless the ' +
    'instructions say otherwise>, "rationale": "<why>"}.';
  const answer = await chat(g.judgeEndpoint, {
    messages: [
      { role: "system", content: system },
      { role: "user", content: JSON.stringify(vars) },
    ],
  });
  const verdict = jsonObject(content(answer));
  if (!verdict || !("result" in verdict)) {
    throw new GatewayHttpError(
      500,
      `Guardrail '${g.name}': the judge's answer is not a JSON object with a 'result'.`,
    );
  }
  const v = verdict.result;
  const passed = typeof v === "boolean" ? v : String(v).trim().toLowerCase() === "yes";
  const why = typeof verdict.rationale === "string" && verdict.rationale
    ? verdict.rationale
    : String(v);
  return [passed, why.slice(0, MAX_RATIONALE)];
}

async function sanitize(
  g: LoadedGuardrail,
  payload: Json,
  rationale: string,
  chat: GatewayChat,
): Promise<Json> {
  if (!g.actionEndpoint) {
    throw guardrailViolation(
      g.name,
      "Sanitization requires an action_llm_url but none was configured.",
    );
  }
  let answer: Json;
  try {
    answer = await chat(g.actionEndpoint, {
      messages: [{
        role: "user",
        content: "Rewrite this JSON payload so that it no longer has the issue described. " +
          "Redact what cannot be rephrased as [REDACTED], keep the structure and intent, add no " +
          `fields, and answer ONLY with the JSON object.\n\nIssue: ${rationale}\n\nPayload:\n` +
          JSON.stringify(payload, null, 2),
      }],
    });
  } catch (e) {
    const detail = e instanceof GatewayHttpError ? e.message : (e as Error).message;
    throw guardrailViolation(g.name, `Sanitization request failed: ${detail}`);
  }
  const text = content(answer);
  if (text === undefined) {
    throw guardrailViolation(
      g.name,
      "Sanitization LLM response is missing 'choices[0].message.content'.",
    );
  }
  const result = jsonObject(text);
  if (!result) throw guardrailViolation(g.name, "Sanitization LLM returned invalid JSON.");
  return result;
}

/**
 * Runs the guardrails of one stage: `BEFORE` over the request (returns the request to send),
 * `AFTER` over the answer (returns the answer to give).
 */
export async function runGuardrails(
  guardrails: LoadedGuardrail[],
  stage: "BEFORE" | "AFTER",
  request: Json,
  chat: GatewayChat,
  response?: Json,
): Promise<Json> {
  let payload = (stage === "BEFORE" ? request : response) ?? {};
  for (const g of guardrails) {
    if (g.stage !== stage) continue;
    const vars = stage === "BEFORE" ? { inputs: payload } : { inputs: request, outputs: payload };
    const [passed, rationale] = await judge(g, vars, chat);
    if (passed) continue;
    if (g.action === "VALIDATION") throw guardrailViolation(g.name, rationale);
    payload = await sanitize(g, payload, rationale, chat);
  }
  return payload;
}
