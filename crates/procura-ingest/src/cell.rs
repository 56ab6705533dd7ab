//! One raw cell and one raw row, as a reader delivers them before any mapping.

use chrono::{NaiveDateTime, Timelike};

/// A cell as the source holds it. CSV and JSON strings are [`Cell::Text`]; spreadsheets also
/// have numbers and date cells.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value.
    Empty,
    /// Text.
    Text(String),
    /// A number cell (spreadsheets, JSON numbers).
    Number(f64),
    /// A date cell, already converted from the workbook's serial with its date system.
    DateTime(NaiveDateTime),
    /// A boolean cell.
    Bool(bool),
}

impl Cell {
    /// True for empty cells and cells holding only invisible characters.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.chars().all(procura_core::text::is_invisible),
            _ => false,
        }
    }

    /// The cell as text, the way a spreadsheet would display it. Numbers of 16 or more
    /// integral digits are shown as Excel shows them (`1.10101199003071E+17`), because that is
    /// all the precision they still have.
    pub fn to_text(&self) -> String {
        self.as_text().into_owned()
    }

    /// [`Cell::to_text`] without copying text cells.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Text(text) => Cow::Borrowed(text),
            other => Cow::Owned(other.render()),
        }
    }

    fn render(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Number(number) => render_number(*number),
            Cell::DateTime(datetime) => {
                if datetime.time().num_seconds_from_midnight() == 0 && datetime.nanosecond() == 0 {
                    datetime.format("%Y-%m-%d").to_string()
                } else {
                    datetime.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
            Cell::Bool(value) => if *value { "TRUE" } else { "FALSE" }.to_owned(),
        }
    }
}

/// Renders a spreadsheet number like Excel's General format: integers as integers while they
/// are exact (below 10^15), larger ones in scientific notation with 15 significant digits.
pub fn render_number(number: f64) -> String {
    if !number.is_finite() {
        return number.to_string();
    }
    if number.fract() == 0.0 && number.abs() < 1e15 {
        return format!("{number:.0}");
    }
    if number.abs() >= 1e15 {
        let formatted = format!("{number:.14E}");
        // `1.10101199003071E17` → trim trailing zeros of the mantissa, Excel's `E+17`.
        if let Some((mantissa, exponent)) = formatted.split_once('E') {
            let mantissa = if mantissa.contains('.') {
                mantissa.trim_end_matches('0').trim_end_matches('.')
            } else {
                mantissa
            };
            let exponent = exponent.trim_start_matches('+');
            let sign = if exponent.starts_with('-') { "" } else { "+" };
            return format!("{mantissa}E{sign}{exponent}");
        }
        return formatted;
    }
    number.to_string()
}

/// A row of cells with the row number the user sees (CSV line, Excel row).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// 1-based line (CSV) or row (spreadsheet) number.
    pub row: u64,
    /// The cells, left to right.
    pub cells: Vec<Cell>,
}

impl RawRow {
    /// True when every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }

    /// Number of non-blank cells.
    pub fn filled(&self) -> usize {
        self.cells.iter().filter(|cell| !cell.is_blank()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_numbers_render_like_excel() {
        assert_eq!(render_number(110101199003071234.0), "1.10101199003071E+17");
        assert_eq!(render_number(440308199901101512.0), "4.40308199901102E+17");
        assert_eq!(render_number(610104620927690.0), "610104620927690");
        assert_eq!(render_number(12.5), "12.5");
        assert_eq!(render_number(8000.0), "8000");
    }

    #[test]
    fn date_cells_render_as_iso_dates() {
        let date = chrono::NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_eq!(Cell::DateTime(date.into()).to_text(), "2024-03-05");
    }
}
