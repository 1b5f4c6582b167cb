import type { ClientInfo } from "../ports/store";
import type { RequestContext } from "./context";
import type { Deps } from "./deps";
import { parseUserAgent } from "./user-agent";

/**
 * Device and country fields for sessions and logs: os/client/device parsed from the user agent
 * (see ./user-agent), the country from the `Geo` port.
 */
export async function clientInfo(deps: Deps, ctx: RequestContext): Promise<ClientInfo> {
  let country: string | null = null;
  if (deps.geo && ctx.ip) {
    try {
      country = await deps.geo.country(ctx.ip);
    } catch {
      // A failing GeoIP lookup must not block a login: the country is then unknown.
      country = null;
    }
  }
  return {
    ...parseUserAgent(ctx.userAgent ?? "UNKNOWN"),
    countryCode: country ? country.toLowerCase() : "--",
  };
}
