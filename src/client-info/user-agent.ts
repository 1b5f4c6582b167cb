import UAParser from "ua-parser-js";
import type { ClientInfo } from "../ports/store";

/** The os/client/device fields of sessions and logs (src/ports/store.ts `ClientInfo`). */
export type UserAgentInfo = Omit<ClientInfo, "countryCode">;

/**
 * Turns a `User-Agent` header into Appwrite's session and log fields. Appwrite uses Matomo's
 * device detector; this uses ua-parser-js (1.x, MIT) and maps its answers onto Matomo's short
 * codes and names for the common operating systems and browsers. Anything not in the tables
 * keeps ua-parser's name and gets an empty code. HTTP client libraries (curl, node-fetch, …)
 * are recognised by the start of the header and reported as `clientType: "library"`.
 */
export function parseUserAgent(ua: string): UserAgentInfo {
  // ua-parser-js looks at the first 500 characters only, so longer headers share an entry.
  const key = ua.length > MAX_LENGTH ? ua.slice(0, MAX_LENGTH) : ua;
  const hit = cache.get(key);
  if (hit) {
    // Refresh the entry: a Map iterates in insertion order, so the first key is the least recent.
    cache.delete(key);
    cache.set(key, hit);
    return { ...hit };
  }
  const parsed = Object.freeze(parse(key));
  cache.set(key, parsed);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return { ...parsed };
}

/** How many distinct user agents are kept parsed; every request of a session repeats its own. */
export const CACHE_SIZE = 500;
const MAX_LENGTH = 500;
const cache = new Map<string, Readonly<UserAgentInfo>>();

/** For tests: how many parsed user agents are cached. */
export function userAgentCacheSize(): number {
  return cache.size;
}

