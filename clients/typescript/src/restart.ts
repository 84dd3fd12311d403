/**
 * Restart given Cloud Phone servers and follow their jobs, with types generated from openapi/cph.openapi.yaml.
 *
 * Proves that the OpenAPI document "travels": every request and response below is typed by `./schema.js`, which
 * openapi-typescript generates from the spec at build time (scripts/ts_client.py). A spec change that renames or
 * removes a field used here fails `tsc --strict`. Requests are authenticated with AK/SK (`SDK-HMAC-SHA256`, see
 * ./signing.ts) or an IAM token.
 *
 * It restarts only the server IDs it is given: with none it restarts nothing and exits 1. `--list` prints the IDs of
 * the normal (status 5) servers of the first page instead (read-only), to choose from.
 *
 * Settings (environment; the same names as the Python runtime and the `cph_mock` pytest fixture):
 *   CPH_ENDPOINT                    endpoint, e.g. http://127.0.0.1:8080 (the mock: `cph mock --port 8080`)   required
 *   HUAWEICLOUD_SDK_PROJECT_ID      project ID                                                              required
 *   HUAWEICLOUD_SDK_AK, _SK         AK/SK: each request is signed (preferred when set)
 *   HUAWEICLOUD_SDK_SECURITY_TOKEN  with temporary AK/SK
 *   CPH_AUTH_TOKEN                  IAM token, sent as X-Auth-Token (when no AK/SK is set)
 *   CPH_SERVER_IDS                  comma-separated server IDs; command-line arguments take precedence
 *   CPH_POLL_INTERVAL_MS            pause between ShowJob rounds (default 500)
 *   CPH_POLL_TIMEOUT_MS             give up polling after this long (default 120000)
 *
 * Output: one JSON summary on stdout (see `Summary`; `--list`: `{"server_ids": [...]}`). Exit status: 0 every
 * requested server is accounted for and every accepted job ended (succeeded or failed); 1 bad settings or no server
 * IDs (nothing sent); 2 a request failed (the error is in the summary); 3 a server is missing from the response or a
 * job did not end before the timeout. Secrets are never printed.
 */
import createClient, { type Client } from "openapi-fetch";

import { AkSkCredentials, authMiddleware, TokenCredentials, type Credentials } from "./auth.js";
import type { components, paths } from "./schema.js";

type ServerJob = components["schemas"]["ServerJob"];
type JobStatus = components["schemas"]["JobStatus"];
type ErrorResponse = components["schemas"]["ErrorResponse"];

const RUNNING: JobStatus = 1;
const TERMINAL: readonly JobStatus[] = [2, -1];
/** Errors that never reached CPH (catalog `retryable: yes`): safe to repeat a read after them. */
const RETRYABLE_STATUSES: readonly number[] = [429, 502, 503];
const REQUEST_TIMEOUT_MS = 30_000;

interface Settings {
  baseUrl: string;
  credentials: Credentials;
  list: boolean;
  serverIds: string[];
  pollIntervalMs: number;
  pollTimeoutMs: number;
}

interface AcceptedServer {
  server_id: string;
  job_id: string;
  status: JobStatus;
  end_time: string | null;
  error_code: string | null;
  error_msg: string | null;
}

interface RejectedServer {
  server_id: string;
  error_code: string | null;
  error_msg: string | null;
}

interface RequestFailure {
  operation: string;
  http_status: number;
  error_code: string | null;
  error_msg: string | null;
  request_id: string | null;
}

interface Summary {
  request_id: string | null;
  requested: string[];
  accepted: AcceptedServer[];
  rejected: RejectedServer[];
  unaccounted: string[];
  all_terminal: boolean;
  polls: number;
  error: RequestFailure | null;
}

class SettingsError extends Error {}

class RequestError extends Error {
  constructor(readonly failure: RequestFailure) {
    super(`${failure.operation} failed with HTTP ${failure.http_status} ${failure.error_code ?? ""}`.trim());
  }
}

function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function requireEnv(name: string): string {
  const value = env(name);
  if (value === undefined) {
    throw new SettingsError(`${name} is required`);
  }
  return value;
}

