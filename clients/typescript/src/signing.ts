/**
 * The `SDK-HMAC-SHA256` AK/SK request-signing algorithm of Huawei Cloud's API gateway, with Node's `crypto` only.
 *
 * Why a second implementation next to the Python one (src/cph/_signing.py): it proves that the algorithm is fully
 * specified by tests/data/signing-vectors.json — the cross-language conformance kit — and not by accidents of one
 * language's URL or string functions. Every function mirrors a step of the official SDK's `Signer`
 * (huaweicloudsdkcore 3.1.219) byte for byte; the kit and tests/test_typescript_client.py hold it to that.
 *
 *     CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n (name:value \n)* \n SignedHeaders \n PayloadHash
 *     StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
 *     Authorization    = "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex hmac_sha256(SK, StringToSign)>"
 *
 * Text is hashed as UTF-8. Percent-encoding follows Python's `quote(s, safe="~")` (only `A-Z a-z 0-9 _ . - ~` stay
 * as they are), which is stricter than `encodeURIComponent` (that one keeps `! ' ( ) *`).
 */
import { createHash, createHmac } from "node:crypto";

export const ALGORITHM = "SDK-HMAC-SHA256";
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const EMPTY_PAYLOAD_HASH = createHash("sha256").update("").digest("hex");
const CONTENT_SHA256 = "x-sdk-content-sha256";
/** Content types the SDK hashes; for any other the body is declared `UNSIGNED-PAYLOAD` and not hashed. */
const HASHED_CONTENT_TYPES = ["application/json", "application/bson"];

/** Header name → value. Names are matched case-insensitively, as HTTP does. */
export type Headers = Record<string, string>;

/** What `sign` needs: the request as it will be sent, and the key pair. */
export interface SignInput {
  method: string;
  /** Absolute URL; its path and query are signed as they appear in it (percent-encoded). */
  url: string;
  headers: Headers;
  /** The body bytes (a string is taken as UTF-8). */
  body: string | Uint8Array;
  ak: string;
  sk: string;
  /** Used when `headers` carries no `X-Sdk-Date`; default: now. */
  now?: Date;
}

/** Every intermediate of a signature, so that a mismatch can be traced to its step. */
export interface Signed {
  canonicalRequest: string;
  stringToSign: string;
  authorization: string;
  signedHeaders: string[];
  /** `input.headers` (values stripped) plus what signing adds (`X-Sdk-Date`, `Host`, `X-Sdk-Content-Sha256`, `Authorization`). */
  headers: Headers;
}

// ------------------------------------------------------------------------------------------------ encoding

const UNRESERVED = /^[A-Za-z0-9_.\-~]$/;
const HEX = "0123456789ABCDEF";

/** Python's `quote(text, safe="~")`: UTF-8 bytes, every byte outside `A-Z a-z 0-9 _ . - ~` as `%XX`. */
export function quote(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(char) ? char : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

const DECODER = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function hexValue(code: number | undefined): number {
  if (code === undefined) return -1;
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Python's `unquote(text)`: each `%XX` becomes that byte, a `%` not followed by two hex digits stays, and the bytes
 * are read as UTF-8 with U+FFFD for invalid sequences. Unlike `decodeURIComponent` it never throws.
 */
export function unquote(text: string): string {
  if (!text.includes("%")) return text;
  const bytes = Buffer.from(text, "utf8");
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const high = hexValue(bytes[i + 1]);
    const low = hexValue(bytes[i + 2]);
    if (bytes[i] === 0x25 && high >= 0 && low >= 0) {
      out.push(high * 16 + low);
      i += 2;
    } else {
      out.push(bytes[i] as number);
    }
  }
  return DECODER.decode(Uint8Array.from(out));
}

/** Python's `unquote_plus`: form decoding, `+` is a space. */
function unquotePlus(text: string): string {
  return unquote(text.replaceAll("+", " "));
}

/** Compare by Unicode code point, as Python sorts `str` (JS's default sort compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done === true || y.done === true) return x.done === true ? (y.done === true ? 0 : -1) : 1;
    const diff = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (diff !== 0) return diff;
  }
}

/** The characters Python's `str.strip()` removes (`str.isspace`), which `String.prototype.trim` does not match. */
const PY_SPACE = "[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, "gu");

function strip(value: string): string {
  return value.replace(PY_STRIP, "");
}

// ------------------------------------------------------------------------------------------- canonical parts

/**
 * The path as signed: percent-decoded, each `/`-segment re-encoded with `quote`, and a trailing `/` added.
 * Why decode then re-encode: client and gateway may encode the same path differently (`~` vs `%7E`); after this step
 * they agree. The request line keeps the path without the added `/`.
 */
export function canonicalUri(rawPath: string): string {
  const encoded = unquote(rawPath).split("/").map(quote).join("/");
  return encoded.endsWith("/") ? encoded : `${encoded}/`;
}

/** The query as signed: `k=v` pairs form-decoded, sorted (by key, then value), each part `quote`d, joined by `&`. */
export function canonicalQuery(rawQuery: string): string {
  const query = rawQuery.startsWith("?") ? rawQuery.slice(1) : rawQuery;
  const pairs: [string, string][] = [];
  for (const field of query.split("&")) {
    if (field === "") continue;
    const at = field.indexOf("=");
    const [key, value] = at < 0 ? [field, ""] : [field.slice(0, at), field.slice(at + 1)];
    pairs.push([unquotePlus(key), unquotePlus(value)]);
  }
  pairs.sort(([k1, v1], [k2, v2]) => compareCodePoints(k1, k2) || compareCodePoints(v1, v2));
  return pairs.map(([key, value]) => `${quote(key)}=${quote(value)}`).join("&");
}

/** Every header name without `_` (proxies commonly drop those), lower-cased, de-duplicated and sorted. */
export function signedHeaderNames(headers: Headers): string[] {
  const names = new Set(Object.keys(headers).filter((name) => !name.includes("_")).map((n) => n.toLowerCase()));
  return [...names].sort(compareCodePoints);
}

/** Case-insensitive header lookup; `undefined` when absent. */
export function findHeader(headers: Headers, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === "string" ? Buffer.from(body, "utf8") : body;
}

/** Hex SHA-256 of the body; an empty body has the fixed empty hash, a non-blank `X-Sdk-Content-Sha256` replaces it. */
export function payloadHash(body: string | Uint8Array, headers: Headers): string {
  const bytes = bytesOf(body);
  if (bytes.length === 0) return EMPTY_PAYLOAD_HASH;
  const declared = strip(findHeader(headers, CONTENT_SHA256) ?? "");
  return declared !== "" ? declared : createHash("sha256").update(bytes).digest("hex");
}

export function canonicalRequest(
  method: string,
  url: URL,
  headers: Headers,
  signedHeaders: readonly string[],
  hashedPayload: string,
): string {
  const lines = signedHeaders.map((name) => {
    const value = findHeader(headers, name);
    if (value === undefined) throw new Error(`signed header ${JSON.stringify(name)} is not in the request`);
    return `${name}:${strip(value)}\n`;
  });
  return [
    method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.search),
    `${lines.join("")}`,
    signedHeaders.join(";"),
    hashedPayload,
  ].join("\n");
}

