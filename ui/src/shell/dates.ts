// Converting between the form's LOCAL date/time inputs and UTC RFC 3339 instants.
// A date without a time means the end of that local day (23:59:59 local).

export class DateInputError extends Error {
  constructor(
    message: string,
    readonly field: "date" | "time",
  ) {
    super(message);
  }
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** RFC 3339 UTC without fractional seconds: 2026-12-31T22:59:59Z. */
export function toRfc3339(d: Date): string {
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`
  );
}

/**
 * The form's expiry as a UTC instant, or `undefined` when both inputs are empty.
 * `date` is `YYYY-MM-DD` and `time` is `HH:MM` or `HH:MM:SS`, both in local time.
 * Throws DateInputError with a message for the user when the inputs make no sense.
 */
export function localExpiryToUtc(date: string, time: string): string | undefined {
  const ds = date.trim();
  const ts = time.trim();
  if (!ds && !ts) return undefined;
  if (!ds) throw new DateInputError("Pick a date for the expiry, or clear the time.", "date");
  const dm = DATE_RE.exec(ds);
  if (!dm) throw new DateInputError("Enter the expiry date as YYYY-MM-DD.", "date");
  const [y, mo, d] = [Number(dm[1]), Number(dm[2]), Number(dm[3])];
  let hh = 23;
  let mm = 59;
  let ss = 59;
  if (ts) {
    const tm = TIME_RE.exec(ts);
    if (!tm) throw new DateInputError("Enter the expiry time as HH:MM.", "time");
    [hh, mm, ss] = [Number(tm[1]), Number(tm[2]), tm[3] ? Number(tm[3]) : 0];
    if (hh > 23 || mm > 59 || ss > 59) throw new DateInputError("Enter the expiry time as HH:MM.", "time");
  }
  // Times skipped by a daylight-saving change are moved forward by the Date constructor.
  const local = new Date(y, mo - 1, d, hh, mm, ss, 0);
  if (y < 100) local.setFullYear(y, mo - 1, d);
  if (local.getFullYear() !== y || local.getMonth() !== mo - 1 || local.getDate() !== d) {
    throw new DateInputError(`${ds} is not a date in the calendar.`, "date");
  }
  return toRfc3339(local);
}

/** The inverse, for pre-filling the edit form: a UTC instant as local inputs. */
export function utcToLocalInputs(iso: string | undefined): { date: string; time: string } {
  if (!iso) return { date: "", time: "" };
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { date: "", time: "" };
  const date = `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const [h, m, s] = [d.getHours(), d.getMinutes(), d.getSeconds()];
  if (h === 23 && m === 59 && s === 59) return { date, time: "" };
  return { date, time: s ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(h)}:${pad(m)}` };
}

/** A timestamp shown to the user in their locale and zone. */
export function localString(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}
