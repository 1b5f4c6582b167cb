import { describe, expect, it } from "vitest";
import { uniqueId } from "../../src/crypto/ids";
import { constantTimeEqual, sha256Hex } from "../../src/crypto/hash";
import { decodeSessionValue, encodeSessionValue } from "../../src/core/session-value";
import {
  assoc,
  customId,
  customIdDescription,
  email,
  parseParams,
  password,
  phone,
  text,
  uid,
  uidDescription,
} from "../../src/validation/validators";
import { AppwriteError } from "../../src/errors";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

describe("uniqueId", () => {
  it("is 20 lowercase hex characters", () => {
    for (let i = 0; i < 100; i++) expect(uniqueId()).toMatch(/^[0-9a-f]{20}$/);
  });

  it("is strictly increasing and unique across 10 000 calls in the same millisecond", () => {
    const ms = Date.now();
    const ids = Array.from({ length: 10_000 }, () => uniqueId(ms));
    for (let i = 1; i < ids.length; i++) {
      if (!(ids[i]! > ids[i - 1]!)) expect.fail(`id ${i} (${ids[i]}) is not above id ${i - 1} (${ids[i - 1]})`);
    }
    expect(new Set(ids).size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{20}$/);
  });

  it("is strictly increasing across a tight loop on the real clock too", () => {
    const ids = Array.from({ length: 10_000 }, () => uniqueId());
    for (let i = 1; i < ids.length; i++) {
      if (!(ids[i]! > ids[i - 1]!)) expect.fail(`id ${i} is not above id ${i - 1}`);
    }
  });

  it("does not go backwards when the clock does", () => {
    const later = uniqueId(Date.now() + 5_000);
    const earlier = uniqueId(Date.now());
    expect(earlier > later).toBe(true);
  });
});

// Last of the uniqueId tests: it moves the process-wide "last timestamp" far into the future.
describe("uniqueId layout", () => {
  it("is PHP uniqid(): 8 hex of seconds, 5 hex of microseconds, then 7 random hex", () => {
    const ms = Date.UTC(2100, 0, 1, 0, 0, 0, 123);
    const id = uniqueId(ms);
    expect(id.slice(0, 8)).toBe(Math.floor(ms / 1000).toString(16));
    expect(id.slice(8, 13)).toBe((123_000).toString(16).padStart(5, "0"));
    expect(id.slice(0, 13)).toBe("f48657001e078");
  });

  it("the random tail varies", () => {
    const tails = new Set(Array.from({ length: 200 }, () => uniqueId().slice(13)));
    expect(tails.size).toBeGreaterThan(190);
  });
});

describe("session value encoding", () => {
  it('is base64 of {"id","secret"} in that key order, and round-trips', () => {
    const secret = "ab".repeat(128);
    const value = encodeSessionValue("user_1", secret);
    expect(Buffer.from(value, "base64").toString("utf8")).toBe(`{"id":"user_1","secret":"${secret}"}`);
    expect(value).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(decodeSessionValue(value)).toEqual({ id: "user_1", secret });
  });

  it("decodes a value PHP wrote (escaped slashes, standard base64 with padding)", () => {
    const php = Buffer.from('{"id":"abc","secret":"0f\\/1"}').toString("base64");
    expect(decodeSessionValue(php)).toEqual({ id: "abc", secret: "0f/1" });
  });

  const empty = { id: "", secret: "" };
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  it.each([
    ["undefined", undefined],
    ["null", null],
    ["empty string", ""],
    ["non-base64 garbage", "%%% not base64 %%%"],
    ["base64 of non-JSON", b64("hello world")],
    ["base64 of a JSON array", b64('["a","b"]')],
    ["base64 of JSON null", b64("null")],
    ["base64 of a JSON string", b64('"id"')],
    ["base64 of a JSON number", b64("42")],
  ])("garbage (%s) decodes to empty values", (_label, value) => {
    expect(decodeSessionValue(value as string | null | undefined)).toEqual(empty);
  });

  it("non-string members decode as empty strings", () => {
    expect(decodeSessionValue(b64('{"id":1,"secret":{"x":1}}'))).toEqual(empty);
    expect(decodeSessionValue(b64('{"id":"u1"}'))).toEqual({ id: "u1", secret: "" });
  });
});

