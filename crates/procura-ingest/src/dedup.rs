//! Exact duplicate counting in bounded memory: 64-bit hashes are collected in a buffer; a full
//! buffer is sorted and spilled to a temporary file; at the end the sorted runs are merged and
//! equal neighbours counted. Memory stays at the buffer size whatever the row count, and the
//! count is exact up to 64-bit hash collisions (about one in 10^7 at a billion rows).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

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
    fn empty_stream() {
        let dir = tempfile::tempdir().unwrap();
        let counts = DuplicateCounter::new(dir.path()).finish().unwrap();
        assert_eq!(counts, Counts::default());
    }
}
