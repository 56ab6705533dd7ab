//! Finding the real header row of a sheet or a CSV file: agency exports put titles, units,
//! "填报单位" lines and blank rows above it, and split headers over two rows with merged
//! parent cells.
//!
//! Each of the first rows is scored: cells that the header dictionary recognises count most,
//! other short text cells count, numbers, dates and ID numbers count against (they are data).
//! A candidate must fill at least half of the width of the rows below it, which rules out
//! one-cell title rows. Blank header cells take the text of the row above (a parent cell
//! merged over two rows, such as `序号`), or else a generic `列N` name.

use procura_core::field;
use procura_core::location::Location;

use crate::cell::{Cell, RawRow};
use crate::error::{Error, Result};

/// How many leading non-blank rows are considered.
pub const SCAN_ROWS: usize = 30;

/// The header that was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Column names, left to right; blanks filled, duplicates made unique.
    pub names: Vec<String>,
    /// The row number (as the user sees it) of the header; 0 when the format carries its
    /// header outside the rows (JSON keys, Parquet schema).
    pub row: u64,
    /// Rows above the header that were skipped (titles, notes).
    pub title_rows: Vec<u64>,
}

/// Detects the header among the first rows of a unit.
pub fn detect(sample: &[RawRow], display: &str) -> Result<Header> {
    let rows: Vec<&RawRow> = sample.iter().filter(|row| !row.is_blank()).collect();
    let no_header = || Error::NoHeader {
        location: Location::file(display),
        scanned: rows.len(),
    };
    let mut best: Option<(usize, i64)> = None;
    for (index, row) in rows.iter().enumerate().take(SCAN_ROWS) {
        let below: Vec<usize> = rows[index + 1..]
            .iter()
            .take(10)
            .map(|row| row.filled())
            .collect();
        let data_width = mode(&below).unwrap_or(0);
        let filled = row.filled();
        let texts = row.cells.iter().filter(|cell| is_header_like(cell)).count();
        let recognised = row
            .cells
            .iter()
            .filter(|cell| match cell {
                Cell::Text(text) => field::recognise_header(text).recognised,
                _ => false,
            })
            .count();
        let data_like = filled - texts;
        let wide_enough = filled * 2 >= data_width.max(1);
        let mostly_text = texts * 2 > filled || (texts >= 1 && filled == 1);
        if !(wide_enough && mostly_text) {
            continue;
        }
        let score = recognised as i64 * 4 + texts as i64 - data_like as i64 * 3;
        if best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((index, score));
        }
    }
    let (index, _) = best.ok_or_else(no_header)?;
    let header = rows[index];
    let above = index.checked_sub(1).map(|i| rows[i]);
    // The header (and a merged parent row above it) defines the columns; data cells to the
    // right of them are row faults, not new columns.
    let parent_width = above
        .filter(|above| above.filled() >= 2)
        .and_then(last_filled)
        .map_or(0, |i| i + 1);
    let width = last_filled(header).map_or(0, |i| i + 1).max(parent_width);
    let mut names = Vec::with_capacity(width);
    for column in 0..width {
        let own = header.cells.get(column).filter(|cell| !cell.is_blank());
        let parent = above
            .filter(|above| above.filled() >= 2)
            .and_then(|above| above.cells.get(column))
            .filter(|cell| !cell.is_blank());
        let name = match (own, parent) {
            (Some(cell), _) => clean_name(&cell.to_text()),
            (None, Some(cell)) => clean_name(&cell.to_text()),
            (None, None) => String::new(),
        };
        names.push(if name.is_empty() {
            format!("列{}", column + 1)
        } else {
            name
        });
    }
    Ok(Header {
        names: make_unique(names),
        row: header.row,
        title_rows: rows[..index].iter().map(|row| row.row).collect(),
    })
}

/// A header that came with the format (JSON keys, Parquet schema).
pub fn explicit(names: Vec<String>) -> Header {
    Header {
        names: make_unique(names.into_iter().map(|n| clean_name(&n)).collect()),
        row: 0,
        title_rows: Vec::new(),
    }
}