export function stringToSign(sdkDate: string, canonical: string): string {
  return `${ALGORITHM}\n${sdkDate}\n${createHash("sha256").update(canonical, "utf8").digest("hex")}`;
}

/** Lower-hex HMAC-SHA256 keyed with the raw secret key (no key derivation). */
export function signature(sk: string, toSign: string): string {
  return createHmac("sha256", Buffer.from(sk, "utf8")).update(toSign, "utf8").digest("hex");
}

export function authorizationHeader(ak: string, signedHeaders: readonly string[], sig: string): string {
  return `${ALGORITHM} Access=${ak}, SignedHeaders=${signedHeaders.join(";")}, Signature=${sig}`;
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the `X-Sdk-Date` format. */
export function formatSdkDate(moment: Date): string {
  return `${moment.toISOString().slice(0, 19).replaceAll("-", "").replaceAll(":", "")}Z`;
}

// ------------------------------------------------------------------------------------------------- signing

/**
 * Sign a request the way the SDK's `Signer.sign` does: strip every header value, add `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for a
 * content type other than JSON/BSON, `X-Sdk-Date` and `Host` (each unless present), then sign **every** header in
 * `headers` whose name has no `_`. So pass exactly the headers to be signed; the official SDK signs
 * `content-type;host;user-agent;x-project-id;x-sdk-date` (+ `x-security-token` for temporary credentials).
 */
export function sign(input: SignInput): Signed {
  const url = new URL(input.url);
  // Values are sent as they are signed: stripped, as the SDK stores them back before sending.
  const headers: Headers = Object.fromEntries(Object.entries(input.headers).map(([name, value]) => [name, strip(value)]));
  const contentType = findHeader(headers, "content-type");
  if (contentType !== undefined && !HASHED_CONTENT_TYPES.some((type) => contentType.startsWith(type))) {
    headers["X-Sdk-Content-Sha256"] = UNSIGNED_PAYLOAD;
  }
  if (findHeader(headers, "x-sdk-date") === undefined) {
    headers["X-Sdk-Date"] = formatSdkDate(input.now ?? new Date());
  }
  if (findHeader(headers, "host") === undefined) {
    headers["Host"] = url.host;
  }
  const signedHeaders = signedHeaderNames(headers);
  const canonical = canonicalRequest(
    input.method,
    url,
    headers,
    signedHeaders,
    payloadHash(input.body, headers),
  );
  const toSign = stringToSign(strip(findHeader(headers, "x-sdk-date") as string), canonical);
  const authorization = authorizationHeader(input.ak, signedHeaders, signature(input.sk, toSign));
  headers["Authorization"] = authorization;
  return { canonicalRequest: canonical, stringToSign: toSign, authorization, signedHeaders, headers };
}
