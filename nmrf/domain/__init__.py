"""Pure domain logic: rules, dates, planning, inventory. No I/O, `today` passed in."""
