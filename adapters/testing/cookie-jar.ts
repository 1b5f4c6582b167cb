/**
 * A browser's cookie store, small: one host (the test API), cookies by name, `Max-Age`/`Expires`
 * judged on the test clock (the service sets them from it), `Path` and `Domain` ignored. The
 * session cookies the handler sets (`a_session_<project>` and its `_legacy` twin, the OAuth2 state
 * cookies) are all host-only, `path=/`.
 */
export interface CookieJar {
  /** Cookie name → value, as the jar holds them now (expired ones dropped). */
  readonly cookies: ReadonlyMap<string, string>;
  /** The `Cookie` request header, or null when the jar is empty. */
  header(): string | null;
  /** Takes the `Set-Cookie` headers of a response. */
  store(setCookies: readonly string[]): void;
  set(name: string, value: string): void;
  clear(): void;
}

export function cookieJar(now: () => number): CookieJar {
  const jar = new Map<string, { value: string; expires: number }>();
  const live = () => {
    const at = now();
    for (const [name, cookie] of jar) if (cookie.expires <= at) jar.delete(name);
    return jar;
  };
  return {
    get cookies() {
      return new Map([...live()].map(([name, cookie]) => [name, cookie.value]));
    },
    header() {
      const pairs = [...live()].map(([name, cookie]) => `${name}=${cookie.value}`);
      return pairs.length ? pairs.join("; ") : null;
    },
    store(setCookies) {
      for (const line of setCookies) {
        const [pair = "", ...attributes] = line.split(";");
        const eq = pair.indexOf("=");
        if (eq <= 0) continue;
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        let expires = Infinity;
        for (const attribute of attributes) {
          const [key = "", raw = ""] = attribute.split("=", 2).map((part) => part.trim());
          // Max-Age wins over Expires, as in browsers.
          if (/^max-age$/i.test(key)) expires = now() + Number(raw) * 1000;
          else if (/^expires$/i.test(key) && expires === Infinity) expires = Date.parse(raw);
        }
        if (!(expires > now())) jar.delete(name);
        else jar.set(name, { value, expires });
      }
    },
    set(name, value) {
      jar.set(name, { value, expires: Infinity });
    },
    clear() {
      jar.clear();
    },
  };
}
