/**
 * Starts a network service the tests need (DynamoDB Local, moto) as a child process on a free
 * loopback port, waits until it answers, and stops it again.
 *
 * @module
 */

/** A running service. */
export interface BackgroundService {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Stops the process and waits for it (and its output) to end. Safe to call twice. */
  stop(): Promise<void>;
}

/** How to run one service. */
export interface ServiceSpec {
  /** Name used in error messages. */
  name: string;
  /** The command for a given port; its stdout and stderr must be piped. */
  command(port: number): Deno.Command;
  /** True once the service answers at `endpoint`. */
  answers(endpoint: string): Promise<boolean>;
  /** Asks the process to stop (e.g. close stdin or send SIGTERM); SIGKILL follows after 15 s. */
  requestStop(child: Deno.ChildProcess): Promise<void> | void;
  /** How long to wait for the first answer, in milliseconds. */
  timeoutMs: number;
}

/** Picks a free loopback TCP port (listen on port 0, read it, close). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts the service; a port taken between picking and binding is retried twice. */
export async function startService(spec: ServiceSpec): Promise<BackgroundService> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(spec, freePort());
    } catch (e) {
      lastError = e instanceof Error ? e : new Error(String(e));
      if (!/exited/.test(lastError.message)) break;
    }
  }
  throw lastError;
}

// Keeps the tail of a process's output for error messages.
async function drain(stream: ReadableStream<Uint8Array>, sink: { text: string }): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    sink.text = (sink.text + decoder.decode(chunk, { stream: true })).slice(-8000);
  }
}

async function startOnce(spec: ServiceSpec, port: number): Promise<BackgroundService> {
  const child = spec.command(port).spawn();
  const output = { text: "" };
  const drained = Promise.all([drain(child.stdout, output), drain(child.stderr, output)]);
  let exited: Deno.CommandStatus | undefined;
  const status = child.status.then((s) => (exited = s));

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (!exited) {
        await spec.requestStop(child);
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // already gone
          }
        }, 15_000);
        await status;
        clearTimeout(timer);
      }
      await drained;
    })();
    return stopped;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + spec.timeoutMs;
  while (true) {
    if (exited) {
      await stop();
      throw new Error(
        `${spec.name} exited with code ${exited.code} before answering on ${endpoint}:\n${output.text}`,
      );
    }
    if (await spec.answers(endpoint)) return { endpoint, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${spec.name} did not answer on ${endpoint} within ${spec.timeoutMs} ms:\n${output.text}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
