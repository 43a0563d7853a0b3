/**
 * `CreateModelVersion` source checks, case by case as MLflow 3.17's handler makes them
 * (`_validate_source_run`, `_validate_source_model`, `_validate_non_local_source_contains_relative_paths`,
 * the host policy and `_resolve_registered_model_source_lineage`): what a client may register as a
 * model version's source, and the error it gets otherwise.
 *
 * @module
 */
import assert from "node:assert/strict";
import { MlflowError, notFound } from "../../errors.ts";
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import { type SourceContext, validateCreateSource } from "./source.ts";

const RUN = "r1";
const RUN_ROOT = "/srv/mlruns/1/r1/artifacts";
const PROXIED_RUN = "r9";
const PROXIED_ROOT = "mlflow-artifacts:/1/r9/artifacts";

/** A registry with model `m` (versions 1 of run r1 and 2 of run r2, alias `champion` → 2) and prompt `p`. */
function fakeRegistry(): RegistryStore {
  const versions = [
    { name: "m", version: 1, runId: "r1", currentStage: "None" },
    { name: "m", version: 2, runId: "r2", currentStage: "Production" },
  ];
  const registry = {
    getRegisteredModel(name: string) {
      if (name === "m") return Promise.resolve({ name, tags: {} });
      if (name === "p") {
        return Promise.resolve({ name, tags: { "mlflow.prompt.is_prompt": "true" } });
      }
      return Promise.reject(notFound(`Registered Model with name=${name} not found`));
    },
    getModelVersion(name: string, version: number | string) {
      const mv = versions.find((v) => v.name === name && v.version === Number(version));
      return mv ? Promise.resolve(mv) : Promise.reject(notFound(`${name} v${version} not found`));
    },
    getModelVersionByAlias(name: string, alias: string) {
      return alias === "champion" && name === "m"
        ? Promise.resolve(versions[1]!)
        : Promise.reject(notFound(`alias ${alias} not found`));
    },
    getLatestVersions(name: string, stages?: string[]) {
      return Promise.resolve(
        versions.filter((v) => v.name === name && (!stages || stages.includes(v.currentStage))),
      );
    },
  };
  return registry as unknown as RegistryStore;
}

function ctx(env: Record<string, string> = {}, trustedRoots: string[] = []): SourceContext {
  return {
    registry: fakeRegistry(),
    runArtifactUri(runId) {
      if (runId === RUN) return Promise.resolve(RUN_ROOT);
      if (runId === PROXIED_RUN) return Promise.resolve(PROXIED_ROOT);
      if (runId === "r-s3") return Promise.resolve("s3://bucket/1/r-s3/artifacts");
      return Promise.reject(notFound(`Run with id=${runId} not found`));
    },
    loggedModelArtifactLocation(modelId) {
      if (modelId === "m-abc") return Promise.resolve("/srv/mlruns/1/models/m-abc/artifacts");
      return Promise.reject(notFound(`Logged model with ID '${modelId}' not found.`));
    },
    trustedRoots,
    env: (name) => env[name],
  };
}

interface Req {
  source: string;
  runId?: string;
  modelId?: string;
  tags?: { key: string; value: string }[];
}

function create(c: SourceContext, req: Req) {
  return validateCreateSource(c, { tags: [], ...req });
}

async function refused(c: SourceContext, req: Req, message: RegExp): Promise<void> {
  await assert.rejects(create(c, req), (e: unknown) => {
    assert.ok(e instanceof MlflowError, `${e}`);
    assert.equal(e.code, "INVALID_PARAMETER_VALUE", e.message);
    assert.match(e.message, message);
    return true;
  });
}

const LOCAL_MESSAGE =
  /To use a local path as a model version source, the run_id request parameter has to be specified/;

Deno.test("source: a local path inside the run's artifact directory is accepted", async () => {
  for (const source of [`${RUN_ROOT}/model`, `file://${RUN_ROOT}/model`, RUN_ROOT]) {
    const r = await create(ctx(), { source, runId: RUN });
    assert.deepEqual(r, { source, runId: RUN, modelId: "", isPrompt: false });
  }
});

