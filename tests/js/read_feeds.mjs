// Read iCalendar feeds with ical.js (Mozilla Thunderbird's parser) and print
// what it understood as JSON: one entry per file given on the command line.
// Instants are given in UTC milliseconds so that the Python tests compare
// instants, never strings; dates stay dates; floating times are flagged.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function when(time) {
  if (!time) return null;
  if (time.isDate) return { date: time.toString() };
  const zone = time.zone ? time.zone.tzid : null;
  if (zone === "floating") return { floating: time.toString() };
  return { utc_ms: time.toUnixTime() * 1000 };
}

function readOne(path) {
  const text = readFileSync(path, "utf8");
  const cal = new ICAL.Component(ICAL.parse(text));
  // Register the feed's own VTIMEZONEs, as Thunderbird does, so a TZID is
  // read with the rules the feed wrote (and a wrong VTIMEZONE shows up).
  for (const tz of cal.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(tz);
  }
  const events = cal.getAllSubcomponents("vevent").map((vevent) => {
    const ev = new ICAL.Event(vevent);
    const stamp = vevent.getFirstPropertyValue("dtstamp");
    const modified = vevent.getFirstPropertyValue("last-modified");
    // A recurring event: every occurrence's start (EXDATEs left out by ical.js itself),
    // up to the end of 2031, as Thunderbird would show them.
    let occurrences = null;
    if (ev.isRecurring()) {
      occurrences = [];
      const it = ev.iterator();
      let next;
      while ((next = it.next()) && occurrences.length < 500) {
        const details = ev.getOccurrenceDetails(next);
        if (details.startDate.year > 2031) break;
        occurrences.push(details.startDate.toUnixTime() * 1000);
      }
    }
    return {
      occurrences,
      uid: ev.uid,
      summary: ev.summary,
      description: ev.description,
      status: vevent.getFirstPropertyValue("status"),
      transp: vevent.getFirstPropertyValue("transp"),
      sequence: ev.sequence,
      start: when(ev.startDate),
      end: when(ev.endDate),
      dtstamp: when(stamp),
      last_modified: when(modified),
    };
  });
  const props = {};
  for (const name of ["version", "prodid", "calscale", "method", "x-wr-calname", "name",
                      "refresh-interval", "x-published-ttl"]) {
    const value = cal.getFirstPropertyValue(name);
    props[name] = value === null ? null : value.toString();
  }
  return { props, events };
}

const out = {};
for (const path of process.argv.slice(2)) {
  try {
    out[path] = readOne(path);
  } catch (err) {
    out[path] = { error: String(err) };
  }
}
process.stdout.write(JSON.stringify(out));
