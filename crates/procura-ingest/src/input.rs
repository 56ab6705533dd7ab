//! What the user pointed at, turned into a list of files with a known format: a single file,
//! every supported file in a folder, or every member of a zip archive (extracted, within
//! limits, into a temporary directory that lives as long as [`Inputs`]).
//!
//! Formats are recognised by content, not by extension: an ELF binary renamed `.csv` is
//! refused as what it is, and a CSV saved as `.xls` is read as CSV with a warning.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Component, Path, PathBuf};

use procura_core::location::Location;

use crate::error::{Error, Result};

/// Limits that protect the machine from hostile or broken input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest physical line of a text file, in bytes.
    pub max_line_bytes: u64,
    /// Most columns a table may have.
    pub max_columns: usize,
    /// Most members a zip archive may have.
    pub max_archive_entries: usize,
    /// Most bytes all members of an archive may expand to.
    pub max_archive_bytes: u64,
    /// Highest expansion ratio of a compressed member larger than `ratio_floor_bytes`.
    pub max_compression_ratio: u64,
    /// Members that expand to less than this are not ratio-checked (a few kilobytes of
    /// repeated values compress absurdly well and harm nobody); every larger member is.
    pub ratio_floor_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line_bytes: 16 << 20,
            max_columns: 16_384,
            max_archive_entries: 10_000,
            // An agency export of tens of millions of rows is a few GiB of text.
            max_archive_bytes: 8 << 30,
            max_compression_ratio: 500,
            ratio_floor_bytes: 1 << 20,
        }
    }
}

/// A file format Procura reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV, TSV or another delimited text file.
    Delimited,
    /// Office Open XML workbook.
    Xlsx,
    /// Legacy Excel 97–2003 workbook.
    Xls,
    /// A JSON array of objects or arrays.
    JsonArray,
    /// Newline-delimited JSON.
    NdJson,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Delimited => "csv",
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::JsonArray => "json",
            Format::NdJson => "ndjson",
            Format::Parquet => "parquet",
        }
    }
}

/// One file to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where the bytes are on disk (inside the temporary directory for zip members).
    pub path: PathBuf,
    /// The name the user knows: `data.csv`, `folder/2024-01.xlsx`, `exports.zip!a.csv`.
    pub display: String,
    /// The format recognised from the content.
    pub format: Format,
    /// Size in bytes.
    pub size: u64,
    /// Notes about the file (extension mismatch …) for the quality report.
    pub notes: Vec<String>,
}

/// The files of one ingest, and the temporary directory that holds extracted archive members.
#[derive(Debug)]
pub struct Inputs {
    /// The files, in a stable order.
    pub files: Vec<InputFile>,
    _extracted: Option<tempfile::TempDir>,
}

/// Expands `path` into the files to read.
pub fn expand(path: &Path, limits: &Limits, scratch: &Path) -> Result<Inputs> {
    let metadata = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let display_root = path.display().to_string();
    if metadata.is_dir() {
        let mut found = Vec::new();
        walk(path, path, &mut found)?;
        found.sort();
        let mut files = Vec::new();
        for member in found {
            let relative = member.strip_prefix(path).unwrap_or(&member);
            let display = format!("{display_root}/{}", relative.display());
            match sniff_file(&member, &display, limits)? {
                Sniffed::Table(file) => files.push(file),
                Sniffed::Archive => {
                    return Err(Error::UnsupportedFormat {
                        location: Location::file(display),
                        reason: "a zip archive inside a folder is not read; unpack it or ingest it on its own".into(),
                    });
                }
            }
        }
        if files.is_empty() {
            return Err(Error::UnsupportedFormat {
                location: Location::file(display_root),
                reason:
                    "the folder contains no csv, tsv, txt, xlsx, xls, json, ndjson or parquet files"
                        .into(),
            });
        }
        return Ok(Inputs {
            files,
            _extracted: None,
        });
    }
    match sniff_file(path, &display_root, limits)? {
        Sniffed::Table(file) => Ok(Inputs {
            files: vec![file],
            _extracted: None,
        }),
        Sniffed::Archive => extract_archive(path, &display_root, limits, scratch),
    }
}

const TABLE_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "json", "ndjson", "jsonl", "parquet",
];

fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // Hidden files and Excel's `~$` lock files are not data.
        if name.starts_with('.') || name.starts_with("~$") {
            continue;
        }
        let file_type = entry.file_type().map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if file_type.is_dir() {
            walk(root, &path, found)?;
        } else if file_type.is_file() && has_table_extension(&path) {
            found.push(path);
        }
    }
    let _ = root;
    Ok(())
}

