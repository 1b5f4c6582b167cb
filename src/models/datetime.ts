/** Appwrite's wire datetime: ISO 8601 with milliseconds and a numeric offset; unset is "". */
export function formatDate(date: Date | null | undefined): string {
  if (!date) return "";
  // toISOString always ends in "Z"; slicing it off costs less than a search-and-replace, and a
  // model formats several dates per response.
  return `${date.toISOString().slice(0, -1)}+00:00`;
}
