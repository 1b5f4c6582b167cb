/**
 * One `Intl.DisplayNames` per language (and region) asked for. The locale comes from the client
 * (`X-Appwrite-Locale`, `?locale=`), so the cache is keyed by the tag's language and region only,
 * and holds at most `MAX_CACHED` of them: a client sending ever new tags makes the server build a
 * formatter per request, never hold more memory.
 */
const namesByLocale = new Map<string, Intl.DisplayNames>();
const MAX_CACHED = 64;

function languageAndRegion(locale: string): string {
  try {
    const parsed = new Intl.Locale(locale);
    return parsed.region ? `${parsed.language}-${parsed.region}` : parsed.language;
  } catch {
    return "en";
  }
}

function displayNames(locale: string): Intl.DisplayNames {
  const key = languageAndRegion(locale);
  const cached = namesByLocale.get(key);
  if (cached) return cached;
  let names: Intl.DisplayNames;
  try {
    names = new Intl.DisplayNames([key], { type: "region", fallback: "none" });
  } catch {
    names = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
  }
  if (namesByLocale.size < MAX_CACHED) namesByLocale.set(key, names);
  return names;
}

/** Localised country name for a lowercase alpha-2 code; "Unknown" for "--" or an unknown code. */
export function countryName(code: string, locale = "en"): string {
  if (!/^[a-z]{2}$/.test(code)) return "Unknown";
  return displayNames(locale).of(code.toUpperCase()) ?? "Unknown";
}

/** How many formatters are cached (for the bound's test). */
export function cachedLocaleCount(): number {
  return namesByLocale.size;
}
