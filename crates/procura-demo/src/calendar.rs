//! Calendar arithmetic the generators share: months as their first day, random days in a
//! range, and the Excel serial of a date. Every model compares dates by day, so nothing here
//! knows about times except [`at_time`].

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The fixed reference date of every demo: the models' "today".
pub(crate) const AS_OF: NaiveDate = date(2025, 6, 30);

/// A date from constant parts. Used only with literal, valid dates, so that an impossible date
/// fails at compile time in a `const` and loudly in a test otherwise.
pub(crate) const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid literal date"),
    }
}

/// `day` shifted by `days` (negative moves back).
pub(crate) fn add_days(day: NaiveDate, days: i64) -> NaiveDate {
    day + Duration::days(days)
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The first day of the month `day` falls in.
pub(crate) fn month_of(day: NaiveDate) -> NaiveDate {
    add_days(day, -i64::from(day.day0()))
}

/// The first day of the month `months` after the month of `day` (negative moves back).
pub(crate) fn add_months(day: NaiveDate, months: i32) -> NaiveDate {
    let index = day.year() * 12 + day.month0() as i32 + months;
    let month = index.rem_euclid(12) as u32 + 1;
    date_or_clamp(index.div_euclid(12), month, 1)
}

/// `day` plus whole calendar months, keeping the day of the month where it exists (the end of
/// a probation term: 2024-01-31 plus one month is 2024-02-29).
pub(crate) fn add_months_keep_day(day: NaiveDate, months: i32) -> NaiveDate {
    let first = add_months(day, months);
    date_or_clamp(first.year(), first.month(), day.day())
}

/// Builds a date, moving an impossible day (the 31st of a 30-day month) back to the last day
/// of that month.
fn date_or_clamp(year: i32, month: u32, day: u32) -> NaiveDate {
    (1..=day)
        .rev()
        .find_map(|d| NaiveDate::from_ymd_opt(year, month, d))
        .unwrap_or(NaiveDate::MIN)
}

/// The first days of every month from the month of `from` to the month of `to`, inclusive.
pub(crate) fn months(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut month = month_of(from);
    while month <= to {
        out.push(month);
        month = add_months(month, 1);
    }
    out
}

/// A uniformly random day in `[from, to]`. Returns `from` when the range is empty, so that a
/// caller's off-by-one shows up as a fixed date rather than a panic.
pub(crate) fn random_day(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = days_between(from, to);
    if span <= 0 {
        return from;
    }
    add_days(from, rng.random_range(0..=span))
}

/// `day` at a random time of day.
pub(crate) fn at_random_time(rng: &mut ChaCha8Rng, day: NaiveDate) -> NaiveDateTime {
    let seconds: u32 = rng.random_range(0..86_400);
    at_time(day, seconds - seconds % 60)
}

/// A random moment on a random day in `[from, to]`.
pub(crate) fn random_moment(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDateTime {
    let day = random_day(rng, from, to);
    at_random_time(rng, day)
}

/// `day` at `seconds` after midnight.
pub(crate) fn at_time(day: NaiveDate, seconds: u32) -> NaiveDateTime {
    let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds % 86_400, 0)
        .unwrap_or(NaiveTime::MIN);
    day.and_time(time)
}

/// The Excel (1900 system) serial number of a date after 1900-02-28.
pub(crate) fn excel_serial(day: NaiveDate) -> f64 {
    days_between(date(1899, 12, 30), day) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_arithmetic() {
        assert_eq!(add_months(date(2024, 12, 15), 1), date(2025, 1, 1));
        assert_eq!(add_months(date(2024, 1, 31), -1), date(2023, 12, 1));
        assert_eq!(add_months_keep_day(date(2024, 1, 31), 1), date(2024, 2, 29));
        assert_eq!(months(date(2023, 7, 9), date(2023, 9, 1)).len(), 3);
        assert_eq!(excel_serial(date(2024, 3, 5)), 45356.0);
    }
}
