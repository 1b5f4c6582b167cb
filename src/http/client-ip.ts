import { IPV4_MAPPED_PATTERN } from "../validation/patterns";

/**
 * The client IP: the socket peer, unless the peer is a trusted proxy, in which case the
 * `X-Forwarded-For` chain is walked from the right past every trusted proxy. A client cannot
 * choose its IP by sending the header itself.
 */
export function clientIp(peer: string | undefined, forwardedFor: string | null, trustedProxies: readonly string[]): string {
  const socketIp = normalise(peer ?? "");
  if (!forwardedFor || !trustedProxies.includes(socketIp)) return socketIp;
  const hops = forwardedFor
    .split(",")
    .map((s) => normalise(s.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (!trustedProxies.includes(hop)) return hop;
  }
  return hops[0] ?? socketIp;
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is reported as `127.0.0.1`. */
export function normalise(ip: string): string {
  return IPV4_MAPPED_PATTERN.exec(ip)?.[1] ?? ip;
}
