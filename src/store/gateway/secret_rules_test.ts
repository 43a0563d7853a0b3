import assert from "node:assert/strict";
import { isPublicIp, validateApiBase, validateAuthConfig } from "./secret_rules.ts";

const policy = (resolve: (h: string) => Promise<string[]>) => ({
  allowedSchemes: ["https"],
  allowPrivateIps: false,
  resolve,
});

Deno.test("api_base host names are resolved: private answers, failures and none are refused", async () => {
  await validateApiBase("https://api.example.com/v1", policy(() => Promise.resolve(["8.8.8.8"])));
  await assert.rejects(
    () => validateApiBase("https://internal.example", policy(() => Promise.resolve(["10.0.0.5"]))),
    /'internal.example' resolves to 10.0.0.5/,
  );
  await assert.rejects(
    () => validateApiBase("https://x.example", policy(() => Promise.reject(new Error("NXDOMAIN")))),
    /Cannot resolve Gateway secret api_base hostname 'x.example': NXDOMAIN/,
  );
  await assert.rejects(
    () => validateApiBase("https://x.example", policy(() => Promise.resolve([]))),
    /no address/,
  );
  await assert.rejects(
    () => validateApiBase("not a url", policy(() => Promise.resolve([]))),
    /Invalid/,
  );
  await assert.rejects(
    () => validateApiBase("https://[::ffff:127.0.0.1]/", policy(() => Promise.resolve([]))),
    /non-public/,
  );
  assert.equal(isPublicIp("::ffff:8.8.8.8"), true);
  assert.equal(isPublicIp("169.254.169.254"), false);
  // Private addresses are fine once allowed (the loopback test provider).
  await validateApiBase("https://127.0.0.1:8443", {
    ...policy(() => Promise.resolve([])),
    allowPrivateIps: true,
  });
  assert.equal(await validateAuthConfig({}, policy(() => Promise.resolve([]))), undefined);
});
