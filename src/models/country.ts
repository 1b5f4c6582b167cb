const namesByLocale = new Map<string, Intl.DisplayNames>();

/** Localised country name for a lowercase alpha-2 code; "Unknown" for "--" or an unknown code. */
export function countryName(code: string, locale = "en"): string {
  if (!/^[a-z]{2}$/.test(code)) return "Unknown";
  let names = namesByLocale.get(locale);
  if (!names) {
    try {
      names = new Intl.DisplayNames([locale], { type: "region", fallback: "none" });
    } catch {
      names = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
    }
    namesByLocale.set(locale, names);
  }
  return names.of(code.toUpperCase()) ?? "Unknown";
}
