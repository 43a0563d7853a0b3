import assert from "node:assert/strict";
import { guessMimeType } from "./content_type.ts";

// Each pair is what MLflow 3.17.2's `_guess_mime_type` answers (checked with the installed
// package on Linux).
Deno.test("guessMimeType answers as MLflow's _guess_mime_type", () => {
  const cases: [string, string][] = [
    ["a.txt", "text/plain"],
    ["b.pkl", "application/octet-stream"],
    ["c.png", "image/png"],
    ["d.pdf", "application/pdf"],
    ["MLmodel", "text/plain"],
    ["mlproject", "text/plain"],
    ["MLproject", "application/octet-stream"],
    ["a.ipynb", "text/plain"],
    ["x.xml", "text/plain"],
    ["x.js", "text/plain"],
    ["x.TXT", "text/plain"],
    ["x.PNG", "image/png"],
    ["x.tar.gz", "application/x-tar"],
    ["x.tgz", "application/x-tar"],
    ["x.gz", "application/octet-stream"],
    ["x.svgz", "image/svg+xml"],
    ["Dockerfile", "application/octet-stream"],
    [".env", "application/octet-stream"],
  ];
  for (const [name, type] of cases) assert.equal(guessMimeType(name), type, name);
});
