//! Exact duplicate rows: counting them, and dropping them when the mapping asks to.
//!
//! Counting works in bounded memory: 64-bit hashes are collected in a buffer; a full buffer is
//! sorted and spilled to a temporary file; at the end the sorted runs are merged and equal
//! neighbours counted. Memory stays at the buffer size whatever the row count, and the count
//! is exact up to 64-bit hash collisions (about one in 10^7 at a billion rows).
//!
//! Dropping has to decide while the rows stream past, first occurrence kept, so it keeps a
//! set of 128-bit BLAKE3 digests of the rows seen ([`SeenRows`]): about 16 bytes of digest
//! and 20 to 40 bytes with the hash table's slack per distinct row, so 10 million distinct
//! rows take some 300 MB. That is the one place where ingest memory grows with the input, and
//! only with `duplicates = "drop"`. A collision would drop a row that is not a duplicate; with
//! 128 bits that takes some 10^19 rows.
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What ingest does with a row identical, in every cell of the dataset's columns, to an
/// earlier row (of any file or sheet of the same ingest; the row number does not count).
///
/// The default is `keep`: a repeated row may be an export that wrote a row twice, or two real
/// payments of the same amount to the same person in the same month, and dropping the real
/// one hides money as surely as keeping the copy counts it twice. Only the person who knows
/// the source can tell, so dropping is a decision written into the mapping (`duplicates =
/// "drop"`), which `--suggest` proposes, with the rows it saw, when it finds duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Keep every row; duplicates are only counted in the quality report.
    #[default]
    Keep,
    /// Keep the first of identical rows and drop the others, listing some in the report.
    Drop,
}

impl DuplicatePolicy {
    /// The code used in mapping files and reports.
    pub fn code(self) -> &'static str {
        match self {
            DuplicatePolicy::Keep => "keep",
            DuplicatePolicy::Drop => "drop",
        }
    }

    /// Reads the code of a mapping file.
    pub fn parse(code: &str) -> Option<DuplicatePolicy> {
        match code.trim() {
            "keep" => Some(DuplicatePolicy::Keep),
            "drop" => Some(DuplicatePolicy::Drop),
            _ => None,
        }
    }
}

/// The 128-bit digest of one row's cells, framed so that no two different rows feed the
/// same bytes (`"ab", ""` and `"a", "b"` differ; a blank cell differs from any text).
pub struct RowDigest(blake3::Hasher);

impl RowDigest {
    /// An empty row.
    pub fn new() -> RowDigest {
        RowDigest(blake3::Hasher::new())
    }

    /// Adds a blank cell.
    pub fn blank(&mut self) {
        self.0.update(&[0]);
    }

    /// Adds a cell's text.
    pub fn cell(&mut self, text: &str) {
        self.0.update(&[1]);
        self.0.update(&(text.len() as u64).to_le_bytes());
        self.0.update(text.as_bytes());
    }

    /// The digest.
    pub fn finish(&self) -> u128 {
        let hash = self.0.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&hash.as_bytes()[..16]);
        u128::from_le_bytes(first)
    }
}

impl Default for RowDigest {
    fn default() -> RowDigest {
        RowDigest::new()
    }
}

/// The rows seen so far, by digest, for dropping duplicates (see the module documentation for
/// its memory).
#[derive(Default)]
pub struct SeenRows {
    digests: HashSet<u128, BuildHasherDefault<DigestHasher>>,
}

impl SeenRows {
    /// Records a row; true when it is the first of its content.
    pub fn first_time(&mut self, digest: u128) -> bool {
        self.digests.insert(digest)
    }
}

/// Digests are already uniformly distributed, so their low bits are the table's hash.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

/// Hashes held in memory before a spill (8 bytes each).
const DEFAULT_BUFFER: usize = 4 << 20;
/// Runs on disk before they are merged into one (bounds open files).
const MAX_RUNS: usize = 32;

/// Counts distinct values and repetitions of a stream of hashes.
pub struct DuplicateCounter {
    buffer: Vec<u64>,
    capacity: usize,
    runs: Vec<tempfile::NamedTempFile>,
    scratch: PathBuf,
}

/// The result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Distinct hashes.
    pub distinct: u64,
    /// Occurrences beyond the first of each hash.
    pub duplicates: u64,
}

impl DuplicateCounter {
    /// A counter that spills into `scratch`.
    pub fn new(scratch: &Path) -> DuplicateCounter {
        DuplicateCounter::with_capacity(scratch, DEFAULT_BUFFER)
    }

    /// A counter with an explicit buffer size (tests use tiny ones).
    pub fn with_capacity(scratch: &Path, capacity: usize) -> DuplicateCounter {
        DuplicateCounter {
            buffer: Vec::new(),
            capacity: capacity.max(1),
            runs: Vec::new(),
            scratch: scratch.to_owned(),
        }
    }

    /// Adds hashes.
    pub fn extend(&mut self, hashes: &[u64]) -> io::Result<()> {
        for hash in hashes {
            self.buffer.push(*hash);
            if self.buffer.len() >= self.capacity {
                self.spill()?;
            }
        }
        Ok(())
    }

    fn spill(&mut self) -> io::Result<()> {
        self.buffer.sort_unstable();
        let mut run = tempfile::NamedTempFile::new_in(&self.scratch)?;
        {
            let mut writer = BufWriter::new(run.as_file_mut());
            for hash in &self.buffer {
                writer.write_all(&hash.to_le_bytes())?;
            }
            writer.flush()?;
        }
        self.runs.push(run);
        self.buffer.clear();
        if self.runs.len() >= MAX_RUNS {
            self.compact()?;
        }
        Ok(())
    }

