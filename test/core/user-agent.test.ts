/**
 * User-agent parsing into the os/client/device fields of sessions and logs:
 * Matomo device-detector short codes and names, as Appwrite reports them.
 */
import { describe, expect, it } from "vitest";
import { CACHE_SIZE, parseUserAgent, userAgentCacheSize } from "../../src/client-info/user-agent";

const CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const SAFARI_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15";
const FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
const CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const SAFARI_IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const SAFARI_IPAD =
  "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
const CHROME_ANDROID =
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";
const EDGE_WINDOWS = `${CHROME_WINDOWS} Edg/120.0.2210.91`;
const OPERA_WINDOWS = `${CHROME_WINDOWS} OPR/106.0.0.0`;
const CHROME_IOS =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1";
const CHROME_OS = "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const SAMSUNG_TABLET =
  "Mozilla/5.0 (Linux; Android 10; SM-T510) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Safari/537.36";

const EMPTY = {
  osCode: "",
  osName: "",
  osVersion: "",
  clientType: "",
  clientCode: "",
  clientName: "",
  clientVersion: "",
  clientEngine: "",
  clientEngineVersion: "",
  deviceName: "",
  deviceBrand: "",
  deviceModel: "",
};

describe("parseUserAgent", () => {
  it("Chrome on Windows: every field, in the session model's order", () => {
    const info = parseUserAgent(CHROME_WINDOWS);
    expect(Object.keys(info)).toEqual(Object.keys(EMPTY));
    expect(info).toEqual({
      osCode: "WIN",
      osName: "Windows",
      osVersion: "10",
      clientType: "browser",
      clientCode: "CH",
      clientName: "Chrome",
      clientVersion: "120.0.0.0",
      clientEngine: "Blink",
      clientEngineVersion: "120.0.0.0",
      deviceName: "desktop",
      deviceBrand: "",
      deviceModel: "",
    });
  });

  it.each([
    [
      SAFARI_MAC,
      {
        osCode: "MAC",
        osName: "Mac",
        osVersion: "10.15.7",
        clientCode: "SF",
        clientName: "Safari",
        clientVersion: "17.2",
        clientEngine: "WebKit",
        deviceName: "desktop",
        deviceBrand: "Apple",
      },
    ],
    [
      FIREFOX_UBUNTU,
      {
        osCode: "UBT",
        osName: "Ubuntu",
        clientCode: "FF",
        clientName: "Firefox",
        clientVersion: "121.0",
        clientEngine: "Gecko",
        clientEngineVersion: "121.0",
        deviceName: "desktop",
      },
    ],
    [CHROME_LINUX, { osCode: "LIN", osName: "GNU/Linux", clientCode: "CH", deviceName: "desktop" }],
    [CHROME_OS, { osCode: "COS", osName: "Chrome OS", clientCode: "CH", deviceName: "desktop" }],
    [
      EDGE_WINDOWS,
      { osCode: "WIN", clientCode: "PS", clientName: "Microsoft Edge", clientVersion: "120.0.2210.91", clientEngine: "Blink" },
    ],
    [OPERA_WINDOWS, { clientCode: "OP", clientName: "Opera", clientVersion: "106.0.0.0" }],
    [
      SAFARI_IPHONE,
      {
        osCode: "IOS",
        osName: "iOS",
        osVersion: "17.2",
        clientCode: "MF",
        clientName: "Mobile Safari",
        deviceName: "smartphone",
        deviceBrand: "Apple",
        deviceModel: "iPhone",
      },
    ],
    [SAFARI_IPAD, { osCode: "IOS", osVersion: "16.6", deviceName: "tablet", deviceBrand: "Apple", deviceModel: "iPad" }],
    [
      CHROME_ANDROID,
      {
        osCode: "AND",
        osName: "Android",
        osVersion: "14",
        clientCode: "CM",
        clientName: "Chrome Mobile",
        deviceName: "smartphone",
        deviceBrand: "Samsung",
        deviceModel: "SM-S918B",
      },
    ],
    [CHROME_IOS, { osCode: "IOS", clientCode: "CI", clientName: "Chrome Mobile iOS", clientEngine: "WebKit", deviceName: "smartphone" }],
    [
      SAMSUNG_TABLET,
      {
        osCode: "AND",
        clientCode: "SB",
        clientName: "Samsung Browser",
        clientVersion: "23.0",
        deviceName: "tablet",
        deviceBrand: "Samsung",
      },
    ],
  ])("browsers map to Matomo codes and names: %s", (ua, expected) => {
    expect(parseUserAgent(ua)).toMatchObject({ clientType: "browser", ...expected });
  });

  it.each([
    ["curl/8.4.0", "curl", "8.4.0"],
    ["Wget/1.21.4", "Wget", "1.21.4"],
    ["node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "Node Fetch", "1.0"],
    ["node-fetch", "Node Fetch", ""],
    ["undici", "undici", ""],
    ["node", "Node.js", ""],
    ["axios/1.6.2", "Axios", "1.6.2"],
    ["python-requests/2.31.0", "Python Requests", "2.31.0"],
    ["Go-http-client/1.1", "Go-http-client", "1.1"],
    ["okhttp/4.12.0", "OkHttp", "4.12.0"],
    ["PostmanRuntime/7.36.0", "Postman Desktop", "7.36.0"],
  ])("HTTP client libraries are clientType library: %s", (ua, name, version) => {
    expect(parseUserAgent(ua)).toEqual({ ...EMPTY, clientType: "library", clientName: name, clientVersion: version });
  });

  it("a library name must be the whole first token: nodejs-thing or curling are not curl/node", () => {
    expect(parseUserAgent("curling/1.0").clientType).toBe("");
    expect(parseUserAgent("nodejs-thing/2").clientType).toBe("");
  });

  it("the default UNKNOWN, an empty header and gibberish give empty fields (no throw)", () => {
    for (const ua of ["UNKNOWN", "", "???", "Mozilla/5.0", "\u0000\uffff"]) expect(parseUserAgent(ua), JSON.stringify(ua)).toEqual(EMPTY);
  });

  it("an unknown client keeps what is known: the Appwrite Node SDK reports its OS", () => {
    expect(parseUserAgent("AppwriteNodeJSSDK/16.0.0 (linux; x64) Node.js/v20.20.2")).toEqual({
      ...EMPTY,
      osCode: "LIN",
      osName: "GNU/Linux",
    });
  });

  it("a very long header is parsed from its first 500 characters and does not grow the cache per variant", () => {
    const before = userAgentCacheSize();
    const long = `${CHROME_WINDOWS} ${"x".repeat(600)}`;
    expect(parseUserAgent(`${long}a`)).toMatchObject({ clientCode: "CH", osCode: "WIN" });
    parseUserAgent(`${long}b`);
    expect(before).toBeLessThan(CACHE_SIZE - 2);
    expect(userAgentCacheSize()).toBe(before + 1);
  });

  it("caches results (returning copies callers may change) and stays bounded", () => {
    const first = parseUserAgent(CHROME_WINDOWS);
    first.clientName = "changed by a caller";
    expect(parseUserAgent(CHROME_WINDOWS).clientName).toBe("Chrome");
    for (let i = 0; i < CACHE_SIZE + 50; i++) parseUserAgent(`curl/${i}.0`);
    expect(userAgentCacheSize()).toBe(CACHE_SIZE);
    expect(parseUserAgent("curl/3.0")).toMatchObject({ clientName: "curl", clientVersion: "3.0" });
  });
});