fn has_table_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| TABLE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

enum Sniffed {
    Table(InputFile),
    Archive,
}

fn sniff_file(path: &Path, display: &str, limits: &Limits) -> Result<Sniffed> {
    let read_error = |source| Error::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    let mut head = vec![0u8; 8192];
    let n = read_up_to(&mut file, &mut head).map_err(read_error)?;
    head.truncate(n);
    let location = || Location::file(display);
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if head.is_empty() {
        return Err(Error::NoData {
            location: location(),
        });
    }
    let format = if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        match zip_kind(&mut file, display, limits)? {
            ZipKind::Xlsx => Format::Xlsx,
            ZipKind::Archive => return Ok(Sniffed::Archive),
            ZipKind::Other(what) => {
                return Err(Error::UnsupportedFormat {
                    location: location(),
                    reason: format!("{what} files are not tables; save the data as xlsx or csv"),
                });
            }
        }
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Format::Xls
    } else if head.starts_with(b"PAR1") {
        Format::Parquet
    } else if let Some(what) = binary_kind(&head) {
        return Err(Error::UnsupportedFormat {
            location: location(),
            reason: format!("this is {what}, not a data file"),
        });
    } else {
        match first_significant_byte(&head) {
            Some(b'[') => Format::JsonArray,
            Some(b'{') => Format::NdJson,
            _ => Format::Delimited,
        }
    };
    let mut notes = Vec::new();
    let expected = match extension.as_str() {
        "csv" | "tsv" | "txt" => Some(Format::Delimited),
        "xlsx" | "xlsm" => Some(Format::Xlsx),
        "xls" => Some(Format::Xls),
        "parquet" => Some(Format::Parquet),
        "json" | "ndjson" | "jsonl" => None,
        _ => None,
    };
    if let Some(expected) = expected
        && expected != format
    {
        notes.push(format!(
            "扩展名为 .{extension}，但内容是 {} / extension .{extension} but the content is {}",
            format.name(),
            format.name()
        ));
    }
    Ok(Sniffed::Table(InputFile {
        path: path.to_owned(),
        display: display.to_owned(),
        format,
        size,
        notes,
    }))
}

fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn first_significant_byte(head: &[u8]) -> Option<u8> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    body.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Recognises common binary formats by their magic numbers. UTF-16 text (with its BOM or its
/// tell-tale zero bytes) is not binary.
fn binary_kind(head: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x7FELF", "an ELF executable"),
        (b"MZ", "a Windows executable"),
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"GIF8", "a GIF image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xBC\xAF", "a 7z archive"),
        (b"SQLite format 3", "an SQLite database"),
    ];
    for (magic, what) in MAGIC {
        if head.starts_with(magic) {
            return Some(what);
        }
    }
    let utf16_bom = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if !utf16_bom && looks_like_utf16_without_bom(head).is_none() && head.contains(&0) {
        return Some("a binary file (it contains NUL bytes)");
    }
    None
}

