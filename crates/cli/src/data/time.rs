//! Timestamps in interaction files: Unix seconds (or milliseconds, when the caller says
//! so), or ISO-8601-like dates as data exports write them. Parsed to seconds since the Unix
//! epoch (UTC; a zone suffix other than `Z` is rejected rather than guessed).
//!
//! Calendar arithmetic is `chrono`'s: a date such as 2011-02-31 is an error, never
//! 2011-03-03.

use chrono::format::ParseErrorKind;
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// What a bare number in a timestamp column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeUnit {
    #[default]
    Seconds,
    Milliseconds,
}

/// Unix seconds at which a number read as seconds is no longer a plausible date (the year
/// 5138), and milliseconds below which one read as milliseconds is not either (March
/// 1973): numbers beyond are the other unit, and the reader says so instead of guessing.
const SECONDS_LIMIT: f64 = 1e11;

/// Parses `1700000000`, `2011-11-01`, `2011-11-01 08:26`, `2011-11-01T08:26:00Z` (and with
/// seconds, or fractional seconds) into Unix seconds.
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    parse_timestamp_in(text, TimeUnit::Seconds)
}

/// [`parse_timestamp`], with bare numbers counted in `unit`.
pub fn parse_timestamp_in(text: &str, unit: TimeUnit) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(number) = text.parse::<f64>() {
        if number.is_finite() {
            return from_number(text, number, unit);
        }
    }
    parse_datetime(text)
}

fn from_number(text: &str, number: f64, unit: TimeUnit) -> Result<i64, String> {
    match unit {
        TimeUnit::Seconds if number.abs() >= SECONDS_LIMIT => Err(format!(
            "{text} as Unix seconds is after the year 5000: it looks like milliseconds \
             (pass --time-unit ms)"
        )),
        TimeUnit::Seconds => Ok(number.floor() as i64),
        TimeUnit::Milliseconds if number.abs() < SECONDS_LIMIT => Err(format!(
            "{text} as Unix milliseconds is before March 1973: it looks like seconds (drop \
             --time-unit ms)"
        )),
        TimeUnit::Milliseconds => Ok((number / 1000.0).floor() as i64),
    }
}

/// The layouts accepted, most specific first (`%.f` also matches no fraction).
const DATETIME_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

fn parse_datetime(text: &str) -> Result<i64, String> {
    let bare = text.strip_suffix('Z').unwrap_or(text);
    let mut impossible = false;
    let mut note = |kind: ParseErrorKind| {
        impossible |= matches!(
            kind,
            ParseErrorKind::OutOfRange | ParseErrorKind::Impossible
        )
    };
    for format in DATETIME_FORMATS {
        match NaiveDateTime::parse_from_str(bare, format) {
            Ok(t) => return Ok(t.and_utc().timestamp()),
            Err(e) => note(e.kind()),
        }
    }
    match NaiveDate::parse_from_str(bare, "%Y-%m-%d") {
        Ok(d) => return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()),
        Err(e) => note(e.kind()),
    }
    if impossible {
        Err(format!("{text:?} is not a date on the calendar"))
    } else {
        Err(format!(
            "{text:?} is not a timestamp (use Unix seconds or YYYY-MM-DD[ HH:MM[:SS]])"
        ))
    }
}

/// A Unix time in seconds as `2026-12-04 18:05:00 UTC`, for people to read.
pub fn format_utc(seconds: i64) -> String {
    match DateTime::from_timestamp(seconds, 0) {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        None => format!("{seconds} (Unix seconds, out of the calendar's range)"),
    }
}

/// Now, in Unix seconds.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(parse_timestamp("1970-01-01"), Ok(0));
        assert_eq!(parse_timestamp("2011-11-01"), Ok(1_320_105_600));
        assert_eq!(parse_timestamp("2010-12-01 08:26"), Ok(1_291_191_960));
        assert_eq!(parse_timestamp("2010-12-01T08:26:00Z"), Ok(1_291_191_960));
        assert_eq!(
            parse_timestamp("2010-12-01 08:26:00.750"),
            Ok(1_291_191_960)
        );
        assert_eq!(parse_timestamp("874965758"), Ok(874_965_758));
        assert!(parse_timestamp("2011-13-01").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("2011-11-01+02:00").is_err());
    }

    #[test]
    fn impossible_calendar_dates_are_refused() {
        for text in [
            "2011-02-31",
            "2011-02-29",
            "2011-04-31 10:00",
            "2012-02-30T00:00:00Z",
        ] {
            let error = parse_timestamp(text).unwrap_err();
            assert!(
                error.contains("not a date on the calendar"),
                "{text}: {error}"
            );
        }
        // A leap day is a real date.
        assert_eq!(parse_timestamp("2012-02-29"), Ok(1_330_473_600));
    }

    #[test]
    fn milliseconds_are_never_read_as_seconds() {
        let error = parse_timestamp("1320105600000").unwrap_err();
        assert!(error.contains("--time-unit ms"), "{error}");
        assert_eq!(
            parse_timestamp_in("1320105600000", TimeUnit::Milliseconds),
            Ok(1_320_105_600)
        );
        let error = parse_timestamp_in("1320105600", TimeUnit::Milliseconds).unwrap_err();
        assert!(error.contains("looks like seconds"), "{error}");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_utc(1_796_391_415), "2026-12-04 13:36:55 UTC");
    }
}
