/**
 * Run the cross-language signing conformance kit (tests/data/signing-vectors.json) through ./signing.ts.
 *
 * Why a program rather than assertions here: the expected values stay in one place (the kit) and one comparison
 * (tests/test_typescript_client.py) judges every language the same way. It prints, for each vector, what this
 * signer computes from the vector's inputs (`method`, `url`, `headers_before_signing`, `body`, `ak`, `sk`):
 *
 *     {"vectors": [{"name", "canonical_request", "string_to_sign", "authorization", "headers_after_signing"}, ...]}
 *
 * Usage: node build/sign-vectors.js PATH/signing-vectors.json   (exit 1 when the file cannot be read)
 */
import { readFileSync } from "node:fs";

import { sign, type Headers } from "./signing.js";

interface Vector {
  name: string;
  ak: string;
  sk: string;
  method: string;
  url: string;
  headers_before_signing: Headers;
  body: string;
}

function main(path: string | undefined): number {
  if (path === undefined) {
    process.stderr.write("usage: sign-vectors.js PATH/signing-vectors.json\n");
    return 1;
  }
  const kit = JSON.parse(readFileSync(path, "utf8")) as { vectors: Vector[] };
  const results = kit.vectors.map((vector) => {
    const signed = sign({
      method: vector.method,
      url: vector.url,
      headers: vector.headers_before_signing,
      body: vector.body,
      ak: vector.ak,
      sk: vector.sk,
    });
    return {
      name: vector.name,
      canonical_request: signed.canonicalRequest,
      string_to_sign: signed.stringToSign,
      authorization: signed.authorization,
      headers_after_signing: signed.headers,
    };
  });
  process.stdout.write(`${JSON.stringify({ vectors: results }, null, 2)}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv[2]);
} catch (err) {
  process.stderr.write(`sign-vectors: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
