/**
 * Spans too big for a DynamoDB item go to the artifact store, next to the trace's other
 * artifacts: `<mlflow.artifactLocation>/spans/<span_id>.json.gz` (gzip of the span's OTLP JSON).
 * The span item then keeps only `spill`, the URI of that file. Reading a trace fetches spilled
 * spans from the store; deleting a trace deletes them. The same access serves the other files
 * under a trace's artifact root: `traces.json` (spans uploaded by clients that do not use OTLP)
 * and `attachments/`.
 *
 * @module
 */
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import { safeArtifactPath } from "../../artifacts/safe_path.ts";
import { joinPath } from "../../artifacts/store.ts";
import { invalidParameter } from "../../errors.ts";

/** Where spilled spans live. */
export interface SpanSpill {
  /** Stores `bytes` for a span of the trace whose artifact root is `root`; returns its URI. */
  put(root: string, spanId: string, bytes: Uint8Array): Promise<string>;
  /** Reads a spilled span back. */
  get(uri: string): Promise<Uint8Array>;
  /** Deletes a trace's spilled spans (its `spans/` folder). */
  deleteAll(root: string): Promise<void>;
  /** Opens another file under a trace's artifact root (`traces.json`, `attachments/...`). */
  open(root: string, path: string): Promise<ReadableStream<Uint8Array>>;
}

const bodyOf = (bytes: Uint8Array) => new Blob([bytes as BlobPart]).stream();

/** A {@link SpanSpill} over the server's artifact stores (the proxy destination or S3). */
export function artifactSpanSpill(locations: ArtifactLocations): SpanSpill {
  const split = (uri: string) => {
    const i = uri.lastIndexOf("/spans/");
    if (i < 0) throw invalidParameter(`Not a spilled span: ${uri}`);
    return { root: uri.slice(0, i), rel: uri.slice(i + 1) };
  };
  return {
    async put(root, spanId, bytes) {
      const { store, base } = await locations.forRun(root);
      await store.put(joinPath(base, "spans", `${spanId}.json.gz`), bodyOf(bytes));
      return `${root}/spans/${spanId}.json.gz`;
    },
    async get(uri) {
      const { root, rel } = split(uri);
      const { store, base } = await locations.forRun(root);
      const obj = await store.get(joinPath(base, rel));
      return new Uint8Array(await new Response(obj.body).arrayBuffer());
    },
    async deleteAll(root) {
      const { store, base } = await locations.forRun(root);
      await store.delete(joinPath(base, "spans"));
    },
    async open(root, path) {
      const { store, base } = await locations.forRun(root);
      return (await store.get(joinPath(base, safeArtifactPath(path)))).body;
    },
  };
}
