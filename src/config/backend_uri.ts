/**
 * Parses `--backend-store-uri` into where the table lives.
 *
 * | form | meaning |
 * |---|---|
 * | `dynamodb://<region>/<table>` | AWS, default credential chain |
 * | `dynamodb://http(s)://host:port/<table>` | DynamoDB Local or another compatible endpoint (the mlflow-dynamodbstore plugin's form) |
 * | `dynamodb:///<table>?endpoint=http://host:port&region=r` | the same, query form |
 * | `embedded:<path>` / `embedded:///<abs path>` | the in-process engine, durable under `<path>` |
 * | `memory:` | the in-process engine without persistence (tests, demos) |
 *
 * @module
 */

/** Where the server keeps its data. */
export type Backend =
  | { kind: "dynamodb"; tableName: string; region?: string; endpoint?: string }
  | { kind: "embedded"; path: string; tableName: string }
  | { kind: "memory"; tableName: string };

/** The table name the embedded engine uses. */
export const EMBEDDED_TABLE = "mlflow";

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

function checkTable(name: string, uri: string): string {
  if (!TABLE_NAME.test(name)) {
    throw new Error(
      `Invalid table name "${name}" in backend store URI "${uri}": use 3-255 characters of a-z, A-Z, 0-9, _ . -`,
    );
  }
  return name;
}

/** Parses a backend store URI; throws an `Error` with a precise message when it is malformed. */
export function parseBackendUri(uri: string): Backend {
  if (uri === "memory:" || uri === "memory://") {
    return { kind: "memory", tableName: EMBEDDED_TABLE };
  }
  if (uri.startsWith("embedded:")) {
    let path = uri.slice("embedded:".length);
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") throw new Error(`Backend store URI "${uri}" names no directory`);
    return { kind: "embedded", path, tableName: EMBEDDED_TABLE };
  }
  if (!uri.startsWith("dynamodb://")) {
    throw new Error(
      `Unsupported backend store URI "${uri}": expected dynamodb://<region>/<table>, dynamodb://http://host:port/<table>, embedded:<dir> or memory:`,
    );
  }
  const rest = uri.slice("dynamodb://".length);
  const endpointForm = /^(https?:\/\/[^/]+)\/([^/?]+)\/?(\?.*)?$/.exec(rest);
  if (endpointForm) {
    const params = new URLSearchParams(endpointForm[3] ?? "");
    return {
      kind: "dynamodb",
      endpoint: endpointForm[1]!,
      tableName: checkTable(endpointForm[2]!, uri),
      region: params.get("region") ?? undefined,
    };
  }
  const url = new URL(`http://${rest.startsWith("/") ? "_" + rest : rest}`);
  const table = url.pathname.replace(/^\/+|\/+$/g, "");
  if (table === "") throw new Error(`Backend store URI "${uri}" names no table`);
  const region = url.hostname === "_" ? url.searchParams.get("region") ?? undefined : url.hostname;
  const endpoint = url.searchParams.get("endpoint") ?? undefined;
  return {
    kind: "dynamodb",
    tableName: checkTable(table, uri),
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
  };
}
