/**
 * MLflow's webhook events (`mlflow/entities/webhook.py`): which entity/action pairs exist, how
 * they look on the wire (proto enum names, `REGISTERED_MODEL`/`CREATED`) and in a delivery
 * (`registered_model`/`created`), and the example payload `test` sends for each.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";

/** The entities of `WebhookEntity` in proto order (number = index + 1). */
export const ENTITIES = [
  "registered_model",
  "model_version",
  "model_version_tag",
  "model_version_alias",
  "prompt",
  "prompt_version",
  "prompt_tag",
  "prompt_version_tag",
  "prompt_alias",
  "budget_policy",
] as const;
/** The actions of `WebhookAction` in proto order (number = index + 1). */
export const ACTIONS = ["created", "updated", "deleted", "set", "exceeded"] as const;

export type WebhookEntity = typeof ENTITIES[number];
export type WebhookAction = typeof ACTIONS[number];

/** An event, as `entity.action` (`model_version_tag.set`). */
export type WebhookEventName = `${WebhookEntity}.${WebhookAction}`;

/** The valid actions of each entity (`VALID_ENTITY_ACTIONS`). */
const VALID: Record<WebhookEntity, readonly WebhookAction[]> = {
  registered_model: ["created"],
  model_version: ["created"],
  model_version_tag: ["set", "deleted"],
  model_version_alias: ["created", "deleted"],
  prompt: ["created"],
  prompt_version: ["created"],
  prompt_tag: ["set", "deleted"],
  prompt_version_tag: ["set", "deleted"],
  prompt_alias: ["created", "deleted"],
  budget_policy: ["exceeded"],
};

function enumValue<T extends string>(
  names: readonly T[],
  raw: unknown,
  field: string,
): T {
  if (typeof raw === "number" || (typeof raw === "string" && /^\d+$/.test(raw))) {
    const name = names[Number(raw) - 1];
    if (name) return name;
  } else if (typeof raw === "string") {
    const lower = raw.toLowerCase() as T;
    if (raw === raw.toUpperCase() && names.includes(lower)) return lower;
  }
  throw invalidParameter(`Invalid value ${JSON.stringify(raw)} for webhook event ${field}.`);
}

/** Parses one wire event (`{"entity": "MODEL_VERSION", "action": "CREATED"}`), as MLflow validates it. */
export function parseEvent(raw: unknown): WebhookEventName {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalidParameter(`Invalid webhook event ${JSON.stringify(raw)}: expected an object.`);
  }
  const r = raw as Record<string, unknown>;
  const entity = enumValue(ENTITIES, r.entity ?? "ENTITY_UNSPECIFIED", "entity");
  const action = enumValue(ACTIONS, r.action ?? "ACTION_UNSPECIFIED", "action");
  if (!VALID[entity].includes(action)) {
    throw invalidParameter(
      `Invalid action '${action}' for entity '${entity}'. Valid actions are: [${
        [...VALID[entity]].sort().map((a) => `'${a}'`).join(", ")
      }]`,
    );
  }
  return `${entity}.${action}`;
}

/** Parses an event list; MLflow requires a non-empty one. */
export function parseEvents(raw: unknown[]): WebhookEventName[] {
  const events = raw.map(parseEvent);
  if (events.length === 0) {
    throw invalidParameter("Webhook events must be a non-empty list of WebhookEvent objects: [].");
  }
  return [...new Set(events)];
}

/** The wire form of an event. */
export function eventJson(event: WebhookEventName): { entity: string; action: string } {
  const [entity, action] = event.split(".") as [string, string];
  return { entity: entity.toUpperCase(), action: action.toUpperCase() };
}

/** A delivery's data (`mlflow/webhooks/types.py`). */
export type WebhookPayload = Record<string, unknown>;

/** The example payload MLflow's `test` sends for each event (`get_example_payload_for_event`). */
export function examplePayload(event: WebhookEventName): WebhookPayload {
  const [entity, action] = event.split(".") as [WebhookEntity, WebhookAction];
  const model = "example_model";
  const prompt = "example_prompt";
  const tags = { example_key: "example_value" };
  switch (entity) {
    case "registered_model":
      return { name: model, tags, description: "An example registered model" };
    case "model_version":
      return {
        name: model,
        version: "1",
        source: "models:/123",
        run_id: "abcd1234abcd5678",
        tags,
        description: "An example model version",
      };
    case "model_version_tag":
      return action === "set"
        ? { name: model, version: "1", key: "example_key", value: "example_value" }
        : { name: model, version: "1", key: "example_key" };
    case "model_version_alias":
      return action === "created"
        ? { name: model, alias: "example_alias", version: "1" }
        : { name: model, alias: "example_alias" };
    case "prompt":
      return { name: prompt, tags, description: "An example prompt" };
    case "prompt_version":
      return {
        name: prompt,
        version: "1",
        template: "Hello {{name}}!",
        tags,
        description: "An example prompt version",
      };
    case "prompt_tag":
      return action === "set"
        ? { name: prompt, key: "example_key", value: "example_value" }
        : { name: prompt, key: "example_key" };
    case "prompt_version_tag":
      return action === "set"
        ? { name: prompt, version: "1", key: "example_key", value: "example_value" }
        : { name: prompt, version: "1", key: "example_key" };
    case "prompt_alias":
      return action === "created"
        ? { name: prompt, alias: "example_alias", version: "1" }
        : { name: prompt, alias: "example_alias" };
    case "budget_policy":
      return budgetExample();
  }
}

function budgetExample(): WebhookPayload {
  return {
    budget_policy_id: "bp-abc123",
    budget_unit: "USD",
    budget_amount: 100.0,
    current_spend: 105.5,
    duration_unit: "MONTHS",
    duration_value: 1,
    target_scope: "ENDPOINT",
    workspace: "default",
    target_value: "ep-abc123",
    window_start: 1704067200000,
  };
}
