//! `ms.date` values as real articles carry them.

use chrono::NaiveDate;

/// Parses an article date: `MM/DD/YYYY`, `M/D/YYYY`, ISO `YYYY-MM-DD`, or a
/// bare spreadsheet serial number (days since 1899-12-30, so 45286 is
/// 12/26/2023) that a spreadsheet round-trip leaves in some real articles.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(serial) = text.parse::<u32>() {
        return from_serial(serial);
    }
    if let Some((m, rest)) = text.split_once('/') {
        let (d, y) = rest.split_once('/')?;
        return ymd(y, m, d);
    }
    let mut parts = text.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    // Timestamps such as 2023-04-07T10:00:00Z keep only their date.
    let d = d.split(['T', ' ']).next()?;
    if y.len() != 4 {
        return None;
    }
    ymd(y, m, d)
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let num = |s: &str, max_len: usize| -> Option<u32> {
        let s = s.trim();
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let year = num(y, 4)?;
    if !(1900..=9999).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, num(m, 2)?, num(d, 2)?)
}

fn from_serial(serial: u32) -> Option<NaiveDate> {
    // Spreadsheet serials for 1900-03-01 .. 9999-12-31; smaller numbers are
    // more likely a mistake than a date from 1900.
    if !(61..=2_958_465).contains(&serial) {
        return None;
    }
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    epoch.checked_add_days(chrono::Days::new(serial as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn forms_seen_in_real_articles() {
        assert_eq!(parse("04/07/2023"), d(2023, 4, 7));
        assert_eq!(parse("4/7/2023"), d(2023, 4, 7));
        assert_eq!(parse("12/26/2023"), d(2023, 12, 26));
        assert_eq!(parse("45286"), d(2023, 12, 26));
        assert_eq!(parse("2023-04-07"), d(2023, 4, 7));
        assert_eq!(parse(" 2023-04-07T08:00:00Z "), d(2023, 4, 7));
    }

    #[test]
    fn nonsense_is_none() {
        for bad in [
            "someday",
            "",
            "13/01/2023",
            "02/30/2023",
            "1/1/23",
            "12",
            "2023-4",
            "//",
            "1/1/0000",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
