/**
 * The shared DynamoDB contract suite against DynamoDB Local, so the in-process engine cannot
 * drift from real DynamoDB semantics. Runs only when `DYNAMODB_LOCAL_ENDPOINT` is set (the test
 * runner's DynamoDB Local tier sets it; see docs/testing.md).
 *
 * @module
 */
import { dynamoDbLocalBackend, dynamoDbLocalEndpoint } from "../support/backends.ts";
import { dynamoContract } from "./dynamo_contract.ts";

const endpoint = dynamoDbLocalEndpoint();

if (endpoint) {
  dynamoContract("dynamodb-local", dynamoDbLocalBackend(endpoint).makePort);
} else {
  Deno.test({
    name: "dynamoContract on DynamoDB Local (set DYNAMODB_LOCAL_ENDPOINT to run)",
    ignore: true,
    fn() {},
  });
}
