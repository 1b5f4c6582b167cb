export interface Geo {
  /** Lowercase ISO alpha-2 country code of an IP, or null when unknown. */
  country(ip: string): string | null | Promise<string | null>;
}