    /// Merges every run on disk into one sorted run, keeping repeated values.
    fn compact(&mut self) -> io::Result<()> {
        let mut merged = tempfile::NamedTempFile::new_in(&self.scratch)?;
        {
            let mut readers: Vec<BufReader<File>> = self
                .runs
                .iter()
                .map(|run| run.reopen().map(BufReader::new))
                .collect::<io::Result<_>>()?;
            let mut heap = BinaryHeap::new();
            for (index, reader) in readers.iter_mut().enumerate() {
                if let Some(hash) = read_hash(reader)? {
                    heap.push(Reverse((hash, index)));
                }
            }
            let mut writer = BufWriter::new(merged.as_file_mut());
            while let Some(Reverse((hash, index))) = heap.pop() {
                writer.write_all(&hash.to_le_bytes())?;
                if let Some(next) = read_hash(&mut readers[index])? {
                    heap.push(Reverse((next, index)));
                }
            }
            writer.flush()?;
        }
        self.runs.clear();
        self.runs.push(merged);
        Ok(())
    }

    /// Merges everything and counts.
    pub fn finish(mut self) -> io::Result<Counts> {
        self.buffer.sort_unstable();
        if self.runs.is_empty() {
            return Ok(count_sorted(self.buffer.iter().copied()));
        }
        let mut readers: Vec<BufReader<File>> = self
            .runs
            .iter()
            .map(|run| run.reopen().map(BufReader::new))
            .collect::<io::Result<_>>()?;
        let mut heap = BinaryHeap::new();
        for (index, reader) in readers.iter_mut().enumerate() {
            if let Some(hash) = read_hash(reader)? {
                heap.push(Reverse((hash, index)));
            }
        }
        let memory_index = readers.len();
        let mut memory = self.buffer.iter().copied();
        if let Some(hash) = memory.next() {
            heap.push(Reverse((hash, memory_index)));
        }
        let mut counts = Counts::default();
        let mut previous: Option<u64> = None;
        while let Some(Reverse((hash, index))) = heap.pop() {
            if previous == Some(hash) {
                counts.duplicates += 1;
            } else {
                counts.distinct += 1;
                previous = Some(hash);
            }
            let next = if index == memory_index {
                memory.next()
            } else {
                read_hash(&mut readers[index])?
            };
            if let Some(next) = next {
                heap.push(Reverse((next, index)));
            }
        }
        Ok(counts)
    }
}

fn read_hash(reader: &mut impl Read) -> io::Result<Option<u64>> {
    let mut bytes = [0u8; 8];
    match reader.read_exact(&mut bytes) {
        Ok(()) => Ok(Some(u64::from_le_bytes(bytes))),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(e),
    }
}

fn count_sorted(hashes: impl Iterator<Item = u64>) -> Counts {
    let mut counts = Counts::default();
    let mut previous = None;
    for hash in hashes {
        if previous == Some(hash) {
            counts.duplicates += 1;
        } else {
            counts.distinct += 1;
            previous = Some(hash);
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_in_memory_and_spilled() {
        let dir = tempfile::tempdir().unwrap();
        let values: Vec<u64> = (0..10_000u64).map(|i| i % 3_000).collect();
        for capacity in [3, 7, 1000, 100_000] {
            let mut counter = DuplicateCounter::with_capacity(dir.path(), capacity);
            counter.extend(&values).unwrap();
            let counts = counter.finish().unwrap();
            assert_eq!(
                counts,
                Counts {
                    distinct: 3_000,
                    duplicates: 7_000
                },
                "capacity {capacity}"
            );
        }
    }

    #[test]
    fn row_digests_frame_their_cells() {
        let digest = |cells: &[Option<&str>]| {
            let mut row = RowDigest::new();
            for cell in cells {
                match cell {
                    Some(text) => row.cell(text),
                    None => row.blank(),
                }
            }
            row.finish()
        };
        let ab = digest(&[Some("ab"), Some("")]);
        assert_eq!(ab, digest(&[Some("ab"), Some("")]));
        assert_ne!(ab, digest(&[Some("a"), Some("b")]));
        assert_ne!(ab, digest(&[Some("ab"), None]));
        assert_ne!(digest(&[None, Some("x")]), digest(&[Some("x"), None]));
    }

    #[test]
    fn seen_rows_keep_the_first_occurrence() {
        let mut seen = SeenRows::default();
        let firsts: Vec<bool> = [7u128, 8, 7, 7, u128::MAX, 8]
            .iter()
            .map(|d| seen.first_time(*d))
            .collect();
        assert_eq!(firsts, [true, true, false, false, true, false]);
    }

    #[test]
    fn policy_codes_round_trip() {
        for policy in [DuplicatePolicy::Keep, DuplicatePolicy::Drop] {
            assert_eq!(DuplicatePolicy::parse(policy.code()), Some(policy));
        }
        assert_eq!(DuplicatePolicy::parse("remove"), None);
        assert_eq!(DuplicatePolicy::default(), DuplicatePolicy::Keep);
    }

    #[test]
    fn empty_stream() {
        let dir = tempfile::tempdir().unwrap();
        let counts = DuplicateCounter::new(dir.path()).finish().unwrap();
        assert_eq!(counts, Counts::default());
    }
}
