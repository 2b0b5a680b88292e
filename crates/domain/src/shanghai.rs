//! Asia/Shanghai time. Times are stored in UTC and shown, bucketed and compared by calendar day in
//! Shanghai. China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact for every
//! date the platform handles and no time-zone database is needed.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Offset, TimeZone, Utc};

const OFFSET_SECONDS: i32 = 8 * 3600;

/// UTC+8.
#[must_use]
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECONDS).unwrap_or_else(|| Utc.fix())
}

/// The Shanghai calendar day of an instant.
#[must_use]
pub fn date_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&offset()).date_naive()
}

/// Today's calendar day in Shanghai (and so in Tianjin): the day validity windows and ages are judged on.
#[must_use]
pub fn today() -> NaiveDate {
    date_of(Utc::now())
}

/// The UTC instant Shanghai day `day` begins (16:00 UTC the day before).
#[must_use]
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)) - chrono::Duration::seconds(i64::from(OFFSET_SECONDS))
}

/// Shanghai wall-clock time to the minute, `2026-11-22 09:30`.
#[must_use]
pub fn minute_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&offset()).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_sixteen_hundred_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default();
        assert_eq!(day_start(day).to_rfc3339(), "2026-11-21T16:00:00+00:00");
        assert_eq!(date_of(day_start(day)), day);
        assert_eq!(date_of(day_start(day) - chrono::Duration::seconds(1)), day.pred_opt().unwrap_or_default());
        assert_eq!(minute_text(day_start(day) + chrono::Duration::minutes(90)), "2026-11-22 01:30");
    }
}
