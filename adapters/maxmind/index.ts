import { isIP } from "node:net";
import { open, Reader, type OpenOpts } from "maxmind";
import type { Geo } from "gatehouse-auth";

/**
 * `gatehouse-auth/maxmind`: a Geo port that reads a MaxMind DB (`.mmdb`) country database that you
 * supply, such as GeoLite2-Country or GeoIP2-Country (or any database whose records carry
 * `country.iso_code`, `registered_country.iso_code` or a top-level `country_code`).
 *
 *   createAccountService({ …, geo: await maxmindGeo("/var/lib/geoip/GeoLite2-Country.mmdb") })
 *
 * The file is read once, when the factory runs; lookups are then in memory and cached. Pass
 * `{ watchForUpdates: true }` to reload the file when it is replaced (e.g. by geoipupdate).
 * Appwrite shows a country code as lowercase ISO 3166-1 alpha-2 (the Session and Log models'
 * `countryCode`): `"de"`, or null
 * (shown as `--` / "Unknown") for private, reserved and unlisted addresses.
 */
export type MaxmindGeoOptions = Pick<OpenOpts, "cache" | "watchForUpdates" | "watchForUpdatesNonPersistent">;

/** Anything with the reader's `get(ip)`: a `Reader` from `maxmind`/`mmdb-lib`, or a stand-in. */
export interface MmdbLookup {
  get(ip: string): unknown;
}

export async function maxmindGeo(source: string | Buffer | MmdbLookup, options: MaxmindGeoOptions = {}): Promise<Geo> {
  const reader: MmdbLookup =
    typeof source === "string" ? await open(source, options) : Buffer.isBuffer(source) ? new Reader(source) : source;
  if (typeof reader?.get !== "function")
    throw new TypeError("maxmindGeo expects a path to an .mmdb file, its contents, or a maxmind Reader");
  return {
    country(ip: string): string | null {
      const address = normaliseIp(ip);
      if (!address) return null;
      let record: unknown;
      try {
        record = reader.get(address);
      } catch {
        // The reader throws on an address it cannot parse (or an IPv6 one in an IPv4-only file).
        return null;
      }
      return countryCode(record);
    },
  };
}

/** `::ffff:203.0.113.9` (an IPv4 peer on a dual-stack socket) is looked up as `203.0.113.9`; junk is null. */
function normaliseIp(ip: string): string | null {
  const trimmed = ip.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed);
  const address = mapped ? mapped[1]! : trimmed;
  return isIP(address) ? address : null;
}

function countryCode(record: unknown): string | null {
  if (!record || typeof record !== "object") return null;
  const r = record as { country?: { iso_code?: unknown }; registered_country?: { iso_code?: unknown }; country_code?: unknown };
  // The country the address is in, else the one it is registered to (e.g. anycast and satellite ranges).
  const code = r.country?.iso_code ?? r.registered_country?.iso_code ?? r.country_code;
  return typeof code === "string" && /^[A-Za-z]{2}$/.test(code) ? code.toLowerCase() : null;
}
