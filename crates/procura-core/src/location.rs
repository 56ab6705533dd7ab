//! Where in the user's input something is: file, and when known the row and the column.
//! Every error and quality finding caused by user data carries one.

use std::fmt;

/// A place in an input file. Rows are the numbers the user sees: the line of a CSV file
/// (1-based, header included) or the row number Excel shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// The file as the user named it (inside a zip: `archive.zip!inner.csv`).
    pub file: String,
    /// 1-based row or line, when the problem is in one.
    pub row: Option<u64>,
    /// The column header, when the problem is in one cell.
    pub column: Option<String>,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            row: None,
            column: None,
        }
    }

    /// A row of a file.
    pub fn row(file: impl Into<String>, row: u64) -> Location {
        Location {
            file: file.into(),
            row: Some(row),
            column: None,
        }
    }

    /// One cell.
    pub fn cell(file: impl Into<String>, row: u64, column: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            row: Some(row),
            column: Some(column.into()),
        }
    }
}

impl fmt::Display for Location {
    /// `input.csv:12: column `身份证号``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ":{row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": column `{column}`")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_file_row_and_column() {
        assert_eq!(
            Location::cell("a.csv", 12, "身份证号").to_string(),
            "a.csv:12: column `身份证号`"
        );
        assert_eq!(Location::row("a.csv", 3).to_string(), "a.csv:3");
        assert_eq!(Location::file("a.csv").to_string(), "a.csv");
    }
}
