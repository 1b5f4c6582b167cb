import { describe, expect, it } from "vitest";
import { basicAuth } from "../../src/oauth/client";

/** HTTP Basic client authentication at OAuth2 token endpoints (src/oauth/client.ts `basicAuth`). */
function header(id: string, secret: string): string {
  const headers = new Headers();
  const body = new URLSearchParams();
  basicAuth(id, secret)({ issuer: "https://as.example" }, { client_id: id }, body, headers);
  expect(body.has("client_secret")).toBe(false);
  return headers.get("authorization")!;
}

const decode = (value: string) => Buffer.from(value.replace(/^Basic /, ""), "base64").toString("utf8");

describe("basicAuth", () => {
  it("sends plain base64(id:secret) when no character needs encoding (PayPal-style ids with - and _)", () => {
    expect(decode(header("AZ-x_y.z~1", "EL-secret_1.0"))).toBe("AZ-x_y.z~1:EL-secret_1.0");
  });

  it("form-encodes as RFC 6749 §2.3.1 says when the id or secret holds a character that would be ambiguous", () => {
    const decoded = decode(header("id:with colon", "p%ss"));
    expect(decoded).toBe(`${encodeURIComponent("id:with colon").replace(/%20/g, "+")}:${encodeURIComponent("p%ss")}`);
  });
});
