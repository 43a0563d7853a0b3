/**
 * The AI Gateway configuration stores over one table, wired together (endpoints know the model
 * definitions they join, definitions know the secrets they name).
 *
 * @module
 */
import type { Db } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { BindingStore } from "./binding_store.ts";
import { BudgetStore } from "./budget_store.ts";
import { GuardrailStore } from "./guardrail_store.ts";
import { ScorerStore } from "../scorers/scorer_store.ts";
import { EndpointStore } from "./endpoint_store.ts";
import { ModelDefinitionStore } from "./model_definition_store.ts";
import { SecretStore } from "./secret_store.ts";

/** Every gateway store. */
export interface GatewayStores {
  secrets: SecretStore;
  defs: ModelDefinitionStore;
  endpoints: EndpointStore;
  bindings: BindingStore;
  budgets: BudgetStore;
  guardrails: GuardrailStore;
}

/** Builds the gateway stores; `passphrase` seals secrets (none: secrets cannot be written). */
export function createGatewayStores(
  db: Db,
  experiments: ExperimentStore,
  passphrase: string | undefined,
): GatewayStores {
  const secrets = new SecretStore(db, passphrase);
  const defs = new ModelDefinitionStore(db, secrets);
  const endpoints = new EndpointStore(db, defs, experiments);
  const bindings = new BindingStore(db, endpoints);
  const budgets = new BudgetStore(db, endpoints);
  const guardrails = new GuardrailStore(db, new ScorerStore(db, experiments), endpoints);
  return { secrets, defs, endpoints, bindings, budgets, guardrails };
}
