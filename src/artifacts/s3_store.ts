/**
 * Artifacts in S3 or an S3-compatible service (`--artifacts-destination s3://bucket/prefix`).
 *
 * Client configuration follows what MLflow's S3 repository honours:
 *
 * - credentials: the AWS SDK's default chain (env, SSO, profile, web identity, ECS/EC2 roles);
 * - region: `AWS_REGION` / `AWS_DEFAULT_REGION` / the profile, else `us-east-1`; requests to a
 *   bucket in another region follow S3's redirect;
 * - endpoint: `MLFLOW_S3_ENDPOINT_URL`, else `AWS_ENDPOINT_URL_S3`, for MinIO, moto, Ceph, …;
 *   with a custom endpoint, path-style addressing unless
 *   `MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE=virtual`;
 * - `MLFLOW_S3_UPLOAD_EXTRA_ARGS`: a JSON object of extra upload parameters (SDK names, the same
 *   as boto3's, e.g. `{"ServerSideEncryption": "aws:kms"}`);
 * - `MLFLOW_S3_EXPECTED_BUCKET_OWNER`: sent as `ExpectedBucketOwner` on every call.
 *
 * Uploads stream through `@aws-sdk/lib-storage` (multipart above one part, at most
 * `queueSize × partSize` bytes buffered); downloads stream the `GetObject` body. Multipart uploads
 * with presigned part URLs (the client's `MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD`) are supported.
 *
 * @module
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { invalidParameter, notFound } from "../errors.ts";
import { invalidPath } from "./safe_path.ts";
import {
  type ArtifactEntry,
  type ArtifactObject,
  type ArtifactStore,
  joinPath,
  type MultipartCredential,
  type MultipartSupport,
  type PutOptions,
  type UploadedPart,
} from "./store.ts";

type Env = Record<string, string | undefined>;

/** S3's limit on the parts of one multipart upload. */
export const MAX_PARTS = 10_000;

/** Splits `s3://bucket/some/prefix/` into `bucket` and `some/prefix`. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(uri);
  if (!m) throw new Error(`Not an S3 URI: ${uri} (expected s3://bucket[/prefix])`);
  const prefix = (m[2] ?? "").split("/").filter((s) => s !== "").join("/");
  return { bucket: m[1]!, prefix };
}

/** The S3 client configuration MLflow's environment variables ask for. */
export function s3ClientConfig(env: Env): S3ClientConfig {
  const config: S3ClientConfig = { followRegionRedirects: true };
  const endpoint = env.MLFLOW_S3_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3;
  if (endpoint) {
    config.endpoint = endpoint;
    config.forcePathStyle = env.MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE?.toLowerCase() !== "virtual";
  }
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  // Presigned part URLs must not carry a checksum of an empty body, and many S3-compatible
  // services reject the SDK's default trailing checksums: only send checksums S3 requires.
  if (!env.AWS_REQUEST_CHECKSUM_CALCULATION) config.requestChecksumCalculation = "WHEN_REQUIRED";
  if (!env.AWS_RESPONSE_CHECKSUM_VALIDATION) config.responseChecksumValidation = "WHEN_REQUIRED";
  return config;
}

