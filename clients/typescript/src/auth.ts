/**
 * Credentials and openapi-fetch middleware that authenticate each request: AK/SK signing or an IAM token.
 *
 * Why middleware: openapi-fetch hands `onRequest` the final `Request` (URL with path and query filled in, body
 * serialised) just before `fetch` sends it, so the bytes signed are the bytes sent.
 *
 * AK/SK requests carry and sign exactly the header set the official SDK signs on the wire —
 * `content-type;host;user-agent;x-project-id;x-sdk-date` (+ `x-security-token` with temporary credentials) — so a
 * gateway sees the same shape from this client as from the SDK. Other headers fetch adds (`accept`, `connection`, …)
 * are sent unsigned, as the SDK's are. `Host` is signed but not set: fetch derives it from the URL, the same value.
 */
import type { Middleware } from "openapi-fetch";

import { sign, type Headers } from "./signing.js";

export const USER_AGENT = `cph-openapi-typescript/1.0 node/${process.versions.node}`;
const REDACTED = "****";

/** An access key as the Python runtime shows it: the first four characters, then `****` (only `****` if short). */
export function maskAccessKey(ak: string): string {
  return ak.length >= 8 ? `${ak.slice(0, 4)}****` : "****";
}

/** AK/SK (optionally temporary, with a security token). Printing or serialising it never shows a secret. */
export class AkSkCredentials {
  readonly kind = "aksk";
  readonly #sk: string;
  readonly #securityToken: string | undefined;

  constructor(
    readonly ak: string,
    sk: string,
    readonly projectId: string,
    securityToken?: string,
  ) {
    this.#sk = sk;
    this.#securityToken = securityToken;
  }

  get sk(): string {
    return this.#sk;
  }

  get securityToken(): string | undefined {
    return this.#securityToken;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind, ak: maskAccessKey(this.ak), project_id: this.projectId };
  }

  toString(): string {
    return `AkSkCredentials(ak=${maskAccessKey(this.ak)}, sk=${REDACTED})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** An IAM token, sent as `X-Auth-Token`. Printing or serialising it never shows the token. */
export class TokenCredentials {
  readonly kind = "token";
  readonly #token: string;

  constructor(
    token: string,
    readonly projectId: string,
  ) {
    this.#token = token;
  }

  get token(): string {
    return this.#token;
  }

  toJSON(): Record<string, string> {
    return { kind: this.kind, project_id: this.projectId };
  }

  toString(): string {
    return `TokenCredentials(token=${REDACTED})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

export type Credentials = AkSkCredentials | TokenCredentials;

/** The headers an AK/SK request signs, before `X-Sdk-Date`, `Host` and `Authorization` are added. */
function headersToSign(credentials: AkSkCredentials): Headers {
  const headers: Headers = {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "X-Project-Id": credentials.projectId,
  };
  if (credentials.securityToken !== undefined) {
    headers["X-Security-Token"] = credentials.securityToken;
  }
  return headers;
}

/** openapi-fetch middleware: sign each request with `SDK-HMAC-SHA256` (`now` is for tests of the date window). */
export function akSkMiddleware(credentials: AkSkCredentials, now: () => Date = () => new Date()): Middleware {
  return {
    async onRequest({ request }) {
      const body = new Uint8Array(await request.clone().arrayBuffer());
      const signed = sign({
        method: request.method,
        url: request.url,
        headers: headersToSign(credentials),
        body,
        ak: credentials.ak,
        sk: credentials.sk,
        now: now(),
      });
      for (const [name, value] of Object.entries(signed.headers)) {
        if (name.toLowerCase() !== "host") {
          request.headers.set(name, value);
        }
      }
      return request;
    },
  };
}

/** openapi-fetch middleware: send the IAM token as `X-Auth-Token`. */
export function tokenMiddleware(credentials: TokenCredentials): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set("X-Auth-Token", credentials.token);
      return request;
    },
  };
}

export function authMiddleware(credentials: Credentials): Middleware {
  return credentials instanceof AkSkCredentials ? akSkMiddleware(credentials) : tokenMiddleware(credentials);
}
