/**
 * Budget policies on the invocation path, as MLflow 3.17.2 (`mlflow/gateway/budget.py`): before
 * the call, a REJECT policy that applies (GLOBAL and WORKSPACE ones, ENDPOINT ones naming the
 * endpoint, USER ones naming the caller) and whose current window is spent refuses it with
 * MLflow's 429; after a call with usage tracking on (MLflow prices a call from its trace's
 * provider spans, so an untracked call costs nothing), each provider attempt's token usage is
 * priced and added to the window of every applying policy.
 *
 * Pricing: MLflow (without LiteLLM, as `pip install mlflow` installs it) multiplies input and
 * output tokens by its bundled catalog's per-token prices. `model_prices.json` carries those
 * prices for a small set of OpenAI and Anthropic models only; a call on any other model costs 0
 * here (MLflow would price it), and cache-token discounts are not applied.
 *
 * @module
 */
import type { GatewayStores } from "../gateway_store.ts";
import type { BudgetWindowState } from "../budget_store.ts";
import type { EndpointCallConfig } from "./endpoint_config.ts";
import { GatewayHttpError } from "./gateway_http_error.ts";
import type { ProviderSpan } from "./usage_trace.ts";
import table from "./model_prices.json" with { type: "json" };

const PRICES: Record<string, Record<string, number[]>> = table.prices;

/** MLflow's `cost_per_token` total for one call, in USD; 0 for a model without a price here. */
export function callCost(
  provider: string,
  model: string,
  usage: Record<string, number> | undefined,
): number {
  const price = PRICES[provider.toLowerCase()]?.[model.split("/").at(-1)!];
  if (!price || !usage) return 0;
  const input = usage.input_tokens ?? 0;
  const output = usage.output_tokens ?? 0;
  // Per-token prices first, as MLflow's `_flatten_catalog_entry` (same float rounding).
  return input * (price[0]! / 1_000_000) + output * (price[1]! / 1_000_000);
}

/** `%.2f` as Python formats it. */
const twoDecimals = (n: number) => n.toFixed(2);

/** MLflow's 429 detail for a spent budget. */
export function budgetExceededDetail(w: BudgetWindowState): string {
  const d = w.policy.duration;
  let unit = d.unit.toLowerCase();
  if (d.value === 1) unit = unit.replace(/s+$/, "");
  const reset = new Date(w.end).toISOString().replace(/\.\d{3}Z$/, "Z");
  return `Budget limit exceeded. Limit: $${twoDecimals(w.policy.budget_amount)} USD per ` +
    `${d.value} ${unit}. Budget resets at ${reset}. Request rejected.`;
}

/** MLflow's `check_budget_limit`: throws its 429 when a rejecting budget is spent. */
export async function checkBudget(
  gw: GatewayStores,
  config: EndpointCallConfig,
  username?: string,
): Promise<void> {
  const spent = await gw.budgets.rejecting(config.endpoint_id, username);
  if (spent) throw new GatewayHttpError(429, budgetExceededDetail(spent));
}

/** MLflow's `make_budget_on_complete`: the priced attempts added to the applying budgets. */
export async function recordSpend(
  gw: GatewayStores,
  config: EndpointCallConfig,
  spans: ProviderSpan[],
  username?: string,
): Promise<void> {
  const usd = spans.reduce((sum, s) => sum + callCost(s.provider, s.model, s.usage), 0);
  try {
    await gw.budgets.recordSpend(config.endpoint_id, usd, username);
  } catch {
    // As MLflow, a failure to record spend never fails the call it follows.
  }
}
