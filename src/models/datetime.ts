/** Appwrite's wire datetime: ISO 8601 with milliseconds and a numeric offset; unset is "". */
export function formatDate(date: Date | null | undefined): string {
  if (!date) return "";
  return date.toISOString().replace("Z", "+00:00");
}