const EMPTY: UserAgentInfo = {
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

/** ua-parser-js OS name (lowercased) → Matomo short code and name. */
const OPERATING_SYSTEMS: Record<string, [code: string, name: string]> = {
  windows: ["WIN", "Windows"],
  "windows phone": ["WPH", "Windows Phone"],
  "windows mobile": ["WMO", "Windows Mobile"],
  "mac os": ["MAC", "Mac"],
  macos: ["MAC", "Mac"],
  linux: ["LIN", "GNU/Linux"],
  android: ["AND", "Android"],
  ios: ["IOS", "iOS"],
  ipados: ["IPA", "iPadOS"],
  ubuntu: ["UBT", "Ubuntu"],
  debian: ["DEB", "Debian"],
  fedora: ["FED", "Fedora"],
  mint: ["MIN", "Mint"],
  arch: ["ARL", "Arch Linux"],
  centos: ["CES", "CentOS"],
  "red hat": ["RHT", "Red Hat"],
  "chromium os": ["COS", "Chrome OS"],
  "chrome os": ["COS", "Chrome OS"],
  freebsd: ["BSD", "FreeBSD"],
  openbsd: ["OBS", "OpenBSD"],
  netbsd: ["NBS", "NetBSD"],
  harmonyos: ["HAR", "HarmonyOS"],
  tizen: ["TIZ", "Tizen"],
  kaios: ["KOS", "KaiOS"],
};

/** Operating systems whose browsers Matomo reports as a "desktop" device. */
const DESKTOP_OS = new Set(["WIN", "MAC", "LIN", "UBT", "DEB", "FED", "MIN", "ARL", "CES", "RHT", "COS", "BSD", "OBS", "NBS"]);

/** ua-parser-js browser name → Matomo short code and name. */
const BROWSERS: Record<string, [code: string, name: string]> = {
  Chrome: ["CH", "Chrome"],
  "Chrome Headless": ["HC", "Headless Chrome"],
  "Chrome WebView": ["CV", "Chrome Webview"],
  Chromium: ["CR", "Chromium"],
  Firefox: ["FF", "Firefox"],
  "Mobile Firefox": ["FM", "Firefox Mobile"],
  Safari: ["SF", "Safari"],
  "Mobile Safari": ["MF", "Mobile Safari"],
  Edge: ["PS", "Microsoft Edge"],
  Opera: ["OP", "Opera"],
  "Opera Mobi": ["OM", "Opera Mobile"],
  "Opera Mini": ["OI", "Opera Mini"],
  "Samsung Internet": ["SB", "Samsung Browser"],
  IE: ["IE", "Internet Explorer"],
  Vivaldi: ["VI", "Vivaldi"],
  Yandex: ["YA", "Yandex Browser"],
  Brave: ["BR", "Brave"],
  UCBrowser: ["UC", "UC Browser"],
};

/** ua-parser-js device type → Matomo device name ("desktop" is inferred from the OS). */
const DEVICE_TYPES: Record<string, string> = {
  mobile: "smartphone",
  tablet: "tablet",
  smarttv: "tv",
  console: "console",
  wearable: "wearable",
};

/** HTTP client libraries, recognised by how their default user agent starts (case-insensitive). */
const LIBRARIES: Array<[prefix: string, name: string]> = [
  ["curl", "curl"],
  ["wget", "Wget"],
  ["node-fetch", "Node Fetch"],
  ["undici", "undici"],
  ["node", "Node.js"],
  ["axios", "Axios"],
  ["got", "got"],
  ["python-requests", "Python Requests"],
  ["python-httpx", "HTTPX"],
  ["python-urllib", "Python urllib"],
  ["aiohttp", "aiohttp"],
  ["go-http-client", "Go-http-client"],
  ["okhttp", "OkHttp"],
  ["apache-httpclient", "Apache HTTP Client"],
  ["java", "Java"],
  ["guzzlehttp", "Guzzle (PHP HTTP Client)"],
  ["postmanruntime", "Postman Desktop"],
  ["insomnia", "Insomnia REST Client"],
  ["httpie", "HTTPie"],
  ["dart", "Dart"],
];

/** `name`, `name/1.2.3 …`: the library whose name is the whole first product token of the header. */
function library(ua: string): { name: string; version: string } | null {
  const match = /^([A-Za-z][\w.-]*)(?:\/([\w.-]*))?(?:[\s;(]|$)/.exec(ua.trim());
  if (!match) return null;
  const token = match[1]!.toLowerCase();
  const entry = LIBRARIES.find(([prefix]) => token === prefix);
  if (!entry) return null;
  // "Java/17.0.1" is a version; "node-fetch/1.0" too; keep only what looks like one.
  const version = /^\d[\w.-]*$/.test(match[2] ?? "") ? match[2]! : "";
  return { name: entry[1], version };
}

function parse(ua: string): UserAgentInfo {
  if (!ua || ua === "UNKNOWN") return { ...EMPTY };
  const lib = library(ua);
  if (lib) return { ...EMPTY, clientType: "library", clientName: lib.name, clientVersion: lib.version };

  const { browser, engine, os, device } = new UAParser(ua).getResult();
  const info: UserAgentInfo = { ...EMPTY };

  if (os.name) {
    const known = OPERATING_SYSTEMS[os.name.toLowerCase()];
    info.osCode = known?.[0] ?? "";
    info.osName = known?.[1] ?? os.name;
    info.osVersion = os.version ?? "";
  }

  const mobile = device.type === "mobile" || device.type === "tablet";
  if (browser.name) {
    let known = BROWSERS[browser.name];
    // Matomo names the mobile builds apart; ua-parser-js reports them as the desktop browser.
    if (browser.name === "Chrome" && info.osCode === "IOS") known = ["CI", "Chrome Mobile iOS"];
    else if (browser.name === "Chrome" && mobile) known = ["CM", "Chrome Mobile"];
    else if (browser.name === "Firefox" && mobile) known = ["FM", "Firefox Mobile"];
    info.clientType = "browser";
    info.clientCode = known?.[0] ?? "";
    info.clientName = known?.[1] ?? browser.name;
    info.clientVersion = browser.version ?? "";
    info.clientEngine = engine.name ?? "";
    info.clientEngineVersion = engine.version ?? "";
  }

  if (device.type) info.deviceName = DEVICE_TYPES[device.type] ?? "";
  else if (browser.name && DESKTOP_OS.has(info.osCode)) info.deviceName = "desktop";
  info.deviceBrand = device.vendor ?? "";
  info.deviceModel = device.model ?? "";
  return info;
}
