//! Procura's vocabulary: the PRC identifiers and values that agency data is made of, and the
//! field types a dataset column can have. Everything here is a pure function.
//!
//! **Architecture Invariant:** this crate does no IO and has no async runtime, database, HTTP
//! or query-engine dependency. The region table is compiled in (`data/gb2260.tsv`). Functions
//! that need "today" take it as an argument, so every result is reproducible.
//!
//! Parsers return the canonical value or a typed reason; they never panic on input and never
//! "repair" a value into a different one (an Excel-mangled ID stays an error).

pub mod access;
pub mod amount;
pub mod clue;
pub mod date;
pub mod field;
pub mod location;
pub mod mask;
pub mod name;
pub mod names;
pub mod org_id;
pub mod party_id;
pub mod person_id;
pub mod phone;
pub mod plate;
pub mod region;
pub mod similarity;
pub mod text;
