//! Timestamps in interaction files: Unix seconds, or ISO-8601-like dates as data exports
//! write them. Parsed to seconds since the Unix epoch (UTC; a zone suffix other than `Z`
//! is rejected rather than guessed).

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `1700000000`, `2011-11-01`, `2011-11-01 08:26`, `2011-11-01T08:26:00Z` (and with
/// seconds) into Unix seconds.
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    if let Ok(seconds) = text.parse::<f64>() {
        if seconds.is_finite() {
            return Ok(seconds.floor() as i64);
        }
    }
    parse_datetime(text).ok_or_else(|| {
        format!("{text:?} is not a timestamp (use Unix seconds or YYYY-MM-DD[ HH:MM[:SS]])")
    })
}

fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, clock) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || date.len() != 10 {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if let Some(clock) = clock {
        let mut fields = clock.splitn(3, ':');
        let hour: i64 = fields.next()?.parse().ok()?;
        let minute: i64 = fields.next()?.parse().ok()?;
        let second: f64 = match fields.next() {
            Some(s) => s.parse().ok()?,
            None => 0.0,
        };
        if !(0..24).contains(&hour) || !(0..60).contains(&minute) || !(0.0..61.0).contains(&second)
        {
            return None;
        }
        seconds += hour * 3600 + minute * 60 + second as i64;
    }
    Some(seconds)
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
        assert_eq!(parse_timestamp("874965758"), Ok(874_965_758));
        assert!(parse_timestamp("2011-13-01").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("2011-11-01+02:00").is_err());
    }
}
