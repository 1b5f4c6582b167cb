/**
 * `gatehouse-auth/maxmind`: the Geo port over a MaxMind DB file. The database is built by the test
 * (test/helpers/mmdb.ts writes the documented .mmdb format), with documentation-range networks.
 * Also the headers it depends on (X-Forwarded-For, X-Appwrite-Locale) and the country fields of the
 * Session and Log models.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import * as node from "node-appwrite";
import { Reader } from "maxmind";
import type { Geo } from "gatehouse-auth";
import { maxmindGeo } from "gatehouse-auth/maxmind";
import { buildMmdb, type MmdbNetwork } from "../helpers/mmdb";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { raw, serverClient, sessionClient } from "../helpers/sdk";

const GERMAN_IP = "203.0.113.9";
const FRENCH_REGISTERED_IP = "198.51.100.200";
const JAPANESE_IPV6 = "2001:db8::1";
const UNLISTED_IP = "192.0.2.77";

const NETWORKS: MmdbNetwork[] = [
  {
    network: "203.0.113.0/24",
    record: {
      continent: { code: "EU", geoname_id: 6255148, names: { en: "Europe" } },
      country: { geoname_id: 2921044, is_in_european_union: true, iso_code: "DE", names: { en: "Germany", de: "Deutschland" } },
      registered_country: { geoname_id: 2921044, iso_code: "DE", names: { en: "Germany" } },
    },
  },
  // Only the registration country is known (as for some anycast ranges in GeoLite2).
  { network: "198.51.100.128/25", record: { registered_country: { geoname_id: 3017382, iso_code: "FR" } } },
  { network: "2001:db8::/32", record: { country: { geoname_id: 1861060, iso_code: "JP" } } },
  // A record without a usable code: no country.
  { network: "198.51.100.0/26", record: { country: { iso_code: "EUR" } } },
  // The top-level `country_code` some free country databases use.
  { network: "100.64.0.0/16", record: { country_code: "BR" } },
];

let dir: string;
let dbPath: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gatehouse-mmdb-"));
  dbPath = join(dir, "Test-Country.mmdb");
  writeFileSync(dbPath, buildMmdb(NETWORKS));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("maxmindGeo", () => {
  it("answers lowercase ISO alpha-2 for listed IPv4 and IPv6 addresses, null for the rest", async () => {
    const geo = await maxmindGeo(dbPath);
    expect(await geo.country(GERMAN_IP)).toBe("de");
    expect(await geo.country(JAPANESE_IPV6)).toBe("jp");
    expect(await geo.country("2001:db8:ffff::42")).toBe("jp");
    // Falls back to the registered country, and reads a top-level country_code.
    expect(await geo.country(FRENCH_REGISTERED_IP)).toBe("fr");
    expect(await geo.country("100.64.3.4")).toBe("br");
    // Unlisted, private, loopback and neighbouring addresses.
    for (const ip of [UNLISTED_IP, "203.0.112.255", "203.0.114.0", "10.0.0.1", "127.0.0.1", "::1", "2001:db9::1"]) {
      expect(await geo.country(ip), ip).toBeNull();
    }
    // A record whose code is not two letters gives no country.
    expect(await geo.country("198.51.100.10")).toBeNull();
  });

  it("looks an IPv4-mapped IPv6 address up as IPv4, and answers null for junk instead of throwing", async () => {
    const geo = await maxmindGeo(dbPath);
    expect(await geo.country(`::ffff:${GERMAN_IP}`)).toBe("de");
    for (const junk of ["", "UNKNOWN", "not-an-ip", "203.0.113", "203.0.113.9.1", "2001:db8:::1", " "]) {
      expect(await geo.country(junk), JSON.stringify(junk)).toBeNull();
    }
  });

  it("reads the file once, when the factory runs: later lookups do not touch it", async () => {
    const copy = join(dir, "once.mmdb");
    writeFileSync(copy, buildMmdb(NETWORKS));
    const geo = await maxmindGeo(copy);
    unlinkSync(copy);
    expect(await geo.country(GERMAN_IP)).toBe("de");
    // And it is synchronous after opening (no per-lookup I/O).
    expect(geo.country(JAPANESE_IPV6)).toBe("jp");
  });

  it("also takes the file's contents or an open maxmind Reader", async () => {
    const bytes = buildMmdb(NETWORKS);
    expect(await (await maxmindGeo(bytes)).country(GERMAN_IP)).toBe("de");
    expect(await (await maxmindGeo(new Reader(bytes))).country(JAPANESE_IPV6)).toBe("jp");
  });

  it("fails at startup for a missing file or something that is not a database", async () => {
    await expect(maxmindGeo(join(dir, "missing.mmdb"))).rejects.toThrow(/ENOENT/);
    const notDb = join(dir, "not.mmdb");
    writeFileSync(notDb, "this is not a MaxMind database");
    await expect(maxmindGeo(notDb)).rejects.toThrow();
    await expect(maxmindGeo({} as never)).rejects.toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the HTTP API and the official SDK
// ---------------------------------------------------------------------------------------------

let server: TestServer;
let geo: Geo;
beforeAll(async () => {
  geo = await maxmindGeo(dbPath);
  server = await startServer({ geo, trustedProxies: ["127.0.0.1"] });
});
afterAll(() => server.close());

let seq = 0;
function uniqueEmail(tag: string) {
  seq += 1;
  return `${tag}-${seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** A node-appwrite client with the API key, calling from `ip` through the trusted proxy (127.0.0.1). */
