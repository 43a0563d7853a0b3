/**
 * The backend's readiness, for `GET /ready`: one cheap read (the schema item, 0.5 RCU, a data
 * plane call that also proves the table exists and answers) bounded by a short timeout, with no
 * retries, so a load balancer learns within seconds that this replica cannot serve.
 *
 * @module
 */
import { PK, schemaKey, SK } from "../keys/key_schema.ts";
import type { DynamoPort } from "./port.ts";
import { failureKind } from "./failures.ts";

/** The answer of a readiness check; `reason` never names the backend's address. */
export type Readiness = { ready: true } | { ready: false; reason: string };

/** Default bound of one readiness check. */
export const READY_TIMEOUT_MS = 2000;

/** Reads the schema item of `table` through `port` (pass the port *without* retries). */
export async function checkReadiness(
  port: DynamoPort,
  table: string,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () => resolve({ ready: false, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const read = (async (): Promise<Readiness> => {
    const { pk, sk } = schemaKey();
    const { Item } = await port.getItem({
      TableName: table,
      Key: { [PK]: { S: pk }, [SK]: { S: sk } },
    });
    return Item ? { ready: true } : { ready: false, reason: "the table has no schema item" };
  })().catch((e): Readiness => {
    const name = e instanceof Error ? e.name : "";
    const kind = failureKind(e);
    const reason = name === "ResourceNotFoundException"
      ? "the table does not exist"
      : kind === "transport"
      ? "the backend does not answer"
      : kind === "throttle"
      ? "the backend is throttling"
      : "the backend answered with an error";
    return { ready: false, reason };
  });
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