Deno.test("source: a local path outside the run's artifacts is refused, shown resolved", async () => {
  const c = ctx();
  await refused(
    c,
    { source: `${RUN_ROOT}/../../r2/artifacts/model`, runId: RUN },
    /^Invalid model version source: '\/srv\/mlruns\/1\/r2\/artifacts\/model'\. To use a local path/,
  );
  // A sibling whose name starts with the root's is not inside it.
  await refused(c, { source: `${RUN_ROOT}-evil/model`, runId: RUN }, LOCAL_MESSAGE);
  await refused(c, { source: "file:///etc/passwd", runId: RUN }, LOCAL_MESSAGE);
  // Without a run_id no local path is allowed; the message shows the source as given.
  await refused(
    c,
    { source: "/srv/x/../model" },
    /^Invalid model version source: '\/srv\/x\/\.\.\/model'/,
  );
  // The run's artifacts live on S3: no local path is inside them.
  await refused(c, { source: "/tmp/model", runId: "r-s3" }, LOCAL_MESSAGE);
});

Deno.test("source: an unknown run or logged model is an invalid source, not a 404", async () => {
  await refused(
    ctx(),
    { source: "/tmp/model", runId: "nope" },
    /The run_id request parameter must identify the resource that contains the source/,
  );
  await refused(
    ctx(),
    { source: "/tmp/model", modelId: "m-zzz" },
    /The model_id request parameter must identify the resource that contains the source/,
  );
});

Deno.test("source: relative path references in a non-local source are refused, encoded or not", async () => {
  const message =
    /an absolute path must be provided without relative path references present\. Please provide an absolute path\.$/;
  for (
    const source of [
      "s3://bucket/models/path/../../other/path",
      "mlflow-artifacts://host:5000/..%2f..%2f..%2fetc",
      "http://host/api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e/etc",
      "https://host/api/2.0/mlflow-artifacts/artifacts%00",
    ]
  ) {
    await refused(
      ctx({ MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES: "http,https,mlflow-artifacts" }),
      {
        source,
        runId: RUN,
      },
      message,
    );
  }
  // MLflow's message quotes the source as the client sent it.
  await refused(
    ctx({ MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES: "mlflow-artifacts" }),
    { source: "mlflow-artifacts://host:5000/..%2fsecret", runId: RUN },
    /^Invalid model version source: 'mlflow-artifacts:\/\/host:5000\/\.\.%2fsecret'\./,
  );
});

Deno.test("source: runs:/ sources must name the run given as run_id", async () => {
  const c = ctx();
  assert.equal(
    (await create(c, { source: "runs:/r1/model", runId: "r1" })).source,
    "runs:/r1/model",
  );
  const owner = /The run_id request parameter must identify the resource that contains the source/;
  await refused(c, { source: "runs:/r2/model", runId: "r1" }, owner);
  await refused(c, { source: "runs:/r1/model" }, owner);
  await refused(c, { source: "runs://workspace/r1/model", runId: "r1" }, owner);
  // With a model_id instead, a runs:/ source never identifies the owner.
  await refused(
    c,
    { source: "runs:/r1/model", modelId: "m-abc" },
    /The model_id request parameter must identify/,
  );
});

Deno.test("source: proxied artifact sources must lie inside the run's artifact root", async () => {
  const c = ctx();
  const inside = `${PROXIED_ROOT}/model`;
  assert.equal((await create(c, { source: inside, runId: PROXIED_RUN })).source, inside);
  await refused(
    c,
    { source: "mlflow-artifacts:/1/r8/artifacts/model", runId: PROXIED_RUN },
    /The run_id request parameter must identify/,
  );
  await refused(c, { source: inside }, /The run_id request parameter must identify/);
});