describe("sha256Hex and constantTimeEqual", () => {
  it("sha256Hex gives lowercase hex of the UTF-8 bytes", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // "é" as UTF-8 (c3 a9), not Latin-1.
    expect(sha256Hex("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
    expect(sha256Hex("é")).not.toBe(sha256Hex("e\u0301"));
  });

  it("constantTimeEqual compares exactly", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "ABC")).toBe(false);
  });

  it("constantTimeEqual is false (and does not throw) for different lengths", () => {
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
    expect(constantTimeEqual("", "a")).toBe(false);
    // Same number of UTF-16 units, different byte lengths.
    expect(constantTimeEqual("é", "e")).toBe(false);
  });
});

describe("validators", () => {
  describe("customId and uid", () => {
    it("accept 1 to 36 characters of [A-Za-z0-9._-] not starting with a special char", () => {
      for (const v of ["a", "A", "0", "a".repeat(36), "user.name-1_x", "9lives", "a._-"]) {
        expect(ok(customId, v), v).toBe(true);
        expect(ok(uid, v), v).toBe(true);
      }
    });

    it("reject 37 characters, a leading . - _, other characters, and the empty string", () => {
      for (const v of ["a".repeat(37), ".abc", "-abc", "_abc", "", "a b", "a/b", "a@b", "ü", "a+b"]) {
        expect(ok(customId, v), JSON.stringify(v)).toBe(false);
        expect(ok(uid, v), JSON.stringify(v)).toBe(false);
      }
    });

    it("accept only strings", () => {
      for (const v of [123, true, {}, ["a"]]) {
        expect(ok(customId, v)).toBe(false);
        expect(ok(uid, v)).toBe(false);
      }
    });

    it("'unique()' is valid for customId only", () => {
      expect(ok(customId, "unique()")).toBe(true);
      expect(ok(uid, "unique()")).toBe(false);
      expect(ok(customId, "unique( )")).toBe(false);
      expect(ok(customId, "Unique()")).toBe(false);
    });

    it("report Appwrite's description texts", () => {
      expect(() => parseParams({ userId: customId }, { userId: "_x" })).toThrow(`Invalid \`userId\` param: ${customIdDescription}`);
      expect(() => parseParams({ sessionId: uid }, { sessionId: "unique()" })).toThrow(`Invalid \`sessionId\` param: ${uidDescription}`);
      expect(customIdDescription).toBe(
        "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char",
      );
    });
  });

  describe("email", () => {
    const parse = (v: unknown) => email.safeParse(v);

    it("normalises NFKC fullwidth letters, trims and lowercases", () => {
      expect(parse("ｊａｎｅ@example.com").data).toBe("jane@example.com");
      expect(parse("  Jane.Doe@Example.COM \t").data).toBe("jane.doe@example.com");
      expect(parse("ＪＡＮＥ＠ＥＸＡＭＰＬＥ．ＣＯＭ").data).toBe("jane@example.com");
    });

    it("accepts ordinary addresses, plus-tags and subdomains", () => {
      for (const v of ["a+tag@sub.example.co", "jane@example.com", "j.d@x.io", "o'brien@example.ie", "x@[192.168.0.1]"]) {
        expect(parse(v).success, v).toBe(true);
      }
    });

    it("rejects a dotless domain, localhost, consecutive dots, quoted local parts and other junk", () => {
      for (const v of [
        "a@b",
        "a@localhost",
        "a..b@x.com",
        '"quoted"@x.com',
        ".a@x.com",
        "a.@x.com",
        "a@x..com",
        "a@-x.com",
        "a@x-.com",
        "@x.com",
        "a@",
        "a",
        "",
        "a b@x.com",
        "a@b@x.com",
        "jané@example.com",
      ]) {
        expect(parse(v).success, JSON.stringify(v)).toBe(false);
      }
    });

    it("rejects non-strings", () => {
      expect(parse(42).success).toBe(false);
      expect(parse(["a@x.com"]).success).toBe(false);
    });

    it("reports 'Value must be a valid email address'", () => {
      expect(() => parseParams({ email }, { email: "a@b" })).toThrow("Invalid `email` param: Value must be a valid email address");
    });
  });

  describe("password (8–256 bytes)", () => {
    it("counts bytes, not characters", () => {
      expect(ok(password, "1234567")).toBe(false);
      expect(ok(password, "12345678")).toBe(true);
      expect(ok(password, "ééé")).toBe(false); // 3 chars, 6 bytes
      expect(ok(password, "éééé")).toBe(true); // 4 chars, 8 bytes
      expect(ok(password, "😀😀")).toBe(true); // 2 code points, 8 bytes
      expect(ok(password, "😀")).toBe(false); // 4 bytes
      expect(ok(password, "é".repeat(128))).toBe(true); // 256 bytes
      expect(ok(password, "é".repeat(129))).toBe(false); // 129 chars but 258 bytes
      expect(ok(password, "😀".repeat(64))).toBe(true); // 256 bytes
      expect(ok(password, "😀".repeat(65))).toBe(false); // 260 bytes
      expect(ok(password, "a".repeat(256))).toBe(true);
      expect(ok(password, "a".repeat(257))).toBe(false);
    });

    it("reports Appwrite's message", () => {
      expect(() => parseParams({ password }, { password: "short" })).toThrow(
        "Invalid `password` param: Password must be between 8 and 256 characters long.",
      );
    });
  });

  describe("text(n)", () => {
    it("counts code points: n emoji fit, n+1 do not; the empty string is refused", () => {
      const t = text(5);
      expect(ok(t, "😀".repeat(5))).toBe(true); // 10 UTF-16 units
      expect(ok(t, "😀".repeat(6))).toBe(false);
      expect(ok(t, "abcde")).toBe(true);
      expect(ok(t, "abcdef")).toBe(false);
      expect(ok(t, "")).toBe(false);
      expect(ok(t, 5)).toBe(false);
      expect(ok(text(128), "😀".repeat(128))).toBe(true);
      expect(ok(text(128), "😀".repeat(129))).toBe(false);
    });

    it("reports the limit in its message", () => {
      expect(() => parseParams({ name: text(128) }, { name: "" })).toThrow(
        "Invalid `name` param: Value must be a valid string and at least 1 chars and no longer than 128 chars",
      );
    });
  });

  describe("phone (E.164, 7–15 digits)", () => {
    it("accepts 7 and 15 digits", () => {
      expect(ok(phone, "+1234567")).toBe(true);
      expect(ok(phone, "+123456789012345")).toBe(true);
      expect(ok(phone, "+14155550123")).toBe(true);
    });

    it("rejects 6 and 16 digits, a leading 0, a missing '+', and formatting", () => {
      for (const v of ["+123456", "+1234567890123456", "+0123456789", "14155550123", "+1 415 555 0123", "+1-415-555-0123", "+", ""]) {
        expect(ok(phone, v), JSON.stringify(v)).toBe(false);
      }
    });

    it("reports Appwrite's message", () => {
      expect(() => parseParams({ phone }, { phone: "+0123" })).toThrow(
        "Invalid `phone` param: Phone number must start with a '+' can have a maximum of fifteen digits.",
      );
    });
  });

  describe("assoc", () => {
    it("accepts objects, the empty object included", () => {
      expect(ok(assoc, {})).toBe(true);
      expect(ok(assoc, { theme: "dark", n: 1, nested: { a: [1, 2] } })).toBe(true);
    });

    it("rejects arrays, null and scalars", () => {
      for (const v of [[], [1, 2], null, "x", 1, true]) expect(ok(assoc, v), JSON.stringify(v)).toBe(false);
    });

    it("accepts up to 65 535 bytes of JSON and rejects more", () => {
      // {"a":"…"} is 8 bytes of framing.
      expect(ok(assoc, { a: "x".repeat(65535 - 8) })).toBe(true);
      expect(ok(assoc, { a: "x".repeat(65535 - 7) })).toBe(false);
      expect(ok(assoc, { a: "x".repeat(70_000) })).toBe(false);
    });

    it("a null prefs param is present and invalid; a missing one is not optional; an array is invalid", () => {
      expect(() => parseParams({ prefs: assoc }, { prefs: null })).toThrow("Invalid `prefs` param: Value must be a valid object.");
      expect(() => parseParams({ prefs: assoc }, {})).toThrow('Param "prefs" is not optional.');
      let thrown: unknown;
      try {
        parseParams({ prefs: assoc }, { prefs: ["a"] });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppwriteError);
      expect((thrown as AppwriteError).type).toBe("general_argument_invalid");
      expect((thrown as AppwriteError).message).toBe("Invalid `prefs` param: Value must be a valid object.");
    });
  });
});
