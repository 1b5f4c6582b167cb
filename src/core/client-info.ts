import type { ClientInfo } from "../ports/store";
import type { RequestContext } from "./context";
import type { Deps } from "./deps";

/**
 * Device and country fields for sessions and logs. The country comes from the `Geo` port;
 * user-agent parsing into os/client/device fields is not done yet, so those stay "".
 */
export async function clientInfo(deps: Deps, ctx: RequestContext): Promise<ClientInfo> {
  const country = deps.geo && ctx.ip ? await deps.geo.country(ctx.ip) : null;
  return {
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
    countryCode: country ?? "--",
  };
}
