import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

/**
 * A local OpenID issuer for ID-token sign-in tests: an HTTP server on loopback that publishes
 * its discovery document and its key set (JWKS), and signs ID tokens with jose. Its keys rotate
 * on demand (`rotate`), as Google's and Apple's do. `fetchFor` is a Gatehouse `fetch` that sends
 * Google's and Apple's JWKS URLs to this server, so those providers' real URLs are exercised.
 */

export const GOOGLE_JWKS = "https://www.googleapis.com/oauth2/v3/certs";
export const APPLE_JWKS = "https://appleid.apple.com/auth/keys";

interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface TestIssuer {
  /** The issuer URL (http://127.0.0.1:<port>), its discovery document's `issuer`. */
  issuer: string;
  jwksUrl: string;
  /** The key that signs by default (the newest). */
  readonly current: SigningKey;
  /** Requests the JWKS endpoint answered, by path. */
  jwksRequests: number;
  /** When set, the JWKS endpoint answers this status with no key set. */
  failWith: number | null;
  /** A new key signs from now on; the old ones stay published unless `retire` is set. */
  rotate(options?: { retire?: boolean; alg?: "RS256" | "ES256" }): Promise<SigningKey>;
  /** Signs `claims` with the current key (or `key`), with `kid` unless `kid: null`. */
  sign(claims: JWTPayload, options?: { key?: SigningKey; kid?: string | null; alg?: string }): Promise<string>;
  /** A Gatehouse `fetch`: Google's and Apple's JWKS URLs go to this server, the rest to the network. */
  fetchFor(): typeof fetch;
  close(): Promise<void>;
}

async function makeKey(alg: "RS256" | "ES256", index: number): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `test-key-${index}-${alg.toLowerCase()}`;
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

export async function startIssuer(): Promise<TestIssuer> {
  const keys: SigningKey[] = [await makeKey("RS256", 1)];
  let count = 1;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/.well-known/openid-configuration") {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          issuer: state.issuer,
          authorization_endpoint: `${state.issuer}/authorize`,
          token_endpoint: `${state.issuer}/token`,
          jwks_uri: state.jwksUrl,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256", "ES256", "HS256", "none"],
        }),
      );
      return;
    }
    if (path === "/jwks") {
      state.jwksRequests += 1;
      if (state.failWith !== null) {
        res.statusCode = state.failWith;
        res.end("unavailable");
        return;
      }
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: TestIssuer = {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    get current() {
      return keys.at(-1)!;
    },
    jwksRequests: 0,
    failWith: null,
    async rotate(options = {}) {
      const key = await makeKey(options.alg ?? "RS256", ++count);
      if (options.retire) keys.splice(0, keys.length);
      keys.push(key);
      return key;
    },
    async sign(claims, options = {}) {
      const key = options.key ?? state.current;
      const header: { alg: string; kid?: string } = { alg: options.alg ?? key.alg };
      if (options.kid !== null) header.kid = options.kid ?? key.kid;
      return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
    },
    fetchFor() {
      return (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        const local = url === GOOGLE_JWKS || url === APPLE_JWKS ? state.jwksUrl : url;
        return fetch(local, init);
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return state;
}

/** Seconds since the epoch of a clock reading. */
export const seconds = (ms: number) => Math.floor(ms / 1000);
