/**
 * The AI Gateway part of the route table (`route_permissions.ts`): configuration routes under
 * `/mlflow/gateway/*` and the invocation routes under `/gateway/*`, as MLflow 3.17.2's auth app
 * guards them.
 *
 * @module
 */
import type { Rule } from "./route_permissions.ts";
import { admin, anyUser, on, req } from "./rule_builders.ts";

/** `"METHOD /path"` → rule for every AI Gateway route. */
export const GATEWAY_ROUTE_PERMISSIONS: Readonly<Record<string, Rule>> = {
  // AI Gateway configuration, as MLflow 3.17.2: per-resource grants on secrets, model definitions
  // and endpoints (the creator gets MANAGE; lists keep what the caller reads), a model definition
  // needs USE on its secret, an endpoint USE on its model definitions; budget writes and guardrail
  // management are for admins; discovery routes carry no stored data.
  "POST /mlflow/gateway/secrets/create": on("new_gateway_secret", "NOT_DENIED"),
  "GET /mlflow/gateway/secrets/get": on("gateway_secret", "READ"),
  "POST /mlflow/gateway/secrets/update": on("gateway_secret", "EDIT"),
  "DELETE /mlflow/gateway/secrets/delete": on("gateway_secret", "MANAGE"),
  "GET /mlflow/gateway/secrets/list": anyUser,
  "POST /mlflow/gateway/model-definitions/create": on(
    "new_gateway_model_definition",
    "NOT_DENIED",
    req("gateway_secret_if_named", "USE"),
  ),
  "GET /mlflow/gateway/model-definitions/get": on("gateway_model_definition", "READ"),
  "GET /mlflow/gateway/model-definitions/list": on("gateway_secret_if_named", "NOT_DENIED"),
  "POST /mlflow/gateway/model-definitions/update": on(
    "gateway_model_definition",
    "EDIT",
    req("gateway_secret_if_named", "USE"),
  ),
  "DELETE /mlflow/gateway/model-definitions/delete": on("gateway_model_definition", "MANAGE"),
  "POST /mlflow/gateway/endpoints/create": on(
    "new_gateway_endpoint",
    "NOT_DENIED",
    req("gateway_model_configs", "USE"),
    req("gateway_endpoint_experiment", "NOT_DENIED"),
  ),
  "GET /mlflow/gateway/endpoints/get": on("gateway_endpoint", "READ"),
  "POST /mlflow/gateway/endpoints/update": on(
    "gateway_endpoint",
    "EDIT",
    req("gateway_model_configs", "USE"),
    req("gateway_endpoint_experiment", "NOT_DENIED"),
  ),
  "DELETE /mlflow/gateway/endpoints/delete": on("gateway_endpoint", "MANAGE"),
  "GET /mlflow/gateway/endpoints/list": anyUser,
  "POST /mlflow/gateway/endpoints/models/attach": on(
    "gateway_endpoint",
    "EDIT",
    req("gateway_model_configs", "USE"),
  ),
  "POST /mlflow/gateway/endpoints/models/detach": on(
    "gateway_endpoint",
    "EDIT",
    req("gateway_model_definition_if_named", "NOT_DENIED"),
  ),
  "POST /mlflow/gateway/endpoints/bindings/create": on("gateway_endpoint", "EDIT"),
  "DELETE /mlflow/gateway/endpoints/bindings/delete": on("gateway_endpoint", "EDIT"),
  "GET /mlflow/gateway/endpoints/bindings/list": on("gateway_endpoint_or_admin", "READ"),
  "POST /mlflow/gateway/endpoints/set-tag": on("gateway_endpoint", "EDIT"),
  "DELETE /mlflow/gateway/endpoints/delete-tag": on("gateway_endpoint", "EDIT"),
  "POST /mlflow/gateway/budgets/create": admin,
  "GET /mlflow/gateway/budgets/get": anyUser,
  "POST /mlflow/gateway/budgets/update": admin,
  "DELETE /mlflow/gateway/budgets/delete": admin,
  "GET /mlflow/gateway/budgets/list": anyUser,
  "GET /mlflow/gateway/budgets/windows": anyUser,
  "POST /mlflow/gateway/guardrails/create": admin,
  "GET /mlflow/gateway/guardrails/get": admin,
  "DELETE /mlflow/gateway/guardrails/delete": admin,
  "GET /mlflow/gateway/guardrails/list": admin,
  "POST /mlflow/gateway/guardrails/add-to-endpoint": on(
    "gateway_endpoint",
    "EDIT",
    req("gateway_guardrail_scorer", "NOT_DENIED"),
  ),
  "DELETE /mlflow/gateway/guardrails/remove-from-endpoint": on("gateway_endpoint", "EDIT"),
  "GET /mlflow/gateway/guardrails/list-for-endpoint": on("gateway_endpoint", "READ"),
  "PATCH /mlflow/gateway/guardrails/update-config": on(
    "gateway_endpoint",
    "EDIT",
    req("gateway_guardrail_scorer", "NOT_DENIED"),
  ),
  "GET /mlflow/gateway/secrets/config": anyUser,
  "GET /mlflow/gateway/supported-providers": anyUser,
  "GET /mlflow/gateway/supported-models": anyUser,
  "GET /mlflow/gateway/provider-config": anyUser,
  // AI Gateway invocation (`/gateway/*`, outside the REST API). MLflow 3.17.2 needs USE on the
  // endpoint (per-resource grant, named by the path or the body's `model`). The models listing
  // only needs a signed-in user (its rows are filtered to the endpoints the caller may use).
  "POST /gateway/:endpoint_name/mlflow/invocations": on("gateway_endpoint_name", "USE"),
  "POST /gateway/mlflow/v1/chat/completions": on("gateway_endpoint_name", "USE"),
  "POST /gateway/openai/v1/chat/completions": on("gateway_endpoint_name", "USE"),
  "POST /gateway/openai/v1/embeddings": on("gateway_endpoint_name", "USE"),
  "POST /gateway/openai/v1/responses": on("gateway_endpoint_name", "USE"),
  // MLflow names no endpoint for this route (not in `_ROUTES_NEEDING_BODY`): only admins pass.
  "POST /gateway/openai/v1/responses/compact": admin,
  "POST /gateway/anthropic/v1/messages": on("gateway_endpoint_name", "USE"),
  "GET /gateway/mlflow/v1/models": anyUser,
};
