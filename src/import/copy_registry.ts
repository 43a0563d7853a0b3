/**
 * Copies the model registry: registered models and prompts (registered models tagged
 * `mlflow.prompt.is_prompt`, which MLflow's searches hide unless asked for), with descriptions,
 * tags, every live version (number, source, run, model id, description, tags, stage) and aliases.
 *
 * Version numbers are kept: versions are created in ascending order, and a number the source no
 * longer has (a deleted version) is drawn and deleted again, as it was there. A version source
 * under a copied artifact root (a run's or an experiment's) is rewritten to the copy; `models:/`
 * and `runs:/` sources stay as they are (the ids are kept). Creation times are those of the
 * copy: the registry store stamps its own (docs/operations.md lists this limit).
 *
 * @module
 */
import { MlflowError } from "../errors.ts";
import { type ImportContext, rewriteUri } from "./context.ts";

interface KV {
  key: string;
  value: string;
}

interface WireRegisteredModel {
  name: string;
  description?: string;
  tags?: KV[];
  aliases?: { alias: string; version: string | number }[];
}

interface WireModelVersion {
  name: string;
  version: string | number;
  source?: string;
  run_id?: string;
  run_link?: string;
  model_id?: string;
  description?: string;
  current_stage?: string;
  tags?: KV[];
}

const PROMPT_FILTER = "tags.`mlflow.prompt.is_prompt` = 'true'";

const quote = (s: string) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

async function listModels(ctx: ImportContext, filter?: string): Promise<WireRegisteredModel[]> {
  const out: WireRegisteredModel[] = [];
  for await (
    const m of ctx.src.pages<WireRegisteredModel>(async (token) => {
      const r = await ctx.src.get<
        { registered_models?: WireRegisteredModel[]; next_page_token?: string }
      >("/api/2.0/mlflow/registered-models/search", {
        max_results: 1000,
        filter,
        page_token: token,
      });
      return { items: r.registered_models ?? [], next: r.next_page_token };
    })
  ) out.push(m);
  return out;
}

async function listVersions(
  ctx: ImportContext,
  name: string,
  prompt: boolean,
): Promise<WireModelVersion[]> {
  const filter = `name = ${quote(name)}` + (prompt ? ` AND ${PROMPT_FILTER}` : "");
  const out: WireModelVersion[] = [];
  for await (
    const v of ctx.src.pages<WireModelVersion>(async (token) => {
      const r = await ctx.src.get<
        { model_versions?: WireModelVersion[]; next_page_token?: string }
      >(
        "/api/2.0/mlflow/model-versions/search",
        { filter, max_results: 1000, page_token: token },
      );
      return { items: r.model_versions ?? [], next: r.next_page_token };
    })
  ) out.push(v);
  return out.sort((a, b) => Number(a.version) - Number(b.version));
}

/** Copies every registered model and prompt. */
export async function copyRegistry(ctx: ImportContext): Promise<void> {
  const models = await listModels(ctx);
  const prompts = await listModels(ctx, PROMPT_FILTER);
  const all = [
    ...models.map((m) => ({ m, prompt: false })),
    ...prompts.map((m) => ({ m, prompt: true })),
  ];
  const bar = ctx.progress("registered models", all.length);
  for (const { m, prompt } of all) {
    const versions = await listVersions(ctx, m.name, prompt);
    ctx.tally.registeredModels.set(m.name, versions.map((v) => Number(v.version)));
    if (prompt) ctx.tally.prompts.push(m.name);
    for (const a of m.aliases ?? []) {
      ctx.tally.aliases.set(`${m.name}@${a.alias}`, Number(a.version));
    }
    const key = `rm:${m.name}`;
    if (ctx.checkpoint.has(key)) {
      bar.tick(true);
      continue;
    }
    if (ctx.dryRun) {
      bar.tick();
      continue;
    }
    const created = await copyModel(ctx, m, versions);
    await ctx.checkpoint.mark(key);
    bar.tick(!created);
  }
  bar.finish();
}

async function copyModel(
  ctx: ImportContext,
  m: WireRegisteredModel,
  versions: WireModelVersion[],
): Promise<boolean> {
  const tags = m.tags ?? [];
  let created = true;
  try {
    await ctx.registry.createRegisteredModel({
      name: m.name,
      tags,
      ...(m.description ? { description: m.description } : {}),
    });
  } catch (e) {
    if (!(e instanceof MlflowError && e.code === "RESOURCE_ALREADY_EXISTS")) throw e;
    created = false;
    for (const t of tags) await ctx.registry.setRegisteredModelTag(m.name, t.key, t.value);
    if (m.description) await ctx.registry.updateRegisteredModel(m.name, m.description);
  }
  for (const v of versions) await copyVersion(ctx, v);
  for (const a of m.aliases ?? []) {
    await ctx.registry.setRegisteredModelAlias(m.name, a.alias, Number(a.version));
  }
  return created;
}

async function exists(ctx: ImportContext, name: string, version: number): Promise<boolean> {
  try {
    await ctx.registry.getModelVersion(name, version);
    return true;
  } catch (e) {
    if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return false;
    throw e;
  }
}

async function copyVersion(ctx: ImportContext, v: WireModelVersion): Promise<void> {
  const wanted = Number(v.version);
  if (await exists(ctx, v.name, wanted)) return;
  for (;;) {
    const made = await ctx.registry.createModelVersion({
      name: v.name,
      source: rewriteUri(ctx, v.source ?? ""),
      ...(v.run_id ? { runId: v.run_id } : {}),
      ...(v.run_link ? { runLink: v.run_link } : {}),
      ...(v.description !== undefined ? { description: v.description } : {}),
      ...(v.model_id ? { modelId: v.model_id } : {}),
      tags: v.tags ?? [],
    });
    if (made.version < wanted) {
      // A number the source has deleted: keep it used, as there.
      await ctx.registry.deleteModelVersion(v.name, made.version);
      continue;
    }
    if (made.version > wanted) {
      ctx.warn(`model '${v.name}' version ${wanted} was copied as version ${made.version}`);
    }
    const stage = v.current_stage ?? "None";
    if (stage !== "None") {
      await ctx.registry.transitionModelVersionStage(v.name, made.version, stage, false);
    }
    return;
  }
}
