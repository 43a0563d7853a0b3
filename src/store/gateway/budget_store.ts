/**
 * AI Gateway budget policies (MLflow's `create/get/update/delete/list_budget_policies`) and their
 * current windows (`ListGatewayBudgetWindows`). A policy caps spend per fixed window, aligned as
 * MLflow aligns it (`mlflow/gateway/budget_tracker`). The spend of a policy's current window is
 * kept in the policy's item (`spend_window_start`, `spend_usd`; a later window starts from 0),
 * added to after each priced gateway call (`invoke/budget_enforcement.ts`), so it is shared by
 * every server process and survives restarts (MLflow rebuilds it from trace costs).
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import { type Db, nowMs } from "../db.ts";
import type { EndpointStore } from "./endpoint_store.ts";
import { GatewayItems, newGatewayId, type Stored } from "./gateway_items.ts";

/** MLflow's `BudgetDurationUnit` names. */
export const DURATION_UNITS = ["MINUTES", "HOURS", "DAYS", "WEEKS", "MONTHS"] as const;
/** MLflow's `BudgetTargetScope` names. */
export const TARGET_SCOPES = ["GLOBAL", "WORKSPACE", "ENDPOINT", "USER"] as const;
const TARGETED = ["ENDPOINT", "USER"];

/** A budget window length. */
export interface BudgetDuration {
  unit: typeof DURATION_UNITS[number];
  value: number;
}

/** MLflow's `GatewayBudgetPolicy` message. */
export interface BudgetPolicyWire {
  budget_policy_id: string;
  budget_unit: string;
  budget_amount: number;
  duration: BudgetDuration;
  target_scope: string;
  budget_action: string;
  created_by: string;
  created_at: number;
  last_updated_by: string;
  last_updated_at: number;
  target_value?: string;
}

interface BudgetItem extends Stored, Omit<BudgetPolicyWire, "budget_policy_id"> {
  /** Start (epoch ms) of the window `spend_usd` belongs to. */
  spend_window_start?: number;
  spend_usd?: number;
}

function wire(b: BudgetItem): BudgetPolicyWire {
  const { id, rev: _rev, spend_window_start: _s, spend_usd: _u, ...rest } = b;
  return { budget_policy_id: id, ...rest };
}

/** A policy's current window and its spend. */
export interface BudgetWindowState {
  policy: BudgetPolicyWire;
  start: number;
  end: number;
  spend: number;
}

/** The spend recorded for the window starting at `start`. */
function spendIn(b: BudgetItem, start: number): number {
  return b.spend_window_start === start ? b.spend_usd ?? 0 : 0;
}

/** MLflow's `_policy_applies` for a call on `endpointId` (policies are per workspace here). */
function applies(b: BudgetItem, endpointId: string, username?: string): boolean {
  if (b.target_scope === "ENDPOINT") return b.target_value === endpointId;
  if (b.target_scope === "USER") return username !== undefined && b.target_value === username;
  return true;
}

/** MLflow's `_validate_budget_target_scope`. */
export function validateTarget(scope: string, target: string | undefined): void {
  if (TARGETED.includes(scope)) {
    if (!target) {
      throw invalidParameter(`target_value is required when target_scope is ${scope}.`);
    }
  } else if (target) {
    throw invalidParameter("target_value can only be set when target_scope is ENDPOINT or USER.");
  }
}

const DAY = 86_400_000;
const SUNDAY_EPOCH = -4 * DAY;

/** MLflow's `_compute_window_start` / `_compute_window_end`, in epoch ms (UTC). */
export function budgetWindow(d: BudgetDuration, now: number): { start: number; end: number } {
  const fixed = (len: number, origin = 0) => {
    const start = origin + Math.floor((now - origin) / len) * len;
    return { start, end: start + len };
  };
  switch (d.unit) {
    case "MINUTES":
      return fixed(60_000 * d.value);
    case "HOURS":
      return fixed(3_600_000 * d.value);
    case "DAYS":
      return fixed(DAY * d.value);
    case "WEEKS":
      return fixed(7 * DAY * d.value, SUNDAY_EPOCH);
    case "MONTHS": {
      const t = new Date(now);
      const total = (t.getUTCFullYear() - 1970) * 12 + t.getUTCMonth();
      const first = Math.floor(total / d.value) * d.value;
      return {
        start: Date.UTC(1970 + Math.floor(first / 12), first % 12, 1),
        end: Date.UTC(1970 + Math.floor((first + d.value) / 12), (first + d.value) % 12, 1),
      };
    }
  }
}

