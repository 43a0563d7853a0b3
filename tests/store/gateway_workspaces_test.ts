/**
 * AI Gateway configuration per workspace (`--enable-workspaces`), as MLflow 3.17.2 scopes its
 * secrets, model definitions, endpoints, budgets and guardrails: the same names in two
 * workspaces, nothing of one found from another (ids included), the default workspace on the
 * keys of a server without workspaces, a RESTRICT delete refused while a workspace holds
 * gateway configuration, and SET_DEFAULT moving it to the default workspace (names the default
 * workspace holds already refused first, nothing moved). On every test backend.
 */
import assert from "node:assert/strict";
import { testBackends } from "../support/backends.ts";
import { type GatewayCtx, withGateway } from "./gateway_support.ts";
import { withWorkspace } from "../../src/util/workspace_context.ts";
import { gatewayItemKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { WorkspaceStore } from "../../src/store/workspaces/workspace_store.ts";

type Call = GatewayCtx["call"];

/** A secret, a model definition on it and an endpoint on that, all named `name`. */
async function config(call: Call, name: string) {
  const secret = await call("POST", "/gateway/secrets/create", {
    secret_name: name,
    secret_value: { api_key: "sk-1234567890" },
    provider: "openai",
  });
  assert.equal(secret.status, 200, JSON.stringify(secret.json));
  const S = secret.json.secret.secret_id as string;
  const def = await call("POST", "/gateway/model-definitions/create", {
    name,
    secret_id: S,
    provider: "openai",
    model_name: "gpt-4o",
  });
  assert.equal(def.status, 200, JSON.stringify(def.json));
  const MD = def.json.model_definition.model_definition_id as string;
  const ep = await call("POST", "/gateway/endpoints/create", {
    name,
    model_configs: [{ model_definition_id: MD, linkage_type: "PRIMARY" }],
    usage_tracking: false,
  });
  assert.equal(ep.status, 200, JSON.stringify(ep.json));
  return { S, MD, EP: ep.json.endpoint.endpoint_id as string };
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] gateway workspaces: same names per workspace, nothing found across, default keys unchanged, RESTRICT refused`, () =>
    withGateway(backend, async (c) => {
      const inA: Call = (m, p, b) => withWorkspace("team-a", () => c.call(m, p, b));
      const def = await config(c.call, "shared");
      const a = await config(inA, "shared");
      assert.notEqual(a.S, def.S);

      // Each workspace lists its own.
      const names = async (call: Call, route: string, field: string, id: string) =>
        ((await call("GET", route)).json[field] ?? []).map((r: Record<string, string>) => r[id]);
      assert.deepEqual(await names(inA, "/gateway/secrets/list", "secrets", "secret_id"), [a.S]);
      assert.deepEqual(await names(c.call, "/gateway/secrets/list", "secrets", "secret_id"), [
        def.S,
      ]);
      assert.deepEqual(
        await names(
          inA,
          "/gateway/model-definitions/list",
          "model_definitions",
          "model_definition_id",
        ),
        [a.MD],
      );
      assert.deepEqual(await names(inA, "/gateway/endpoints/list", "endpoints", "endpoint_id"), [
        a.EP,
      ]);

      // Another workspace's resources are not found, by id or by name.
      const secret = await inA("GET", "/gateway/secrets/get", { secret_id: def.S });
      assert.equal(secret.status, 404);
      assert.equal(secret.json.message, `GatewaySecret not found (secret_id='${def.S}')`);
      const byName = await c.call("GET", "/gateway/endpoints/get", { name: "shared" });
      assert.equal(byName.json.endpoint.endpoint_id, def.EP);
      assert.equal(
        (await inA("GET", "/gateway/endpoints/get", { endpoint_id: def.EP })).status,
        404,
      );
      // ... nor usable: a model definition on another workspace's secret, an endpoint on
      // another workspace's model definition.
      const crossDef = await inA("POST", "/gateway/model-definitions/create", {
        name: "cross",
        secret_id: def.S,
        provider: "openai",
        model_name: "m",
      });
      assert.equal(crossDef.status, 404);
      const crossEp = await inA("POST", "/gateway/endpoints/create", {
        name: "cross",
        model_configs: [{ model_definition_id: def.MD, linkage_type: "PRIMARY" }],
        usage_tracking: false,
      });
      assert.equal(crossEp.status, 404, JSON.stringify(crossEp.json));
      assert.equal(
        (await inA("DELETE", "/gateway/secrets/delete", { secret_id: def.S })).status,
        404,
      );
      assert.equal((await c.call("GET", "/gateway/secrets/get", { secret_id: def.S })).status, 200);

      // The default workspace keeps the keys of a server without workspaces.
      const item = async (workspace: string, id: string) =>
        (await c.db.port.getItem({
          TableName: c.db.table,
          Key: rawKey(gatewayItemKey("SECRET", id, workspace)),
          ConsistentRead: true,
        })).Item;
      assert.equal(gatewayItemKey("SECRET", def.S).pk, "GW#SECRET");
      assert.ok(await item("default", def.S));
      assert.ok(await item("team-a", a.S));
      assert.equal(gatewayItemKey("SECRET", a.S, "team-a").pk, "GW#SECRET@team-a");
      assert.equal(await item("default", a.S), undefined);

      // A workspace holding gateway configuration is not deleted in RESTRICT mode (MLflow
      // names the table); emptied, it is.
      const workspaces = new WorkspaceStore(c.db);
      await workspaces.create({ name: "team-a" });
      await assert.rejects(
        () => workspaces.delete("team-a"),
        (e: Error) => /table 'secrets' still contains 1 resource\(s\)/.test(e.message),
      );
      await inA("DELETE", "/gateway/endpoints/delete", { endpoint_id: a.EP });
      await inA("DELETE", "/gateway/model-definitions/delete", { model_definition_id: a.MD });
      await inA("DELETE", "/gateway/secrets/delete", { secret_id: a.S });
      await workspaces.delete("team-a");
      await assert.rejects(() => workspaces.get("team-a"), /not found/);
    }));
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] gateway workspaces: SET_DEFAULT moves the configuration to the default workspace, refusing names it holds`, () =>
    withGateway(backend, async (c) => {
      const inB: Call = (m, p, b) => withWorkspace("team-b", () => c.call(m, p, b));
      const workspaces = new WorkspaceStore(c.db);
      await workspaces.create({ name: "team-b" });
      await config(c.call, "taken");
      const b = await config(inB, "taken");
      // Every clashing name is reported; nothing moves.
      await assert.rejects(
        () => workspaces.delete("team-b", "SET_DEFAULT"),
        (e: Error) =>
          /secrets: 'taken'/.test(e.message) && /endpoints: 'taken'/.test(e.message) &&
          /model_definitions: 'taken'/.test(e.message),
      );
      assert.equal((await inB("GET", "/gateway/secrets/get", { secret_id: b.S })).status, 200);

      // Renamed, the workspace's configuration moves: found in default by id and name, usable.
      const renamed = await inB("POST", "/gateway/endpoints/update", {
        endpoint_id: b.EP,
        name: "moved",
      });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.json));
      await inB("POST", "/gateway/model-definitions/update", {
        model_definition_id: b.MD,
        name: "moved",
      });
      await inB("DELETE", "/gateway/secrets/delete", { secret_id: b.S });
      const s2 = await inB("POST", "/gateway/secrets/create", {
        secret_name: "moved",
        secret_value: { api_key: "sk-1234567890" },
      });
      await workspaces.delete("team-b", "SET_DEFAULT");
      const ep = await c.call("GET", "/gateway/endpoints/get", { name: "moved" });
      assert.equal(ep.status, 200, JSON.stringify(ep.json));
      assert.equal(ep.json.endpoint.endpoint_id, b.EP);
      assert.equal(ep.json.endpoint.model_mappings[0].model_definition.name, "moved");
      const secret = await c.call("GET", "/gateway/secrets/get", {
        secret_id: s2.json.secret.secret_id,
      });
      assert.equal(secret.json.secret.secret_name, "moved");
      const names = ((await c.call("GET", "/gateway/endpoints/list")).json.endpoints ?? [])
        .map((e: { name: string }) => e.name).sort();
      assert.deepEqual(names, ["moved", "taken"]);
      // The moved names are claimed in default now.
      const dup = await c.call("POST", "/gateway/secrets/create", {
        secret_name: "moved",
        secret_value: { api_key: "sk-1234567890" },
      });
      assert.equal(dup.json.error_code, "RESOURCE_ALREADY_EXISTS");
    }));
}
