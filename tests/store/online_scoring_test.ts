/**
 * Online scoring configurations through the HTTP app on every test backend: upsert (replacing
 * the scorer's configuration), lookup by scorer ids, and MLflow's refusals (rate range, trace
 * filter syntax, unknown scorer, a judge that is not an AI Gateway model, expectations).
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { mountDatasets } from "../../src/http/datasets/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const judge = (model: string, instructions = "Is {{ outputs }} polite?") =>
  JSON.stringify({
    name: "polite",
    aggregations: null,
    mlflow_version: "3.17.2",
    serialization_version: 1,
    instructions_judge_pydantic_data: { instructions, model },
  });

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] online scoring configs: upsert, lookup, refusals`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      const app = createApp({ stores: s, extraRoutes: [mountDatasets(s)] });
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await app.request(`/api/3.0/mlflow${path}`, {
          method,
          ...(body !== undefined
            ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
            : {}),
        });
        return { status: res.status, json: await res.json() as Json };
      };
      const exp = await s.experiments.create({ name: `os-${crypto.randomUUID()}` });
      const reg = async (name: string, serialized: string) =>
        (await call("POST", "/scorers/register", {
          experiment_id: exp,
          name,
          serialized_scorer: serialized,
        })).json;
      const polite = await reg("polite", judge("gateway:/chat"));
      const put = (body: Json) => call("PUT", "/scorers/online-config", body);

      const first = await put({ experiment_id: exp, name: "polite", sample_rate: 0.5 });
      assert.equal(first.status, 200, JSON.stringify(first.json));
      assert.equal(first.json.config.scorer_id, polite.scorer_id);
      assert.equal(first.json.config.sample_rate, 0.5);
      assert.equal(first.json.config.experiment_id, exp);
      assert.equal(first.json.config.filter_string, undefined);
      const second = await put({
        experiment_id: exp,
        name: "polite",
        sample_rate: 1,
        filter_string: "trace.status = 'OK'",
      });
      assert.equal(second.status, 200, JSON.stringify(second.json));
      const got = await call(
        "GET",
        `/scorers/online-configs?scorer_ids=${polite.scorer_id}&scorer_ids=nope`,
      );
      assert.deepEqual(got.json.configs, [second.json.config], "the upsert replaced the first");

      const refuse = async (body: Json, message: string | RegExp, status = 400) => {
        const r = await put({ experiment_id: exp, name: "polite", ...body });
        assert.equal(r.status, status, JSON.stringify(r.json));
        if (typeof message === "string") assert.equal(r.json.message, message);
        else assert.match(r.json.message, message);
      };
      await refuse({ sample_rate: 1.5 }, "sample_rate must be between 0.0 and 1.0, got 1.5");
      await refuse({ sample_rate: 0.1, filter_string: "trace.nope ~ 1" }, /./);
      await refuse(
        { sample_rate: 0.1, name: "missing" },
        `Scorer with name 'missing' not found for experiment ${exp}.`,
        404,
      );
      await refuse({}, /required parameter 'sample_rate'/);
      await reg("direct", judge("openai:/gpt-4o"));
      await refuse(
        { name: "direct", sample_rate: 0.2 },
        "Scorer 'direct' does not use a gateway model. Automatic evaluation is only supported " +
          "for scorers that use gateway models.",
      );
      // A zero rate turns online scoring off and needs no gateway model.
      assert.equal((await put({ experiment_id: exp, name: "direct", sample_rate: 0 })).status, 200);
      await reg("truth", judge("gateway:/chat", "Does {{ outputs }} match {{ expectations }}?"));
      await refuse({ name: "truth", sample_rate: 0.3 }, /requires expectations/);
      assert.deepEqual((await call("GET", "/scorers/online-configs?scorer_ids=x")).json, {
        configs: [],
      });
    } finally {
      await cleanup();
    }
  });
}
