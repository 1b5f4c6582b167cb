/** Appwrite's wire datetime: ISO 8601 with milliseconds and a numeric offset; unset is "". */
export function formatDate(date: Date | null | undefined): string {
  if (!date) return "";
  const ms = date.getTime();
  // Years 1970–9999, i.e. every timestamp a server writes: arithmetic instead of toISOString,
  // which took a fifth of the in-process cost of GET /account (a model formats several dates);
  // test/core/datetime.test.ts checks it against toISOString over the whole range.
  if (ms >= 0 && ms < YEAR_10000) return formatUtc(ms);
  return `${date.toISOString().slice(0, -1)}+00:00`;
}

const DAY_MS = 86_400_000;
const YEAR_10000 = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** `YYYY-MM-DDTHH:MM:SS.mmm+00:00` of a non-negative epoch millisecond count below year 10000. */
function formatUtc(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  // Days since 1970-01-01 to a proleptic Gregorian date, by 400-year eras starting in March (so
  // the leap day ends a year): the integer algorithm known as "civil from days".
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}+00:00`;
}
