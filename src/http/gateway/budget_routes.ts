/**
 * Gateway budget policy routes (`/api/3.0/mlflow/gateway/budgets/*`), MLflow's
 * `_create_budget_policy`, `_get_budget_policy`, `_update_budget_policy`,
 * `_delete_budget_policy`, `_list_budget_policies` and `_list_budget_windows`, with their checks
 * (enum values, a positive duration, the scope/target rule, USER scope only with authentication).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { invalidParameter } from "../../errors.ts";
import { decodeOptionalPageToken, encodePageToken } from "../../search/page_token.ts";
import {
  type BudgetDuration,
  type BudgetStore,
  DURATION_UNITS,
  TARGET_SCOPES,
  validateTarget,
} from "../../store/gateway/budget_store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { double, int64, parseRequest, requireString, str } from "../request.ts";
import type { GatewayOptions } from "./gateway_options.ts";

const enumish = z.union([z.string(), z.number()]);
const duration = z.object({ unit: enumish.optional(), value: int64.optional() });
const fields = {
  budget_unit: enumish.optional(),
  budget_amount: double.optional(),
  duration: duration.optional(),
  target_scope: enumish.optional(),
  budget_action: enumish.optional(),
  target_value: str.optional(),
};
const createSchema = z.object({ ...fields, created_by: str.optional() });
const updateSchema = z.object({
  ...fields,
  budget_policy_id: str.optional(),
  updated_by: str.optional(),
});
const idSchema = z.object({ budget_policy_id: str.optional() });
const listSchema = z.object({ max_results: int64.optional(), page_token: str.optional() });

/** A proto enum by name or number; MLflow's `Invalid <field>: <number>` otherwise. */
function enumValue<T extends string>(names: readonly T[], raw: unknown, field: string): T {
  const n = typeof raw === "number" ? raw : names.indexOf(raw as T) + 1;
  const name = names[n - 1];
  if (name === undefined || typeof raw === "string" && !names.includes(raw as T)) {
    throw invalidParameter(`Invalid ${field}: ${typeof raw === "number" ? raw : 0}`);
  }
  return name;
}

function durationOf(d: z.output<typeof duration>): BudgetDuration {
  const unit = enumValue(DURATION_UNITS, d.unit ?? 0, "duration.unit");
  const value = d.value ?? 0;
  if (value <= 0) {
    throw invalidParameter(`duration.value must be a positive integer, got ${value}`);
  }
  return { unit, value };
}

function required<T>(v: T | undefined, name: string): T {
  if (v === undefined) {
    throw invalidParameter(
      `Missing value for required parameter '${name}'. ` +
        "See the API docs for more information about request parameters.",
    );
  }
  return v;
}

function userScopeNeedsAuth(scope: string, options: GatewayOptions): void {
  if (scope === "USER" && !options.authEnabled) {
    throw invalidParameter(
      "USER-scoped budget policies require server authentication to be enabled. " +
        "Without auth the gateway cannot attribute requests to a user, so the " +
        "policy would never take effect.",
    );
  }
}

/** The routes (mounted under the 3.0 prefixes). */
export function budgetRoutes(budgets: BudgetStore, options: GatewayOptions): Hono {
  const app = new Hono();

  app.post("/gateway/budgets/create", async (c) => {
    const req = await parseRequest(c, createSchema);
    const unit = required(req.budget_unit, "budget_unit");
    const amount = required(req.budget_amount, "budget_amount");
    const dur = required(req.duration, "duration");
    const scopeRaw = required(req.target_scope, "target_scope");
    const actionRaw = required(req.budget_action, "budget_action");
    const budget_unit = enumValue(["USD"], unit, "budget_unit");
    const d = durationOf(dur);
    const target_scope = enumValue(TARGET_SCOPES, scopeRaw, "target_scope");
    const budget_action = enumValue(["ALERT", "REJECT"], actionRaw, "budget_action");
    const target = req.target_value || undefined;
    validateTarget(target_scope, target);
    userScopeNeedsAuth(target_scope, options);
    const budget_policy = await budgets.create({
      budget_unit,
      budget_amount: amount,
      duration: d,
      target_scope,
      budget_action,
      created_by: req.created_by ?? "",
      target_value: target,
    });
    return mlflowJson({ budget_policy });
  });

  app.get("/gateway/budgets/get", async (c) => {
    const req = await parseRequest(c, idSchema);
    const id = requireString(req.budget_policy_id, "budget_policy_id");
    return mlflowJson({ budget_policy: await budgets.get(id) });
  });

  app.post("/gateway/budgets/update", async (c) => {
    const req = await parseRequest(c, updateSchema);
    const id = requireString(req.budget_policy_id, "budget_policy_id");
    const scope = req.target_scope === undefined
      ? undefined
      : enumValue(TARGET_SCOPES, req.target_scope, "target_scope");
    if (scope !== undefined) userScopeNeedsAuth(scope, options);
    const budget_policy = await budgets.update(id, {
      budget_unit: req.budget_unit === undefined
        ? undefined
        : enumValue(["USD"], req.budget_unit, "budget_unit"),
      budget_amount: req.budget_amount,
      duration: req.duration === undefined ? undefined : durationOf(req.duration),
      target_scope: scope,
      budget_action: req.budget_action === undefined
        ? undefined
        : enumValue(["ALERT", "REJECT"], req.budget_action, "budget_action"),
      updated_by: req.updated_by || undefined,
      target_value: req.target_value || undefined,
    });
    return mlflowJson({ budget_policy });
  });

  app.delete("/gateway/budgets/delete", async (c) => {
    const req = await parseRequest(c, idSchema);
    await budgets.delete(requireString(req.budget_policy_id, "budget_policy_id"));
    return mlflowJson({});
  });

  app.get("/gateway/budgets/list", async (c) => {
    const req = await parseRequest(c, listSchema);
    const max = req.max_results || 1000;
    if (max < 1) {
      throw invalidParameter(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer`,
      );
    }
    if (max > 50000) {
      throw invalidParameter(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be at most 50000`,
      );
    }
    const after = decodeOptionalPageToken<string>(req.page_token, "budgets");
    const page = await budgets.page(max, after);
    return mlflowJson({
      budget_policies: nonEmpty(page.items),
      ...(page.last ? { next_page_token: encodePageToken(page.last, "budgets") } : {}),
    });
  });

  app.get("/gateway/budgets/windows", async (c) => {
    await parseRequest(c, z.object({}));
    return mlflowJson({ windows: nonEmpty(await budgets.windows()) });
  });

  return app;
}
