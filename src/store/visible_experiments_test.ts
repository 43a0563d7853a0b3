import assert from "node:assert/strict";
import { keepVisible, visibleWhen } from "./visible_experiments.ts";

Deno.test("keepVisible keeps every id without a limit, in order", async () => {
  assert.deepEqual(await keepVisible(undefined, ["3", "1", "2"]), ["3", "1", "2"]);
});

Deno.test("visibleWhen keeps the ids every test passes; later tests never see dropped ids", async () => {
  const asked: string[] = [];
  const inWorkspace = (id: string) => Promise.resolve(id !== "9");
  const readable = (id: string) => {
    asked.push(id);
    return Promise.resolve(id !== "2");
  };
  const visible = visibleWhen([inWorkspace, readable]);
  assert.deepEqual(await keepVisible(visible, ["1", "9", "2", "3"]), ["1", "3"]);
  // The grants test was never asked about the other workspace's experiment.
  assert.deepEqual(asked.sort(), ["1", "2", "3"]);
});

Deno.test("an emptied list stays empty: no later test runs", async () => {
  let calls = 0;
  const visible = visibleWhen([
    () => Promise.resolve(false),
    () => {
      calls++;
      return Promise.resolve(true);
    },
  ]);
  assert.deepEqual(await visible.keep(["1", "2"]), []);
  assert.equal(calls, 0);
});
