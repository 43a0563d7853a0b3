/**
 * What MLflow 3.17.2's `_create_promptlab_run_impl` (`mlflow/utils/promptlab_utils.py`) writes
 * for a prompt-lab run: the run's params and tags, its `mlflow.log-model.history` entry, and the
 * artifacts (`eval_results_table.json` and the `model/` directory of a `promptlab_model`
 * pyfunc: `MLmodel`, `parameters.yaml`, environment files, input examples). Built as text here;
 * the route writes them. JSON is Python's `json.dumps`; YAML keys are sorted as `yaml.safe_dump`
 * sorts them, and every user-given string is a double-quoted scalar (JSON escapes are YAML's).
 *
 * The environment files name the server's versions in MLflow; this server names the MLflow
 * version it is compatible with and a fixed Python (3.11.7, pip 23.2.1, as the reference build).
 *
 * @module
 */
import { reprFloat } from "../../search/py_repr.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { MLFLOW_COMPAT_VERSION } from "../../version.ts";

const PYTHON_VERSION = "3.11.7";

/** A key/value pair of the request (values as the UI sends them: strings or numbers). */
export interface PromptlabParam {
  key: string;
  value: unknown;
}

/** Python's `str(value)` of a JSON value. */
export function pyStr(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : reprFloat(v);
  return pythonJsonDumps(v);
}

const q = (s: string) => JSON.stringify(s);

/** `%Y-%m-%d %H:%M:%S.%f` in UTC. */
export function utcTimeCreated(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-30T15:27:18.351Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

/** What a prompt-lab run is made of. */
export interface PromptlabInput {
  runId: string;
  promptTemplate: string;
  promptParameters: PromptlabParam[];
  modelRoute: string;
  modelParameters: PromptlabParam[];
  modelInput: unknown;
  modelOutput: unknown;
  modelOutputParameters: PromptlabParam[];
  /** When the model was recorded (ms) and its uuid (hex). */
  createdMs: number;
  modelUuid: string;
}

/** The run's params, in MLflow's order. */
export function promptlabParams(i: PromptlabInput): { key: string; value: string }[] {
  return [
    ...i.modelParameters.map((p) => ({ key: p.key, value: pyStr(p.value) })),
    { key: "model_route", value: i.modelRoute },
    { key: "prompt_template", value: i.promptTemplate },
  ];
}

/** The run's tags beside those of create. */
export const PROMPTLAB_TAGS = [
  {
    key: "mlflow.loggedArtifacts",
    value: pythonJsonDumps([{ path: "eval_results_table.json", type: "table" }]),
  },
  { key: "mlflow.runSourceType", value: "PROMPT_ENGINEERING" },
];

/** The `mlflow.log-model.history` entry (`record_logged_model`, before flavors exist). */
export function promptlabHistoryEntry(i: PromptlabInput): Record<string, unknown> {
  return {
    run_id: i.runId,
    artifact_path: "model",
    utc_time_created: utcTimeCreated(i.createdMs),
    model_uuid: i.modelUuid,
    flavors: {},
  };
}

/** A YAML block mapping of strings under `name`, keys sorted (`{}` when empty). */
function yamlBlock(name: string, entries: { key: string; value: string }[]): string {
  if (entries.length === 0) return `${name}: {}\n`;
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return `${name}:\n${sorted.map((e) => `  ${q(e.key)}: ${q(e.value)}\n`).join("")}`;
}

/** Python's `json.dumps(v, indent=2)` (ASCII escapes, `", "`-free lines). */
function jsonIndented(v: unknown): string {
  return JSON.stringify(v, null, 2).replace(
    /[\u007f-\uffff]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/** Every artifact file, by run-relative path. */
export function promptlabFiles(i: PromptlabInput): Map<string, string> {
  const prompt = i.promptParameters.map((p) => ({ key: p.key, value: pyStr(p.value) }));
  const modelParams = i.modelParameters.map((p) => ({ key: p.key, value: pyStr(p.value) }));
  const outputParams = i.modelOutputParameters.map((p) => ({ key: p.key, value: pyStr(p.value) }));
  const evalResults = {
    columns: [...prompt.map((p) => p.key), "prompt", "output", ...outputParams.map((p) => p.key)],
    data: [[
      ...prompt.map((p) => p.value),
      i.modelInput ?? null,
      i.modelOutput ?? null,
      ...outputParams.map((p) => p.value),
    ]],
  };
  const inputs = pythonJsonDumps(
    prompt.map((p) => ({ type: "string", name: p.key, required: true })),
  );
  const outputs = pythonJsonDumps([{ type: "string", name: "output", required: true }]);
  const example = { inputs: prompt.map((p) => p.value) };
  const mlmodel = [
    "artifact_path: model\n",
    "flavors:\n",
    "  python_function:\n",
    "    env:\n",
    "      conda: conda.yaml\n",
    "      virtualenv: python_env.yaml\n",
    "    loader_module: mlflow.prompt.promptlab_model\n",
    "    parameters_path: parameters.yaml\n",
    `    python_version: ${PYTHON_VERSION}\n`,
    "is_signature_from_type_hint: false\n",
    `mlflow_version: ${MLFLOW_COMPAT_VERSION}\n`,
    "model_id: null\n",
    `model_uuid: ${i.modelUuid}\n`,
    "prompts: null\n",
    `run_id: ${i.runId}\n`,
    "saved_input_example_info:\n",
    "  artifact_path: input_example.json\n",
    "  serving_input_path: serving_input_example.json\n",
    "  type: json_object\n",
    "signature:\n",
    `  inputs: ${q(inputs)}\n`,
    `  outputs: ${q(outputs)}\n`,
    "  params: null\n",
    "type_hint_from_example: false\n",
    `utc_time_created: '${utcTimeCreated(i.createdMs)}'\n`,
  ].join("");
  const parameters = [
    yamlBlock("model_parameters", modelParams),
    `model_route: ${q(i.modelRoute)}\n`,
    yamlBlock("prompt_parameters", prompt),
    `prompt_template: ${q(i.promptTemplate)}\n`,
  ].join("");
  const requirement = `mlflow[gateway]==${MLFLOW_COMPAT_VERSION}`;
  return new Map([
    ["eval_results_table.json", pythonJsonDumps(evalResults)],
    ["model/MLmodel", mlmodel],
    ["model/parameters.yaml", parameters],
    [
      "model/conda.yaml",
      `channels:\n- conda-forge\ndependencies:\n- python=${PYTHON_VERSION}\n- pip<=23.2.1\n- pip:\n  - ${requirement}\nname: mlflow-env\n`,
    ],
    [
      "model/python_env.yaml",
      `python: ${PYTHON_VERSION}\nbuild_dependencies:\n- pip==23.2.1\n- setuptools==65.5.0\n- wheel\ndependencies:\n- -r requirements.txt\n`,
    ],
    ["model/requirements.txt", requirement],
    ["model/input_example.json", pythonJsonDumps(example)],
    ["model/serving_input_example.json", jsonIndented({ inputs: example })],
  ]);
}
