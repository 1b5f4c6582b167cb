import { describe, expect, it } from "vitest";
import {
  APP_ID_PATTERN,
  BRACKETED_IPV4_PATTERN,
  E164_PATTERN,
  HOST_HEADER_PATTERN,
  HOSTNAME_PATTERN,
  hostMatches,
  ID_PATTERN,
  IPV4_MAPPED_PATTERN,
  isIpLiteral,
} from "../../src/validation/patterns";

// The one module of patterns (src/validation/patterns.ts) decides for the config schema, the
// parameter validators, the origin check and the Host check at once: its edges are pinned here.
describe("patterns", () => {
  it("ids: 1–36 characters, no special first character", () => {
    for (const ok of ["a", "A1", "user.name_1-x", "a".repeat(36)]) expect(ID_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ["", "_a", ".a", "-a", "a".repeat(37), "a b", "a/b", "ü"]) expect(ID_PATTERN.test(bad), bad).toBe(false);
  });

  it("E.164: +, a non-zero digit, 7 to 15 digits", () => {
    for (const ok of ["+1234567", "+491701234567", "+123456789012345"]) expect(E164_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ["+123456", "+1234567890123456", "+0123456789", "1234567890", "+12345678a", "+1234567\n"]) {
      expect(E164_PATTERN.test(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it("app ids and platform hostnames", () => {
    expect(APP_ID_PATTERN.test("com.example.my_app")).toBe(true);
    expect(APP_ID_PATTERN.test("com..example")).toBe(false);
    expect(APP_ID_PATTERN.test("com.example.")).toBe(false);
    for (const ok of ["localhost", "app.example.com", "*.example.com", "[::1]"]) expect(HOSTNAME_PATTERN.test(ok), ok).toBe(true);
    for (const bad of ["*", "*.", "a.*.com", "-a.com", "a.com-", "http://a.com", "[::1"])
      expect(HOSTNAME_PATTERN.test(bad), bad).toBe(false);
  });

  it("Host header values", () => {
    for (const ok of ["localhost", "localhost:3000", "my_container:80", "example.com.", "[::1]:8080", "127.0.0.1"]) {
      expect(HOST_HEADER_PATTERN.test(ok), ok).toBe(true);
    }
    for (const bad of ["", "a b", "[::1", "a:b", "a.com:123456", "*.example.com", "a@b"])
      expect(HOST_HEADER_PATTERN.test(bad), bad).toBe(false);
  });

  it("host wildcards match subdomains only, case-insensitively", () => {
    expect(hostMatches("App.Example.com", "app.example.COM")).toBe(true);
    expect(hostMatches("a.b.example.com", "*.example.com")).toBe(true);
    expect(hostMatches("example.com", "*.example.com")).toBe(false);
    expect(hostMatches("evilexample.com", "*.example.com")).toBe(false);
    expect(hostMatches("example.com.evil.net", "*.example.com")).toBe(false);
    expect(hostMatches("x.example.com", "example.com")).toBe(false);
  });

  it("IP literals", () => {
    for (const ip of ["127.0.0.1", "[::1]", "::1", "2001:db8::1"]) expect(isIpLiteral(ip), ip).toBe(true);
    for (const host of ["localhost", "example.com", "1.2.3", "1.2.3.4.example.com"]) expect(isIpLiteral(host), host).toBe(false);
    expect(BRACKETED_IPV4_PATTERN.test("[192.0.2.1]")).toBe(true);
    expect(BRACKETED_IPV4_PATTERN.test("192.0.2.1")).toBe(false);
    expect(IPV4_MAPPED_PATTERN.exec("::ffff:127.0.0.1")?.[1]).toBe("127.0.0.1");
    expect(IPV4_MAPPED_PATTERN.exec("::FFFF:10.0.0.1")?.[1]).toBe("10.0.0.1");
    expect(IPV4_MAPPED_PATTERN.exec("::ffff:a.b")).toBeNull();
  });
});