function positiveInt(name: string, fallback: number): number {
  const raw = env(name);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new SettingsError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function readCredentials(): Credentials {
  const projectId = requireEnv("HUAWEICLOUD_SDK_PROJECT_ID");
  const ak = env("HUAWEICLOUD_SDK_AK");
  const sk = env("HUAWEICLOUD_SDK_SK");
  if (ak !== undefined && sk !== undefined) {
    return new AkSkCredentials(ak, sk, projectId, env("HUAWEICLOUD_SDK_SECURITY_TOKEN"));
  }
  if (ak !== undefined || sk !== undefined) {
    throw new SettingsError("HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK must be set together");
  }
  const token = env("CPH_AUTH_TOKEN");
  if (token === undefined) {
    throw new SettingsError("set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK, or CPH_AUTH_TOKEN");
  }
  return new TokenCredentials(token, projectId);
}

function readSettings(argv: readonly string[]): Settings {
  const list = argv.includes("--list");
  const args = argv.filter((arg) => arg !== "--list");
  const fromArgs = args.flatMap((arg) => arg.split(",")).map((id) => id.trim()).filter((id) => id !== "");
  const fromEnv = (env("CPH_SERVER_IDS") ?? "").split(",").map((id) => id.trim()).filter((id) => id !== "");
  const serverIds = fromArgs.length > 0 ? fromArgs : fromEnv;
  if (list && serverIds.length > 0) {
    throw new SettingsError("--list takes no server IDs");
  }
  if (!list && serverIds.length === 0) {
    throw new SettingsError(
      "no server IDs given (arguments or CPH_SERVER_IDS): nothing was restarted; `--list` shows normal servers",
    );
  }
  return {
    baseUrl: requireEnv("CPH_ENDPOINT").replace(/\/+$/, ""),
    credentials: readCredentials(),
    list,
    serverIds,
    pollIntervalMs: positiveInt("CPH_POLL_INTERVAL_MS", 500),
    pollTimeoutMs: positiveInt("CPH_POLL_TIMEOUT_MS", 120_000),
  };
}

function failure(operation: string, response: Response, body: ErrorResponse | undefined): RequestError {
  return new RequestError({
    operation,
    http_status: response.status,
    error_code: body?.error_code ?? null,
    error_msg: body?.error_msg ?? null,
    request_id: body?.request_id ?? response.headers.get("X-Request-Id"),
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Distinct IDs in first-occurrence order: the API restarts a duplicated ID once and answers once for it. */
function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

async function main(): Promise<number> {
  const settings = readSettings(process.argv.slice(2));
  const client = createClient<paths>({ baseUrl: settings.baseUrl, headers: { Accept: "application/json" } });
  client.use(authMiddleware(settings.credentials));
  const project = { project_id: settings.credentials.projectId };
  if (settings.list) {
    return listNormalServers(client, project);
  }

  const summary: Summary = {
    request_id: null,
    requested: [],
    accepted: [],
    rejected: [],
    unaccounted: [],
    all_terminal: false,
    polls: 0,
    error: null,
  };

  let operation = "RestartCloudPhoneServer";
  try {
    // 1. Only the servers given: distinct, in first-occurrence order.
    summary.requested = distinct(settings.serverIds);

    // 2. Restart them. A restart is not idempotent: it is sent exactly once, whatever happens.
    const restart = await client.POST("/v1/{project_id}/cloud-phone/servers/batch-restart", {
      params: { path: project },
      body: { server_ids: summary.requested },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (restart.data === undefined) {
      throw failure("RestartCloudPhoneServer", restart.response, restart.error);
    }
    // The provider contract marks every response field optional: each is checked before it is used.
    summary.request_id = restart.data.request_id ?? restart.response.headers.get("X-Request-Id");

    // 3. Per-server outcome: a job_id (accepted) or an error_code (this server was not restarted). An entry without
    // a server_id cannot be matched to a request; its server then stays "unaccounted" (exit 3).
    const answered = new Set<string>();
    (restart.data.jobs ?? []).forEach((job: ServerJob) => {
      if (job.server_id === undefined) {
        return;
      }
      answered.add(job.server_id);
      if (job.job_id !== undefined) {
        summary.accepted.push({
          server_id: job.server_id,
          job_id: job.job_id,
          status: RUNNING,
          end_time: null,
          error_code: null,
          error_msg: null,
        });
      } else {
        summary.rejected.push({
          server_id: job.server_id,
          error_code: job.error_code ?? null,
          error_msg: job.error_msg ?? null,
        });
      }
    });
    summary.unaccounted = summary.requested.filter((id) => !answered.has(id));

    // 4. Poll ShowJob until every accepted job has ended.
    operation = "ShowJob";
    const deadline = Date.now() + settings.pollTimeoutMs;
    let pending = summary.accepted;
    while (pending.length > 0 && Date.now() < deadline) {
      summary.polls += 1;
      for (const entry of pending) {
        const { data, error, response } = await client.GET("/v1/{project_id}/cloud-phone/jobs/{job_id}", {
          params: { path: { ...project, job_id: entry.job_id } },
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        if (data === undefined) {
          if (RETRYABLE_STATUSES.includes(response.status)) {
            continue; // nothing reached CPH; ask again next round
          }
          throw failure("ShowJob", response, error);
        }
        entry.status = data.status ?? entry.status; // no status yet: still running, ask again
        entry.end_time = data.end_time ?? null;
        entry.error_code = data.error_code ?? null;
        entry.error_msg = data.error_msg ?? null;
      }
      pending = pending.filter((entry) => !TERMINAL.includes(entry.status));
      if (pending.length > 0) {
        await sleep(settings.pollIntervalMs);
      }
    }
    summary.all_terminal = pending.length === 0;
    return summary.all_terminal && summary.unaccounted.length === 0 ? 0 : 3;
  } catch (err) {
    if (err instanceof RequestError) {
      summary.error = err.failure;
    } else {
      // No HTTP answer (connection refused or dropped, timeout): for a restart the outcome is unknown.
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      summary.error = { operation, http_status: 0, error_code: null, error_msg: message, request_id: null };
    }
    return 2;
  } finally {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  }
}

/** `--list`: print the IDs of the first page's normal (status 5) servers; 0, or 2 when the request failed. */
async function listNormalServers(client: Client<paths>, project: { project_id: string }): Promise<number> {
  try {
    const { data, error, response } = await client.GET("/v1/{project_id}/cloud-phone/servers", {
      params: { path: project, query: { limit: 100, offset: 0, status: 5 } },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (data === undefined) {
      throw failure("ListCloudPhoneServers", response, error);
    }
    const ids = (data.servers ?? []).flatMap((server) => (server.server_id === undefined ? [] : [server.server_id]));
    process.stdout.write(`${JSON.stringify({ server_ids: ids, error: null })}\n`);
    return 0;
  } catch (err) {
    const reported =
      err instanceof RequestError
        ? err.failure
        : { operation: "ListCloudPhoneServers", http_status: 0, error_code: null, error_msg: String(err), request_id: null };
    process.stdout.write(`${JSON.stringify({ server_ids: [], error: reported })}\n`);
    return 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Bad settings (or a bug before the first request): nothing was sent and no summary was printed.
    const detail = err instanceof SettingsError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`restart: ${detail}\n`);
    process.exitCode = 1;
  },
);
