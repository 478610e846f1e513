/**
 * Business minutes: the interval arithmetic agrees with a minute-by-minute walk of the wall clock
 * in the schedule's zone, for random schedules, zones, start times and durations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type BusinessHours, weekdays } from '../../../contracts/routing.ts';
import { addBusinessMinutes, businessMinutesBetween, isTimeZone, zoneOffset } from './hours.ts';

const MIN = 60_000;
const hm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** The end of the Nth open minute, walking one minute at a time. */
function walk(from: number, minutes: number, hours: BusinessHours): number {
  let t = from;
  let counted = 0;
  while (counted < minutes) {
    const wall = new Date(t + zoneOffset(t, hours.timeZone));
    const w = hours.days[weekdays[wall.getUTCDay()]!];
    const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
    t += MIN;
    if (
      w &&
      minute >= Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3)) &&
      minute < Number(w.end.slice(0, 2)) * 60 + Number(w.end.slice(3))
    )
      counted++;
  }
  return t;
}

// Windows between 08:00 and 20:00: daylight-saving changes (at night) never fall inside one.
const windowArb = fc.option(
  fc.tuple(fc.integer({ min: 16, max: 39 }), fc.integer({ min: 1, max: 8 })).map(([s, len]) => ({
    start: hm(s * 30),
    end: hm(Math.min(40, s + len) * 30),
  })),
  { nil: null, freq: 3 },
);
const hoursArb = fc
  .record({
    timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Sydney'),
    days: fc.record(
      Object.fromEntries(weekdays.map((d) => [d, windowArb])) as Record<
        (typeof weekdays)[number],
        typeof windowArb
      >,
    ),
  })
  .filter((h) => weekdays.some((d) => h.days[d] !== null));

const hoursArbSample = (): BusinessHours => ({
  timeZone: 'UTC',
  days: Object.fromEntries(
    weekdays.map((d) => [d, { start: '09:00', end: '17:00' }]),
  ) as BusinessHours['days'],
});

describe('business hours', () => {
  it('agrees with a minute-by-minute walk', () => {
    fc.assert(
      fc.property(
        hoursArb,
        fc.integer({ min: Date.UTC(2026, 0, 1) / MIN, max: Date.UTC(2027, 0, 1) / MIN }),
        fc.integer({ min: 1, max: 240 }),
        (hours, startMinute, minutes) => {
          const from = startMinute * MIN;
          assert.equal(
            addBusinessMinutes(from, minutes, hours as BusinessHours),
            walk(from, minutes, hours as BusinessHours),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts the business minutes between two instants as a minute-by-minute walk does', () => {
    /** Open minutes whose start lies in [from, to). */
    function count(from: number, to: number, hours: BusinessHours): number {
      let n = 0;
      for (let t = from; t + MIN <= to; t += MIN) {
        const wall = new Date(t + zoneOffset(t, hours.timeZone));
        const w = hours.days[weekdays[wall.getUTCDay()]!];
        const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
        if (
          w &&
          minute >= Number(w.start.slice(0, 2)) * 60 + Number(w.start.slice(3)) &&
          minute < Number(w.end.slice(0, 2)) * 60 + Number(w.end.slice(3))
        )
          n++;
      }
      return n;
    }
    fc.assert(
      fc.property(
        hoursArb,
        fc.integer({ min: Date.UTC(2026, 0, 1) / MIN, max: Date.UTC(2027, 0, 1) / MIN }),
        fc.integer({ min: 0, max: 6 * 24 * 60 }),
        (hours, startMinute, span) => {
          const from = startMinute * MIN;
          const h = hours as BusinessHours;
          assert.equal(businessMinutesBetween(from, from + span * MIN, h), count(from, from + span * MIN, h));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('undoes addBusinessMinutes: between(from, add(from, n)) is n', () => {
    fc.assert(
      fc.property(
        hoursArb,
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.integer({ min: 0, max: 3000 }),
        (hours, from, minutes) => {
          const h = hours as BusinessHours;
          assert.equal(businessMinutesBetween(from, addBusinessMinutes(from, minutes, h), h), minutes);
        },
      ),
      { numRuns: 200 },
    );
    assert.equal(businessMinutesBetween(5 * MIN, 2 * MIN, hoursArbSample()), 0);
  });

  it('counts every minute when no day is open, and knows zones', () => {
    const closed = {
      timeZone: 'UTC',
      days: Object.fromEntries(weekdays.map((d) => [d, null])),
    } as BusinessHours;
    assert.equal(addBusinessMinutes(0, 90, closed), 90 * MIN);
    assert.equal(isTimeZone('Europe/Berlin'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });

  it('skips the weekend and the night (Berlin, winter)', () => {
    const hours: BusinessHours = {
      timeZone: 'Europe/Berlin',
      days: {
        sun: null,
        mon: { start: '09:00', end: '17:00' },
        tue: null,
        wed: null,
        thu: null,
        fri: { start: '09:00', end: '17:00' },
        sat: null,
      },
    };
    // Friday 16:30 Berlin (15:30 UTC) + 60 business minutes = Monday 09:30 Berlin (08:30 UTC).
    assert.equal(
      new Date(addBusinessMinutes(Date.UTC(2026, 11, 4, 15, 30), 60, hours)).toISOString(),
      '2026-12-07T08:30:00.000Z',
    );
  });
});
