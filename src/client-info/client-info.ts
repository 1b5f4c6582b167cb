import type { ClientInfo } from "../ports/store";
import type { Geo } from "../ports/geo";
import { parseUserAgent } from "./user-agent";

/**
 * Device and country fields for sessions and logs: os/client/device parsed from the user agent
 * (./user-agent.ts), the country from the `Geo` port.
 */
export async function clientInfo(geo: Geo | null, request: { ip?: string; userAgent?: string }): Promise<ClientInfo> {
  let country: string | null = null;
  if (geo && request.ip) {
    try {
      country = await geo.country(request.ip);
    } catch {
      // A failing GeoIP lookup must not block a login: the country is then unknown.
      country = null;
    }
  }
  return {
    ...parseUserAgent(request.userAgent ?? "UNKNOWN"),
    countryCode: country ? country.toLowerCase() : "--",
  };
}