function parseExtraArgs(env: Env): Record<string, unknown> {
  const raw = env.MLFLOW_S3_UPLOAD_EXTRA_ARGS;
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`MLFLOW_S3_UPLOAD_EXTRA_ARGS is not valid JSON: ${raw}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}

function isNotFound(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return e.name === "NoSuchKey" || e.name === "NotFound" || status === 404;
}

/** Tuning of {@link S3ArtifactStore}. */
export interface S3StoreOptions {
  /** Bytes per uploaded part (S3 minimum 5 MiB). @default 8 MiB */
  partSize?: number;
  /** Parts uploaded concurrently; memory per upload is about `queueSize × partSize`. @default 2 */
  queueSize?: number;
  /** Lifetime of presigned part URLs, in seconds. @default 3600 */
  presignExpiresIn?: number;
  /** Environment to read the MLflow S3 variables from. @default Deno.env.toObject() */
  env?: Env;
  /** Client settings that win over the environment (tests: endpoint, credentials). */
  clientConfig?: S3ClientConfig;
}

/** Artifacts under `s3://bucket/prefix`. */
export class S3ArtifactStore implements ArtifactStore {
  readonly multipart: MultipartSupport;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly extraArgs: Record<string, unknown>;
  private readonly owner: { ExpectedBucketOwner?: string };

  private constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
    options: S3StoreOptions,
    env: Env,
  ) {
    this.partSize = options.partSize ?? 8 * 1024 * 1024;
    this.queueSize = options.queueSize ?? 2;
    this.extraArgs = parseExtraArgs(env);
    this.owner = env.MLFLOW_S3_EXPECTED_BUCKET_OWNER
      ? { ExpectedBucketOwner: env.MLFLOW_S3_EXPECTED_BUCKET_OWNER }
      : {};
    this.multipart = this.multipartSupport(options.presignExpiresIn ?? 3600);
  }

  /** Opens a store for `s3://bucket/prefix`, configured from the environment. */
  static async open(uri: string, options: S3StoreOptions = {}): Promise<S3ArtifactStore> {
    const { bucket, prefix } = parseS3Uri(uri);
    const env = options.env ?? Deno.env.toObject();
    const config = { ...s3ClientConfig(env), ...options.clientConfig };
    let client = new S3Client(config);
    try {
      await client.config.region();
    } catch {
      // No region anywhere (env, profile): S3 answers from us-east-1 and redirects from there.
      client.destroy();
      client = new S3Client({ ...config, region: "us-east-1" });
    }
    return new S3ArtifactStore(client, bucket, prefix, options, env);
  }

  get location(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ""}`;
  }

  private key(path: string): string {
    return joinPath(this.prefix, path);
  }

  async put(
    path: string,
    body: ReadableStream<Uint8Array> | null,
    options: PutOptions = {},
  ): Promise<void> {
    if (path === "") throw invalidPath();
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.key(path),
        Body: body ?? new Uint8Array(0),
        ...(options.contentType ? { ContentType: options.contentType } : {}),
        ...this.extraArgs,
        ...this.owner,
      },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(path: string): Promise<ArtifactObject> {
    if (path === "") throw invalidParameter("Artifact path '' is a directory");
    let out;
    try {
      out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path), ...this.owner }),
      );
    } catch (e) {
      if (isNotFound(e)) throw notFound(`No such artifact: '${path}'`);
      throw e;
    }
    if (!out.Body) throw notFound(`No such artifact: '${path}'`);
    return { body: out.Body.transformToWebStream(), size: out.ContentLength ?? 0 };
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const base = this.key(path);
    const prefix = base === "" ? "" : `${base}/`;
    const entries: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: "/",
          ContinuationToken: token,
          ...this.owner,
        }),
      );
      for (const p of out.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? "").slice(prefix.length, -1);
        if (usableName(name)) entries.push({ name, isDir: true });
      }
      for (const o of out.Contents ?? []) {
        const name = (o.Key ?? "").slice(prefix.length);
        if (usableName(name)) entries.push({ name, isDir: false, fileSize: o.Size ?? 0 });
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Deletes the object `path` and every object under `path/` (never mere name prefixes). */
  async delete(path: string): Promise<void> {
    if (path === "") throw invalidPath();
    const key = this.key(path);
    let batch: string[] = [key];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${key}/`,
          ContinuationToken: token,
          ...this.owner,
        }),
      );
      for (const o of out.Contents ?? []) if (o.Key) batch.push(o.Key);
      while (batch.length >= 1000) {
        await this.deleteKeys(batch.slice(0, 1000));
        batch = batch.slice(1000);
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    if (batch.length > 0) await this.deleteKeys(batch);
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    const out = await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        ...this.owner,
      }),
    );
    const failed = out.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new Error(
        `S3 refused to delete ${failed.length} object(s), e.g. ${first.Key}: ${first.Code} ${first.Message}`,
      );
    }
  }

  private multipartSupport(expiresIn: number): MultipartSupport {
    const bucket = this.bucket;
    return {
      create: async (path, numParts) => {
        if (path === "") throw invalidPath();
        if (!Number.isInteger(numParts) || numParts < 0 || numParts > MAX_PARTS) {
          throw invalidParameter(`num_parts must be between 1 and ${MAX_PARTS}, got ${numParts}`);
        }
        const Key = this.key(path);
        const created = await this.client.send(
          new CreateMultipartUploadCommand({
            Bucket: bucket,
            Key,
            ...this.extraArgs,
            ...this.owner,
          }),
        );
        const uploadId = created.UploadId!;
        const credentials: MultipartCredential[] = [];
        for (let partNumber = 1; partNumber <= numParts; partNumber++) {
          const url = await getSignedUrl(
            this.client,
            new UploadPartCommand({
              Bucket: bucket,
              Key,
              UploadId: uploadId,
              PartNumber: partNumber,
              ...this.owner,
            }),
            { expiresIn },
          );
          credentials.push({ url, partNumber, headers: {} });
        }
        return { uploadId, credentials };
      },
      complete: async (path, uploadId, parts: UploadedPart[]) => {
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: this.key(path),
            UploadId: uploadId,
            MultipartUpload: {
              Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
            },
            ...this.owner,
          }),
        );
      },
      abort: async (path, uploadId) => {
        await this.client.send(
          new AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: this.key(path),
            UploadId: uploadId,
            ...this.owner,
          }),
        );
      },
    };
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}

/** Skips names a client would refuse (`validate_path_is_safe`) or that are not one segment. */
function usableName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !name.includes("/");
}