Deno.test("source: host-addressed schemes are refused unless allowed or the server's own storage", async () => {
  const hostPolicy =
    /^'source' cannot use the 'http' scheme: .*MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES/;
  await refused(ctx(), { source: "http://169.254.169.254/latest/meta-data" }, hostPolicy);
  await refused(ctx(), { source: "sftp://evil.example/model" }, /'sftp' scheme/);
  // Allowed by the operator.
  const allowed = ctx({ MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES: " HTTP , ftp" });
  assert.equal(
    (await create(allowed, { source: "http://models.example/m" })).source,
    "http://models.example/m",
  );
  // The same host and port as a root the server itself uses.
  const trusted = ctx({}, ["http://artifacts.internal:8080/root"]);
  assert.ok(await create(trusted, { source: "http://artifacts.internal:8080/other/model" }));
  await refused(trusted, { source: "http://artifacts.internal:9090/model" }, hostPolicy);
  await refused(ctx(), { source: "http://bad host/model" }, hostPolicy);
});

Deno.test("source: MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX limits sources", async () => {
  const c = ctx({ MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX: "^s3://approved/" });
  assert.ok(await create(c, { source: "s3://approved/models/1" }));
  await refused(
    c,
    { source: "s3://other/models/1" },
    /^Invalid model version source: 's3:\/\/other\/models\/1'\.$/,
  );
  // MLflow applies it with Python's `re.search`: Python's syntax works.
  const py = ctx({
    MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX: "\\As3://(?P<bucket>approved)/\\w+",
  });
  assert.ok(await create(py, { source: "s3://approved/models/1" }));
  await refused(py, { source: "s3://other/models/1" }, /^Invalid model version source/);
});

Deno.test("source: a prompt version must use a placeholder source", async () => {
  const tags = [{ key: "mlflow.prompt.is_prompt", value: "true" }];
  const r = await create(ctx(), { source: "dummy-source", tags });
  assert.deepEqual(r, { source: "dummy-source", runId: "", modelId: "", isPrompt: true });
  await refused(
    ctx(),
    { source: "s3://bucket/prompt", tags },
    /^Invalid prompt source: 's3:\/\/bucket\/prompt'\. Prompt sources must use an MLflow placeholder\.$/,
  );
});

Deno.test("source: models:/ lineage resolves to a concrete version and its run", async () => {
  const c = ctx();
  assert.deepEqual(await create(c, { source: "models:/m/1" }), {
    source: "models:/m/1",
    runId: "r1",
    modelId: "",
    isPrompt: false,
  });
  assert.equal((await create(c, { source: "models:/m@champion" })).source, "models:/m/2");
  assert.equal((await create(c, { source: "models:/m/latest" })).source, "models:/m/2");
  assert.equal((await create(c, { source: "models:/m/Production" })).runId, "r2");
  // A run_id that disagrees with the referenced version.
  await refused(
    c,
    { source: "models:/m/1", runId: "r2" },
    /The run_id and model_id request parameters must match the referenced model version\.$/,
  );
  await refused(
    c,
    { source: "models://other-registry/m/1" },
    /Registered model sources must use the active model registry\.$/,
  );
  await refused(
    c,
    { source: "models:/p/1" },
    /Prompt versions cannot be used as model version sources\.$/,
  );
});

Deno.test("source: models:/<model_id> sources belong to that logged model", async () => {
  const c = ctx();
  const r = await create(c, { source: "models:/m-abc", modelId: "m-abc" });
  assert.deepEqual(r, { source: "models:/m-abc", runId: "", modelId: "m-abc", isPrompt: false });
  await refused(
    c,
    { source: "models:/m-abc", modelId: "m-xyz" },
    /model_id request parameter must identify/,
  );
  // A logged model's source is not a run's.
  await refused(
    c,
    { source: "models:/m-abc", runId: RUN },
    /model_id request parameter must identify/,
  );
  // A local path inside the logged model's artifacts.
  const local = "/srv/mlruns/1/models/m-abc/artifacts/MLmodel";
  assert.equal((await create(c, { source: local, modelId: "m-abc" })).source, local);
  await refused(
    c,
    { source: "/srv/mlruns/1/r1/artifacts", modelId: "m-abc" },
    /the model_id request parameter has to be specified/,
  );
});
