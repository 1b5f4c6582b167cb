/** Cookies per host, as a browser keeps them. */
export type CookieJar = Map<string, Map<string, string>>;

/**
 * Follows redirects by hand like a browser would, until one points at `stopAt` (the app, not fetchable).
 * Cookies are kept per host (the provider's login cookies, Gatehouse's session cookie).
 */
export async function followRedirects(url: string, stopAt: string, jar: CookieJar = new Map(), before?: (url: URL) => URL) {
  let current = new URL(url);
  const hops: Array<{ url: string; status: number; headers: Headers }> = [];
  for (let i = 0; i < 15; i++) {
    if (current.href.startsWith(stopAt)) return { final: current, hops, jar };
    if (before) current = before(current);
    const cookies = jar.get(current.host) ?? new Map<string, string>();
    const response = await fetch(current, {
      redirect: "manual",
      headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {},
    });
    hops.push({ url: current.href, status: response.status, headers: response.headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value && !/expires=Thu, 01 Jan 1970/i.test(line)) cookies.set(name, value);
      else cookies.delete(name);
    }
    jar.set(current.host, cookies);
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location)
      return { final: null, hops, jar, response, body: await response.text() };
    current = new URL(location, current);
  }
  throw new Error("too many redirects");
}