/** The budget policy registry. */
export class BudgetStore {
  readonly items: GatewayItems<BudgetItem>;

  constructor(db: Db, private readonly endpoints: EndpointStore) {
    this.items = new GatewayItems<BudgetItem>(db, {
      kind: "BUDGET",
      entity: "BudgetPolicy",
      idField: "budget_policy_id",
    });
  }

  /** Creates a policy (an ENDPOINT target must exist). */
  async create(
    req: Omit<
      BudgetPolicyWire,
      "budget_policy_id" | "created_at" | "last_updated_at" | "last_updated_by"
    >,
  ) {
    if (req.target_scope === "ENDPOINT") await this.endpoints.item(req.target_value!);
    const now = nowMs();
    return wire(
      await this.items.create({
        id: newGatewayId("bp"),
        ...req,
        target_value: TARGETED.includes(req.target_scope) ? req.target_value : undefined,
        created_at: now,
        last_updated_at: now,
        last_updated_by: req.created_by,
      }),
    );
  }

  /** By id. */
  async get(id: string): Promise<BudgetPolicyWire> {
    return wire(await this.items.get(id));
  }

  /** Changes the given fields; a changed scope drops the old target unless a new one is given. */
  async update(id: string, req: {
    budget_unit?: string;
    budget_amount?: number;
    duration?: BudgetDuration;
    target_scope?: string;
    budget_action?: string;
    updated_by?: string;
    target_value?: string;
  }): Promise<BudgetPolicyWire> {
    const current = await this.items.get(id);
    const scope = req.target_scope ?? current.target_scope;
    const target = req.target_value ??
      (req.target_scope !== undefined && req.target_scope !== current.target_scope
        ? undefined
        : current.target_value);
    validateTarget(scope, target);
    if (req.target_value !== undefined && scope === "ENDPOINT") {
      await this.endpoints.item(req.target_value);
    }
    return wire(
      await this.items.update(id, (cur) => ({
        ...cur,
        ...(req.budget_unit !== undefined ? { budget_unit: req.budget_unit } : {}),
        ...(req.budget_amount !== undefined ? { budget_amount: req.budget_amount } : {}),
        ...(req.duration !== undefined ? { duration: req.duration } : {}),
        ...(req.budget_action !== undefined ? { budget_action: req.budget_action } : {}),
        target_scope: scope,
        target_value: TARGETED.includes(scope) ? target : undefined,
        ...(req.updated_by !== undefined ? { last_updated_by: req.updated_by } : {}),
        last_updated_at: nowMs(),
      })),
    );
  }

  /** Deletes a policy. */
  async delete(id: string): Promise<void> {
    await this.items.delete(id);
  }

  /** Policies ordered by id, after the id `after`; one more than `max` tells of a next page. */
  async page(max: number, after?: string): Promise<{ items: BudgetPolicyWire[]; last?: string }> {
    const all = (await this.items.list()).sort((a, b) => (a.id < b.id ? -1 : 1))
      .filter((b) => after === undefined || b.id > after);
    const items = all.slice(0, max).map(wire);
    return {
      items,
      last: all.length > max ? items[items.length - 1]!.budget_policy_id : undefined,
    };
  }

  /** The current window of every policy with its recorded spend. */
  async windows(now = nowMs()) {
    return (await this.items.list()).map((b) => {
      const w = budgetWindow(b.duration, now);
      return {
        budget_policy_id: b.id,
        window_start_ms: w.start,
        window_end_ms: w.end,
        current_spend: spendIn(b, w.start),
      };
    });
  }

  /** MLflow's `should_reject_request`: the first REJECT policy whose window is spent. */
  async rejecting(
    endpointId: string,
    username?: string,
    now = nowMs(),
  ): Promise<BudgetWindowState | undefined> {
    for (const b of await this.items.list()) {
      if (b.budget_action !== "REJECT" || !applies(b, endpointId, username)) continue;
      const w = budgetWindow(b.duration, now);
      const spend = spendIn(b, w.start);
      if (spend >= b.budget_amount) return { policy: wire(b), ...w, spend };
    }
    return undefined;
  }

  /** MLflow's `record_cost`: adds `usd` to the current window of every applying policy. */
  async recordSpend(endpointId: string, usd: number, username?: string, now = nowMs()) {
    if (!(usd > 0)) return;
    for (const b of await this.items.list()) {
      if (!applies(b, endpointId, username)) continue;
      await this.items.update(b.id, (cur) => {
        const w = budgetWindow(cur.duration, now);
        return { ...cur, spend_window_start: w.start, spend_usd: spendIn(cur, w.start) + usd };
      });
    }
  }
}
