//! Builders for input files in the formats agencies send.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

/// Encodes text as GBK (what Chinese Windows calls ANSI).
pub(crate) fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "text not representable in GBK");
    bytes.into_owned()
}

/// UTF-8 with the BOM Excel writes for "CSV UTF-8".
pub(crate) fn utf8_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// UTF-16LE with BOM, as "Unicode text" exports are.
pub(crate) fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// A cell of an xlsx fixture.
pub(crate) enum X<'a> {
    S(&'a str),
    N(f64),
    D(u16, u8, u8),
    E,
}

/// A merged range: first row, first column, last row, last column, text.
pub(crate) type Merge<'a> = (u32, u16, u32, u16, &'a str);
/// A sheet: name, rows, merged ranges.
pub(crate) type Sheet<'a> = (&'a str, Vec<Vec<X<'a>>>, Vec<Merge<'a>>);

/// Writes an xlsx workbook.
pub(crate) fn xlsx(path: &Path, sheets: &[Sheet<'_>]) {
    let mut workbook = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let merged = Format::new().set_align(FormatAlign::Center);
    for (name, rows, merges) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    X::S(text) => {
                        sheet.write_string(r, c, *text).unwrap();
                    }
                    X::N(number) => {
                        sheet.write_number(r, c, *number).unwrap();
                    }
                    X::D(y, m, d) => {
                        let value = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                        sheet
                            .write_datetime_with_format(r, c, &value, &date)
                            .unwrap();
                    }
                    X::E => {}
                }
            }
        }
        for (r1, c1, r2, c2, text) in merges {
            sheet
                .merge_range(*r1, *c1, *r2, *c2, text, &merged)
                .unwrap();
        }
    }
    workbook.save(path).unwrap();
}

/// Writes a zip archive of (name, bytes) members.
pub(crate) fn zip(path: &Path, members: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
}
