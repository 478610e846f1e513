/**
 * Business hours: a weekly schedule in one IANA time zone. An SLA of N business minutes counts
 * only the minutes inside the schedule's open windows (wall-clock time of the zone). A schedule
 * with no open day counts every minute.
 */
import { type BusinessHours, weekdays } from '../../../contracts/routing.ts';

const DAY = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** True when the zone is one Intl knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms (wall clock = instant + offset). */
export function zoneOffset(at: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(at)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (at - (at % 1000));
}

const minutesOf = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/** The instant N business minutes after `from`. */
export function addBusinessMinutes(from: number, minutes: number, hours: BusinessHours): number {
  const windows = weekdays.map((d) => {
    const w = hours.days[d];
    return w && minutesOf(w.end) > minutesOf(w.start)
      ? { start: minutesOf(w.start) * 60_000, end: minutesOf(w.end) * 60_000 }
      : null;
  });
  if (windows.every((w) => w === null)) return from + minutes * 60_000;
  let wall = from + zoneOffset(from, hours.timeZone);
  let remaining = minutes * 60_000;
  for (let guard = 0; guard < 10_000; guard++) {
    const dayStart = Math.floor(wall / DAY) * DAY;
    const w = windows[new Date(dayStart).getUTCDay()];
    if (w) {
      if (wall < dayStart + w.start) wall = dayStart + w.start;
      if (wall < dayStart + w.end) {
        const open = dayStart + w.end - wall;
        if (remaining <= open) {
          const target = wall + remaining;
          // Back from wall-clock time to an instant (twice: the offset may differ across a DST change).
          const guess = target - zoneOffset(target, hours.timeZone);
          return target - zoneOffset(guess, hours.timeZone);
        }
        remaining -= open;
      }
    }
    wall = dayStart + DAY;
  }
  return from + minutes * 60_000;
}

/**
 * Whole business minutes between two instants (0 when `to` is not after `from`): the open time of
 * the schedule's windows that falls in between, counted on the zone's wall clock like
 * addBusinessMinutes, so that between(from, addBusinessMinutes(from, n)) is n.
 */
export function businessMinutesBetween(from: number, to: number, hours: BusinessHours): number {
  if (!(to > from)) return 0;
  const windows = weekdays.map((d) => {
    const w = hours.days[d];
    return w && minutesOf(w.end) > minutesOf(w.start)
      ? { start: minutesOf(w.start) * 60_000, end: minutesOf(w.end) * 60_000 }
      : null;
  });
  if (windows.every((w) => w === null)) return Math.floor((to - from) / 60_000);
  const start = from + zoneOffset(from, hours.timeZone);
  const end = to + zoneOffset(to, hours.timeZone);
  let open = 0;
  for (let day = Math.floor(start / DAY) * DAY; day < end; day += DAY) {
    const w = windows[new Date(day).getUTCDay()];
    if (!w) continue;
    const a = Math.max(start, day + w.start);
    const b = Math.min(end, day + w.end);
    if (b > a) open += b - a;
  }
  return Math.floor(open / 60_000);
}
