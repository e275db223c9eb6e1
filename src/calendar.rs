//! Working days: Saturdays and Sundays are off unless listed as make-up workdays (调休), and
//! official holidays are off. Owns the calendar's dates; knows nothing of time zones or times.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub holidays: BTreeSet<NaiveDate>,
    pub workdays: BTreeSet<NaiveDate>,
}

/// Why a day is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOff {
    Holiday,
    Weekend,
}

impl Calendar {
    /// `None` for a working day, else why the day is off.
    pub fn day_off(&self, date: NaiveDate) -> Option<DayOff> {
        if self.holidays.contains(&date) {
            return Some(DayOff::Holiday);
        }
        if self.workdays.contains(&date) {
            return None;
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => Some(DayOff::Weekend),
            _ => None,
        }
    }

    pub fn is_working(&self, date: NaiveDate) -> bool {
        self.day_off(date).is_none()
    }

    /// The last date the calendar knows anything about, to warn when it runs out.
    pub fn last_listed(&self) -> Option<NaiveDate> {
        let holiday = self.holidays.last().copied();
        let workday = self.workdays.last().copied();
        holiday.max(workday)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("test dates are valid")
    }

    #[test]
    fn weekends_holidays_and_make_up_days() {
        let calendar = Calendar {
            holidays: [date("2025-10-01"), date("2025-10-06")].into(),
            workdays: [date("2025-09-28")].into(),
        };
        assert_eq!(calendar.day_off(date("2025-09-27")), Some(DayOff::Weekend));
        assert_eq!(
            calendar.day_off(date("2025-09-28")),
            None,
            "a make-up Sunday is worked"
        );
        assert_eq!(calendar.day_off(date("2025-09-29")), None);
        assert_eq!(calendar.day_off(date("2025-10-01")), Some(DayOff::Holiday));
        assert_eq!(calendar.day_off(date("2025-10-06")), Some(DayOff::Holiday));
        assert_eq!(calendar.last_listed(), Some(date("2025-10-06")));
    }
}