fn clean_name(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `a, a, b` → `a, a_2, b`.
pub fn make_unique(names: Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mut candidate = name.clone();
        let mut n = 2;
        while seen.contains(&candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        seen.push(candidate);
    }
    seen
}

fn last_filled(row: &RawRow) -> Option<usize> {
    row.cells.iter().rposition(|cell| !cell.is_blank())
}

fn mode(values: &[usize]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for value in values {
        let count = values.iter().filter(|v| *v == value).count();
        if best.is_none_or(|(best_value, best_count)| {
            count > best_count || (count == best_count && *value > best_value)
        }) {
            best = Some((*value, count));
        }
    }
    best.map(|(value, _)| value)
}

/// A cell that could be a column title: short text that is not a number, a date or an ID.
fn is_header_like(cell: &Cell) -> bool {
    let Cell::Text(text) = cell else {
        return false;
    };
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 40 {
        return false;
    }
    let compact = procura_core::text::compact(text);
    let digits = compact.chars().filter(char::is_ascii_digit).count();
    // Numbers, dates, ID numbers and amounts are mostly digits.
    digits * 2 < compact.chars().count().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(number: u64, cells: &[&str]) -> RawRow {
        RawRow {
            row: number,
            cells: cells
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text((*c).to_owned())
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn plain_header_in_first_row() {
        let header = detect(
            &[
                row(1, &["姓名", "身份证号", "金额"]),
                row(2, &["张三", "110101199003071234", "100"]),
            ],
            "a.csv",
        )
        .unwrap();
        assert_eq!(header.names, ["姓名", "身份证号", "金额"]);
        assert_eq!(header.row, 1);
        assert!(header.title_rows.is_empty());
    }

    #[test]
    fn title_and_note_rows_are_skipped() {
        let header = detect(
            &[
                row(1, &["某县公安局交通违法处罚信息（2023年）", "", "", ""]),
                row(2, &["填报单位：交警大队", "", "填报日期：2024年1月5日", ""]),
                row(3, &[]),
                row(4, &["序号", "姓名", "身份证号", "处罚日期"]),
                row(5, &["1", "张三", "110101199003071234", "2023-05-01"]),
                row(6, &["2", "李四", "110101199003071234", "2023-05-02"]),
            ],
            "a.xlsx",
        )
        .unwrap();
        assert_eq!(header.row, 4);
        assert_eq!(header.title_rows, [1, 2]);
        assert_eq!(header.names, ["序号", "姓名", "身份证号", "处罚日期"]);
    }

    #[test]
    fn two_row_header_with_merged_parents() {
        let header = detect(
            &[
                row(1, &["序号", "当事人信息", "", "处罚信息", ""]),
                row(2, &["", "姓名", "身份证号", "处罚日期", "罚款金额"]),
                row(3, &["1", "张三", "110101199003071234", "2023-05-01", "200"]),
            ],
            "a.xlsx",
        )
        .unwrap();
        assert_eq!(header.row, 2);
        assert_eq!(
            header.names,
            ["序号", "姓名", "身份证号", "处罚日期", "罚款金额"]
        );
    }

    #[test]
    fn data_without_header_is_refused() {
        let result = detect(
            &[
                row(1, &["110101199003071234", "2023-05-01", "200"]),
                row(2, &["110101199003071235", "2023-05-02", "300"]),
            ],
            "a.csv",
        );
        assert!(matches!(result, Err(Error::NoHeader { .. })), "{result:?}");
    }

    #[test]
    fn blank_and_duplicate_names() {
        let header = detect(
            &[
                row(1, &["姓名", "", "姓名"]),
                row(2, &["张三", "x", "李四"]),
            ],
            "a.csv",
        )
        .unwrap();
        assert_eq!(header.names, ["姓名", "列2", "姓名_2"]);
    }
}