function keyClientFrom(s: TestServer, ip: string, locale?: string) {
  const client = new node.Client().setEndpoint(s.endpoint).setProject(PROJECT).setKey(API_KEY);
  client.addHeader("X-Forwarded-For", ip);
  if (locale) client.setLocale(locale);
  return new node.Account(client);
}

function userClient(s: TestServer, secret: string, locale?: string) {
  const { client, account } = sessionClient(s.endpoint, secret);
  if (locale) client.setLocale(locale);
  return account;
}

describe("sessions and logs carry the GeoIP country", () => {
  it("a session from a listed IP has its countryCode, and countryName in the request's locale", async () => {
    const email = uniqueEmail("geo");
    const user = await serverClient(server.endpoint).account.create(ID.unique(), email, "password123");
    const session = await keyClientFrom(server, GERMAN_IP, "de").createEmailPasswordSession(email, "password123");
    expect(session).toMatchObject({ ip: GERMAN_IP, countryCode: "de", countryName: "Deutschland" });
    expect(session.userId).toBe(user.$id);

    // The stored country is translated per request: German, English, French.
    expect(await userClient(server, session.secret, "de").getSession("current")).toMatchObject({
      countryCode: "de",
      countryName: "Deutschland",
    });
    expect(await userClient(server, session.secret).getSession("current")).toMatchObject({ countryCode: "de", countryName: "Germany" });
    const list = await userClient(server, session.secret, "fr").listSessions();
    expect(list.sessions.map((s) => [s.countryCode, s.countryName])).toEqual([["de", "Allemagne"]]);

    // The log entry of the login has the same country.
    const logs = await userClient(server, session.secret, "de").listLogs();
    const login = logs.logs.find((l) => l.event === "session.create");
    expect(login).toMatchObject({ ip: GERMAN_IP, countryCode: "de", countryName: "Deutschland" });
  });

  it("IPv6 clients and registered-country-only ranges are located too", async () => {
    const email = uniqueEmail("geo6");
    await serverClient(server.endpoint).account.create(ID.unique(), email, "password123");
    const v6 = await keyClientFrom(server, JAPANESE_IPV6, "de").createEmailPasswordSession(email, "password123");
    expect(v6).toMatchObject({ ip: JAPANESE_IPV6, countryCode: "jp", countryName: "Japan" });
    const fr = await keyClientFrom(server, FRENCH_REGISTERED_IP).createEmailPasswordSession(email, "password123");
    expect(fr).toMatchObject({ countryCode: "fr", countryName: "France" });
  });

  it("an unlisted IP gives countryCode -- and countryName Unknown, whatever the locale", async () => {
    const email = uniqueEmail("geo-unknown");
    await serverClient(server.endpoint).account.create(ID.unique(), email, "password123");
    const session = await keyClientFrom(server, UNLISTED_IP, "de").createEmailPasswordSession(email, "password123");
    expect(session).toMatchObject({ ip: UNLISTED_IP, countryCode: "--", countryName: "Unknown" });
  });

  it("X-Forwarded-For is ignored from a peer that is not a trusted proxy: the socket IP is located instead", async () => {
    const untrusted = await startServer({ geo });
    try {
      const email = uniqueEmail("geo-untrusted");
      await serverClient(untrusted.endpoint).account.create(ID.unique(), email, "password123");
      const session = await keyClientFrom(untrusted, GERMAN_IP, "de").createEmailPasswordSession(email, "password123");
      expect(session).toMatchObject({ ip: "127.0.0.1", countryCode: "--", countryName: "Unknown" });
    } finally {
      await untrusted.close();
    }
  });

  it("a guest's anonymous session (raw HTTP) is located from the forwarded chain, walked from the right past trusted hops", async () => {
    const res = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-forwarded-for": `${GERMAN_IP}, 10.0.0.2`, "x-appwrite-locale": "de" },
    });
    // 10.0.0.2 is not a trusted proxy, so it is the client (src/http/client-ip.ts walks from the
    // right past trusted hops).
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ ip: "10.0.0.2", countryCode: "--" });
    const direct = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-forwarded-for": GERMAN_IP, "x-appwrite-locale": "de" },
    });
    expect(direct.json).toMatchObject({ ip: GERMAN_IP, countryCode: "de", countryName: "Deutschland" });
  });
});
