/**
 * Test data shared by the artifact tests: client paths that must be refused with 400
 * "Invalid path" before any store is touched.
 *
 * @module
 */

/** Every traversal and injection pattern the validation must refuse. */
export const BAD_PATHS = [
  "..",
  "../x",
  "a/../../x",
  "a/b/..",
  "./../x",
  "/etc/passwd",
  "//etc/passwd",
  "%2e%2e/x",
  "%2E%2E/x",
  "a/%2e%2e/%2e%2e/x",
  ".%2e/x",
  "%2e./x",
  "..%2fx",
  "..%2Fx",
  "a/..%2f..%2fx",
  "%2fetc%2fpasswd",
  "%252e%252e/x",
  "%252e%252e%252fx",
  "a/%25252e%25252e/x",
  "%25%32%65%25%32%65/x", // %2e%2e spelled with encoded percent signs
  "..\\x",
  "a\\..\\x",
  "%5c..%5cx",
  "a%5cb",
  "a\0b",
  "a%00b",
  "a%2500b",
  "x\n",
  "a#b",
  "file:///etc/passwd",
  "FILE:/etc/passwd",
  "C:/Windows",
  "c:\\x",
];

/**
 * Artifact locations that must be refused (experiment create) and never read through (a stored
 * one, written before validation): queries, fragments and traversal in every spelling of
 * MLflow's path-traversal CVEs. `dir` is an absolute directory outside every artifact root.
 */
export function badLocations(dir: string): string[] {
  return [
    `file://${dir}/#`,
    `file://${dir}#`,
    `file://${dir}?x=`,
    `file://${dir}/?`,
    `file://${dir}/?x=../..`,
    `file://${dir}/%23`,
    `file://${dir}%23`,
    `file://${dir}/%3F`,
    `file://${dir}/%3fx=`,
    `file://${dir}/%2523`,
    `file://${dir}/%25253F`,
    `file://${dir}/#/../..`,
    `file://${dir}/sub/..`,
    `file://${dir}/sub/%2e%2e`,
    `file://${dir}/sub/%252e%252e`,
    `${dir}/#`,
    `${dir}#`,
    `${dir}?x=`,
    `${dir}/%23`,
    `${dir}/%2523`,
    `${dir}/sub/../`,
    `${dir}/a\0b`,
    "file:///#",
    "file:///?",
    "file:///etc/#",
    "file:///etc/?x=",
    "/etc/#",
    "/etc/?x=",
    "/etc/%23",
    "file://evil.example/etc/",
    "http:///#/../../../../etc/",
    "http://host#/../..",
    "http://h/api/2.0/mlflow-artifacts/artifacts/%2e%2e/%2e%2e",
    "mlflow-artifacts:/x#/..",
    "mlflow-artifacts:/x%23/..",
    "mlflow-artifacts:/x?a=/../..",
    "mlflow-artifacts:/../..",
    "mlflow-artifacts:/%2e%2e/%2e%2e",
    "mlflow-artifacts://host/%252e%252e%252f%252e%252e",
    "s3://bucket/a/../..",
    "s3://bucket/p#/..",
    "dbfs:/x/a%3f/../../..",
  ];
}