/// UTF-16 text without a BOM: ASCII characters leave a zero in every other byte.
pub(crate) fn looks_like_utf16_without_bom(head: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    if head.len() < 8 {
        return None;
    }
    let pairs = head.len() / 2;
    let even_zero = head.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_zero = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if odd_zero * 10 >= pairs * 7 && even_zero * 10 <= pairs {
        Some(encoding_rs::UTF_16LE)
    } else if even_zero * 10 >= pairs * 7 && odd_zero * 10 <= pairs {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

enum ZipKind {
    Xlsx,
    Archive,
    Other(&'static str),
}

fn zip_kind(file: &mut File, display: &str, limits: &Limits) -> Result<ZipKind> {
    file.rewind().map_err(|source| Error::Read {
        path: PathBuf::from(display),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(&mut *file).map_err(|e| Error::Corrupt {
        location: Location::file(display),
        reason: format!("damaged zip container: {e}"),
    })?;
    check_archive_limits(&mut archive, display, limits)?;
    let names: Vec<String> = (0..archive.len())
        .filter_map(|index| {
            archive
                .by_index_raw(index)
                .ok()
                .map(|entry| member_name(entry.name_raw()))
        })
        .collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    Ok(if has("xl/workbook.xml") {
        ZipKind::Xlsx
    } else if has("xl/workbook.bin") {
        ZipKind::Other("xlsb (binary Excel)")
    } else if names.iter().any(|n| n.starts_with("word/")) {
        ZipKind::Other("Word")
    } else if names.iter().any(|n| n.starts_with("ppt/")) {
        ZipKind::Other("PowerPoint")
    } else if has("content.xml") && has("mimetype") {
        ZipKind::Other("OpenDocument")
    } else {
        ZipKind::Archive
    })
}

/// Refuses archives whose members would expand beyond the limits (zip bombs), by the sizes
/// the central directory declares; extraction enforces the same limits on the real bytes.
fn check_archive_limits<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    display: &str,
    limits: &Limits,
) -> Result<()> {
    let limit = |reason: String| Error::LimitExceeded {
        location: Location::file(display),
        reason,
    };
    if archive.len() > limits.max_archive_entries {
        return Err(limit(format!(
            "the archive has {} members (limit {})",
            archive.len(),
            limits.max_archive_entries
        )));
    }
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|e| Error::Corrupt {
            location: Location::file(display),
            reason: format!("damaged zip member {index}: {e}"),
        })?;
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > limits.ratio_floor_bytes && size / compressed > limits.max_compression_ratio {
            return Err(limit(format!(
                "member `{}` expands {}:1 to {} bytes: refusing a probable zip bomb",
                member_name(entry.name_raw()),
                size / compressed,
                size
            )));
        }
    }
    if total > limits.max_archive_bytes {
        return Err(limit(format!(
            "the archive expands to {total} bytes (limit {})",
            limits.max_archive_bytes
        )));
    }
    Ok(())
}

fn extract_archive(path: &Path, display: &str, limits: &Limits, scratch: &Path) -> Result<Inputs> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| Error::Corrupt {
        location: Location::file(display),
        reason: format!("damaged zip archive: {e}"),
    })?;
    check_archive_limits(&mut archive, display, limits)?;
    let temp = tempfile::Builder::new()
        .prefix(".unzip-")
        .tempdir_in(scratch)
        .map_err(|source| Error::Write {
            path: scratch.to_owned(),
            source,
        })?;
    let mut extracted = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| Error::Corrupt {
            location: Location::file(display),
            reason: format!("damaged zip member {index}: {e}"),
        })?;
        let name = member_name(entry.name_raw());
        let member_location = || Location::file(format!("{display}!{name}"));
        if entry.is_dir() {
            continue;
        }
        if entry.is_symlink() {
            return Err(Error::UnsupportedFormat {
                location: member_location(),
                reason: "symbolic links inside archives are not followed".into(),
            });
        }
        let Some(relative) = safe_relative_path(&name) else {
            return Err(Error::UnsupportedFormat {
                location: member_location(),
                reason: "the member's path leaves the archive (absolute or `..`)".into(),
            });
        };
        let file_name = relative
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if file_name.starts_with('.')
            || file_name.starts_with("~$")
            || name.starts_with("__MACOSX/")
        {
            continue;
        }
        if !has_table_extension(&relative) {
            continue;
        }
        let target = temp.path().join(format!("{index:05}-{file_name}"));
        let declared = entry.size();
        let mut out = File::create_new(&target).map_err(|source| Error::Write {
            path: target.clone(),
            source,
        })?;
        let copied = io::copy(&mut (&mut entry).take(declared.saturating_add(1)), &mut out)
            .map_err(|e| Error::Corrupt {
                location: member_location(),
                reason: format!("cannot unpack: {e}"),
            })?;
        if copied > declared {
            return Err(Error::LimitExceeded {
                location: member_location(),
                reason: "the member is larger than the archive declares".into(),
            });
        }
        total = total.saturating_add(copied);
        if total > limits.max_archive_bytes {
            return Err(Error::LimitExceeded {
                location: Location::file(display),
                reason: format!(
                    "the archive expands beyond {} bytes",
                    limits.max_archive_bytes
                ),
            });
        }
        extracted.push((name, target));
    }
    extracted.sort();
    let mut files = Vec::new();
    for (name, target) in extracted {
        let member_display = format!("{display}!{name}");
        match sniff_file(&target, &member_display, limits)? {
            Sniffed::Table(file) => files.push(file),
            Sniffed::Archive => {
                return Err(Error::UnsupportedFormat {
                    location: Location::file(member_display),
                    reason: "nested archives are not read".into(),
                });
            }
        }
    }
    if files.is_empty() {
        return Err(Error::UnsupportedFormat {
            location: Location::file(display),
            reason:
                "the archive contains no csv, tsv, txt, xlsx, xls, json, ndjson or parquet files"
                    .into(),
        });
    }
    Ok(Inputs {
        files,
        _extracted: Some(temp),
    })
}

/// Archive member names are UTF-8 when the archiver says so; zips made on Chinese Windows
/// store them in GBK without saying so.
fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    }
}

fn safe_relative_path(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if clean.as_os_str().is_empty() {
        None
    } else {
        Some(clean)
    }
}
