/**
 * Factories for the errors the engine throws: the AWS SDK's own exception classes, so that code
 * written against the engine behaves the same against DynamoDB (store code checks `error.name`).
 *
 * @module
 */
import {
  type AttributeValue,
  type CancellationReason,
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceInUseException,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";

const META = { httpStatusCode: 400 };

/** A `ValidationException`, which the SDK has no class for. */
export function validationError(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: "ValidationException",
    $fault: "client",
    message,
    $metadata: META,
  });
}

/** `ConditionalCheckFailedException`, optionally carrying the item (ReturnValuesOnConditionCheckFailure). */
export function conditionalCheckFailed(
  item?: Record<string, AttributeValue>,
): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: META,
    ...(item ? { Item: item } : {}),
  });
}

/** The table (or index) does not exist. */
export function resourceNotFound(
  message = "Cannot do operations on a non-existent table",
): ResourceNotFoundException {
  return new ResourceNotFoundException({ message, $metadata: META });
}

/** CreateTable of an existing table. */
export function resourceInUse(message: string): ResourceInUseException {
  return new ResourceInUseException({ message, $metadata: META });
}

/** Throttling of a provisioned table or partition. */
export function throughputExceeded(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({
    message:
      "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
    $metadata: META,
  });
}

/** Account- or control-plane-level throttling. */
export function throttling(): ThrottlingException {
  return new ThrottlingException({
    message: "Rate of requests exceeds the allowed throughput.",
    $metadata: META,
  });
}

/** A server-side failure (HTTP 500). */
export function internalServerError(
  message = "Internal server error",
): InternalServerError {
  return new InternalServerError({ message, $metadata: { httpStatusCode: 500 } });
}

/**
 * `TransactionCanceledException` with one reason per action, and DynamoDB's message listing the
 * reason codes in order.
 */
export function transactionCanceled(reasons: CancellationReason[]): TransactionCanceledException {
  const codes = reasons.map((r) => r.Code ?? "None").join(", ");
  return new TransactionCanceledException({
    message:
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
    $metadata: META,
    CancellationReasons: reasons,
  });
}

/** True when `e` is an error with the given DynamoDB error name. */
export function isErrorNamed(e: unknown, name: string): boolean {
  return e instanceof Error && e.name === name;
}
