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
