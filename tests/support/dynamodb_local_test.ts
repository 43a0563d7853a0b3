import assert from "node:assert/strict";
import { sdkPort } from "../../src/dynamo/sdk_port.ts";
import { checkJava, LOCAL_CLIENT_CONFIG, startDynamoDbLocal } from "./dynamodb_local.ts";

const java = await checkJava();
const ci = Deno.env.get("CI") === "true";
if (!java.ok) {
  console.error(`\n!!! DynamoDB Local tests skipped: ${java.reason}\n`);
}

Deno.test({
  name: "dynamodb-local: startDynamoDbLocal() answers requests and stop() ends the process",
  // Without Java the test is skipped locally but fails under CI=true.
  ignore: !java.ok && !ci,
  async fn() {
    const ddb = await startDynamoDbLocal();
    try {
      assert.match(ddb.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      const port = sdkPort({ endpoint: ddb.endpoint, ...LOCAL_CLIENT_CONFIG });
      try {
        await assert.rejects(
          port.describeTable({ TableName: "missing" }),
          (e: Error) => e.name === "ResourceNotFoundException",
        );
      } finally {
        await port.close();
      }
    } finally {
      await ddb.stop();
      await ddb.stop(); // idempotent
    }
    // The port is closed once stop() resolves.
    await assert.rejects(
      Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(ddb.endpoint).port) }),
    );
  },
});
