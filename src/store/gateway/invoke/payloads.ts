/**
 * The request bodies of the unified gateway routes, checked and normalised as MLflow's pydantic
 * models (`gateway/schemas/chat.py` `RequestPayload`, `schemas/embeddings.py`) check them and as
 * `jsonable_encoder(payload, exclude_none=True)` writes them before a provider sees them: known
 * fields first with their defaults (`n: 1`), unknown fields kept (the models allow extras),
 * every null dropped. A failed check is MLflow's 400 (`Invalid chat payload: ...`), worded after
 * pydantic's first lines (location and message).
 *
 * @module
 */
import { GatewayHttpError } from "./gateway_http_error.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

const CHAT_FIELDS = [
  "n",
  "stop",
  "max_tokens",
  "max_completion_tokens",
  "stream",
  "stream_options",
  "model",
  "response_format",
  "temperature",
  "top_p",
  "presence_penalty",
  "frequency_penalty",
  "top_k",
  "messages",
  "tools",
  "tool_choice",
];

type Problem = [loc: string, msg: string];

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: unknown) => typeof v === "number" && Number.isInteger(v);

function num(body: Json, k: string, lo: number, hi: number, int: boolean, out: Problem[]) {
  const v = body[k];
  if (v === undefined || v === null) return;
  if (typeof v !== "number" || (int && !isInt(v))) {
    out.push([k, int ? "Input should be a valid integer" : "Input should be a valid number"]);
  } else if (v < lo) {
    out.push([k, `Input should be greater than or equal to ${lo}`]);
  } else if (v > hi) {
    out.push([k, `Input should be less than or equal to ${hi}`]);
  }
}

function checkMessages(v: unknown, out: Problem[]) {
  if (v === undefined) return out.push(["messages", "Field required"]);
  if (!Array.isArray(v)) return out.push(["messages", "Input should be a valid list"]);
  if (v.length === 0) {
    return out.push(["messages", "List should have at least 1 item after validation, not 0"]);
  }
  v.forEach((m, i) => {
    if (!isObj(m)) return out.push([`messages.${i}`, "Input should be a valid dictionary"]);
    if (m.role === undefined) out.push([`messages.${i}.role`, "Field required"]);
    else if (typeof m.role !== "string") {
      out.push([`messages.${i}.role`, "Input should be a valid string"]);
    }
    const c = m.content;
    if (c !== undefined && c !== null && typeof c !== "string" && !Array.isArray(c)) {
      out.push([`messages.${i}.content`, "Input should be a valid string"]);
    }
  });
}

function problems(kind: string, list: Problem[]): GatewayHttpError {
  const n = list.length;
  const lines = list.map(([loc, msg]) => `${loc}\n  ${msg}`).join("\n");
  return new GatewayHttpError(
    400,
    `Invalid ${kind} payload: ${n} validation error${n === 1 ? "" : "s"} for RequestPayload\n` +
      lines,
  );
}

/** `jsonable_encoder(..., exclude_none=True)` of plain JSON: nulls in objects dropped. */
export function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (isObj(v)) {
    const o: Json = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) o[k] = dropNulls(x);
    return o;
  }
  return v;
}

/** A checked chat request as the provider adapters receive it. */
export function chatPayload(body: Json): Json {
  const out: Problem[] = [];
  checkMessages(body.messages, out);
  num(body, "n", 1, Infinity, true, out);
  num(body, "max_tokens", 1, Infinity, true, out);
  num(body, "max_completion_tokens", 1, Infinity, true, out);
  num(body, "temperature", 0, 2, false, out);
  num(body, "top_p", 0, 1, false, out);
  num(body, "presence_penalty", -2, 2, false, out);
  num(body, "frequency_penalty", -2, 2, false, out);
  num(body, "top_k", 1, Infinity, true, out);
  const stop = body.stop;
  if (stop !== undefined && stop !== null) {
    if (!Array.isArray(stop)) out.push(["stop", "Input should be a valid list"]);
    else if (stop.length === 0) {
      out.push(["stop", "List should have at least 1 item after validation, not 0"]);
    } else if (stop.some((s) => typeof s !== "string")) {
      out.push(["stop", "Input should be a valid string"]);
    }
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
    out.push(["stream", "Input should be a valid boolean"]);
  }
  if (body.model !== undefined && body.model !== null && typeof body.model !== "string") {
    out.push(["model", "Input should be a valid string"]);
  }
  const tools = body.tools;
  if (tools !== undefined && tools !== null) {
    if (!Array.isArray(tools)) out.push(["tools", "Input should be a valid list"]);
    else if (tools.length === 0) {
      out.push(["tools", "List should have at least 1 item after validation, not 0"]);
    } else {
      tools.forEach((t, i) => {
        if (!isObj(t) || (t.type !== "function" && t.type !== "uc_function")) {
          out.push([`tools.${i}.type`, "Input should be 'function' or 'uc_function'"]);
        }
      });
    }
  }
  if (out.length) throw problems("chat", out);
  const ordered: Json = { n: 1 };
  for (const k of CHAT_FIELDS) if (k in body) ordered[k] = body[k];
  for (const [k, v] of Object.entries(body)) if (!(k in ordered)) ordered[k] = v;
  return dropNulls(ordered) as Json;
}

/** A checked embeddings request (`input`: text, texts, tokens or token lists). */
export function embeddingsPayload(body: Json): Json {
  const input = body.input;
  const ok = typeof input === "string" ||
    (Array.isArray(input) && (
      input.every((x) => typeof x === "string") ||
      input.every(isInt) ||
      input.every((x) => Array.isArray(x) && x.every(isInt))
    ));
  if (!ok) {
    throw problems("embeddings", [
      ["input.str", "Input should be a valid string"],
      ["input.list[str]", "Input should be a valid list"],
      ["input.list[int]", "Input should be a valid list"],
      ["input.list[list[int]]", "Input should be a valid list"],
    ]);
  }
  return dropNulls(body) as Json;
}
