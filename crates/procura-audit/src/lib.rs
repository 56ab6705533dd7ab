//! procura-audit: what makes the audit trail tamper-evident (事后追溯).
//!
//! Every audit record carries a gap-free sequence number and the hash of the record before it;
//! its own hash covers a canonical, length-prefixed encoding of every field (never `Debug`
//! output), so changing, deleting, inserting or reordering a record breaks the chain at that
//! record. A writer who rewrites the whole chain from the changed record onwards is caught by
//! **checkpoints**: `(origin, size, head hash, time)` signed with an ed25519 key that the
//! database writer does not hold, kept in a separate append-only file (another disk or host).
//! A checkpoint also fixes the length of the log, so a truncated tail is found.
//!
//! The hash is SHA-256 by default, SM3 (GB/T 32905) when an office selects it; each record
//! names its algorithm, so a log may switch between them.
//!
//! **Architecture Invariant:** pure computation: no IO, no database, no clock. The store
//! appends, the app writes checkpoint files and feeds records to [`ChainVerifier`].

use std::collections::BTreeMap;
use std::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::Digest;

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Domain separation for record hashes (the version of the canonical encoding).
const RECORD_DOMAIN: &[u8] = b"procura-audit-record-v1";
/// Domain separation for checkpoint signatures.
const CHECKPOINT_DOMAIN: &str = "procura-audit-checkpoint-v1";

/// The hash of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlg {
    /// SHA-256 (FIPS 180-4), the default.
    #[default]
    Sha256,
    /// SM3 (GB/T 32905-2016).
    Sm3,
}

impl HashAlg {
    /// The code stored with each record.
    pub fn code(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sm3 => "sm3",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<HashAlg> {
        match code {
            "sha256" => Some(HashAlg::Sha256),
            "sm3" => Some(HashAlg::Sm3),
            _ => None,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> String {
        fn run<D: Digest>(parts: &[&[u8]]) -> String {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hex(&hasher.finalize())
        }
        match self {
            HashAlg::Sha256 => run::<sha2::Sha256>(parts),
            HashAlg::Sm3 => run::<sm3::Sm3>(parts),
        }
    }
}

/// The fields of an audit record that its author chooses (the chain adds the rest).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The account (user name; `local:NAME` for the local operator).
    pub account: String,
    /// The account's roles at the time, comma-separated.
    pub roles: String,
    /// The client address, or `cli`.
    pub client: String,
    /// What was done (an action code such as `clue.read`).
    pub action: String,
    /// To what (`clue:12`, `dataset:penalties`, `user:li.jiancha`).
    pub object: String,
    /// `ok`, `denied`, or `failed: reason`.
    pub outcome: String,
    /// The purpose the user stated, if any.
    pub purpose: String,
    /// Further detail as JSON (never clear sensitive values).
    pub detail: String,
}

/// An audit record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Gap-free sequence number, from 1.
    pub seq: i64,
    /// The author's fields.
    pub entry: Entry,
    /// The hash algorithm's code.
    pub alg: String,
    /// The previous record's hash ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

impl Record {
    /// Chains an entry after a record with `prev_seq` and `prev_hash`.
    pub fn chain(prev_seq: i64, prev_hash: &str, entry: Entry, alg: HashAlg) -> Record {
        let seq = prev_seq + 1;
        let hash = record_hash(alg, seq, &entry, prev_hash);
        Record {
            seq,
            entry,
            alg: alg.code().to_owned(),
            prev_hash: prev_hash.to_owned(),
            hash,
        }
    }

    /// The hash this record should have, or `None` for an unknown algorithm.
    pub fn expected_hash(&self) -> Option<String> {
        let alg = HashAlg::parse(&self.alg)?;
        Some(record_hash(alg, self.seq, &self.entry, &self.prev_hash))
    }
}

/// The hash of a record: the algorithm over a domain tag and every field, each prefixed by
/// its length, in a fixed order (so no two different records encode alike).
fn record_hash(alg: HashAlg, seq: i64, entry: &Entry, prev_hash: &str) -> String {
    let seq = seq.to_be_bytes();
    let fields: [&[u8]; 12] = [
        &seq,
        entry.at.as_bytes(),
        entry.account.as_bytes(),
        entry.roles.as_bytes(),
        entry.client.as_bytes(),
        entry.action.as_bytes(),
        entry.object.as_bytes(),
        entry.outcome.as_bytes(),
        entry.purpose.as_bytes(),
        entry.detail.as_bytes(),
        alg.code().as_bytes(),
        prev_hash.as_bytes(),
    ];
    let lengths: Vec<[u8; 8]> = fields
        .iter()
        .map(|f| (f.len() as u64).to_be_bytes())
        .collect();
    let mut parts: Vec<&[u8]> = Vec::with_capacity(1 + 2 * fields.len());
    parts.push(RECORD_DOMAIN);
    for (length, field) in lengths.iter().zip(fields.iter()) {
        parts.push(length);
        parts.push(field);
    }
    alg.digest(&parts)
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A signing key for checkpoints.
pub struct CheckpointKey(SigningKey);

impl fmt::Debug for CheckpointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CheckpointKey({})", self.public_hex())
    }
}

impl CheckpointKey {
    /// A key from 32 secret bytes (from the system's CSPRNG when new).
    pub fn from_secret(secret: [u8; 32]) -> CheckpointKey {
        CheckpointKey(SigningKey::from_bytes(&secret))
    }

    /// A key from its hex text (64 hex digits, as kept in the key file).
    pub fn from_hex(text: &str) -> Result<CheckpointKey, Error> {
        unhex::<32>(text.trim())
            .map(CheckpointKey::from_secret)
            .ok_or(Error::BadKey)
    }

    /// The secret as hex, for the key file.
    pub fn secret_hex(&self) -> String {
        hex(&self.0.to_bytes())
    }

    /// The public key as hex.
    pub fn public_hex(&self) -> String {
        hex(self.0.verifying_key().as_bytes())
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
}

/// A public key that checks checkpoint signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From 64 hex digits.
    pub fn from_hex(text: &str) -> Result<PublicKey, Error> {
        let bytes = unhex::<32>(text.trim()).ok_or(Error::BadKey)?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| Error::BadKey)
    }

    /// As hex.
    pub fn to_hex(&self) -> String {
        hex(self.0.as_bytes())
    }

    /// A short fingerprint naming the key (the first 16 hex digits).
    pub fn fingerprint(&self) -> String {
        self.to_hex()[..16].to_owned()
    }
}

/// What can be wrong with keys and checkpoint files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A key is not 64 hex digits (or not a valid ed25519 point).
    #[error("the key is not 64 hexadecimal digits of an ed25519 key")]
    BadKey,
    /// A checkpoint line cannot be read.
    #[error("checkpoint line {line}: {reason}")]
    BadCheckpoint {
        /// Line number, from 1.
        line: usize,
        /// Why.
        reason: String,
    },
}

/// A signed statement that the log had `size` records whose last hash was `head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which log (the fingerprint of the key that signs it).
    pub origin: String,
    /// How many records (the sequence number of the last).
    pub size: i64,
    /// The hash of record `size`.
    pub head: String,
    /// When it was signed (RFC 3339).
    pub at: String,
    /// The ed25519 signature, hex.
    pub signature: String,
}

impl Checkpoint {
    /// Signs a head.
    pub fn sign(key: &CheckpointKey, size: i64, head: &str, at: &str) -> Checkpoint {
        let origin = key.public().fingerprint();
        let text = signed_text(&origin, size, head, at);
        let signature = key.0.sign(text.as_bytes());
        Checkpoint {
            origin,
            size,
            head: head.to_owned(),
            at: at.to_owned(),
            signature: hex(&signature.to_bytes()),
        }
    }

    /// Whether `key` signed exactly this.
    pub fn verify(&self, key: &PublicKey) -> bool {
        let Some(bytes) = unhex::<64>(&self.signature) else {
            return false;
        };
        let text = signed_text(&self.origin, self.size, &self.head, &self.at);
        key.0
            .verify(text.as_bytes(), &Signature::from_bytes(&bytes))
            .is_ok()
    }

    /// One line of the checkpoint file.
    pub fn to_line(&self) -> String {
        format!(
            "{CHECKPOINT_DOMAIN} {} {} {} {} {}",
            self.origin, self.size, self.head, self.at, self.signature
        )
    }

    /// Reads the lines of a checkpoint file (blank lines and `#` comments are skipped).
    pub fn parse_file(text: &str) -> Result<Vec<Checkpoint>, Error> {
        let mut out = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: &str| Error::BadCheckpoint {
                line: index + 1,
                reason: reason.to_owned(),
            };
            let fields: Vec<&str> = line.split(' ').collect();
            let [domain, origin, size, head, at, signature] = fields[..] else {
                return Err(bad("expected six fields"));
            };
            if domain != CHECKPOINT_DOMAIN {
                return Err(bad("not a procura audit checkpoint"));
            }
            let size = size
                .parse::<i64>()
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| bad("the size is not a positive number"))?;
            out.push(Checkpoint {
                origin: origin.to_owned(),
                size,
                head: head.to_owned(),
                at: at.to_owned(),
                signature: signature.to_owned(),
            });
        }
        Ok(out)
    }
}

fn signed_text(origin: &str, size: i64, head: &str, at: &str) -> String {
    format!("{CHECKPOINT_DOMAIN}\n{origin}\n{size}\n{head}\n{at}\n")
}

/// Where and why verification failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The first sequence number that cannot be trusted (`None` when the fault is in the
    /// checkpoint file itself).
    pub seq: Option<i64>,
    /// Why, for people.
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "record {seq}: {}", self.reason),
            None => write!(f, "{}", self.reason),
        }
    }
}

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Records checked.
    pub records: i64,
    /// The last record's hash.
    pub head: String,
    /// Checkpoints whose signature and head matched.
    pub checkpoints: usize,
    /// The largest size a checkpoint vouches for (0 when none).
    pub anchored_size: i64,
}

/// Checks a log record by record, in sequence order, against signed checkpoints.
///
/// Feed every record with [`ChainVerifier::push`] (in `seq` order, as the store returns them),
/// then call [`ChainVerifier::finish`]. The first failure is returned and sticks.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    /// Valid checkpoints by size (one per size; two different heads for one size fail).
    checkpoints: BTreeMap<i64, Checkpoint>,
    /// The last checkpoint size passed and matched.
    last_anchor: i64,
    matched: usize,
    failure: Option<Failure>,
}

impl ChainVerifier {
    /// Starts a verification. Every checkpoint must carry a valid signature by `key`;
    /// without a key no checkpoint is used (and none may be given).
    pub fn new(checkpoints: Vec<Checkpoint>, key: Option<&PublicKey>) -> Result<Self, Failure> {
        let mut by_size: BTreeMap<i64, Checkpoint> = BTreeMap::new();
        for checkpoint in checkpoints {
            let Some(key) = key else {
                return Err(Failure {
                    seq: None,
                    reason: "checkpoints were given without a public key to check them".into(),
                });
            };
            if checkpoint.origin != key.fingerprint() || !checkpoint.verify(key) {
                return Err(Failure {
                    seq: None,
                    reason: format!(
                        "the checkpoint for size {} signed at {} does not carry a valid signature of key {}",
                        checkpoint.size,
                        checkpoint.at,
                        key.fingerprint()
                    ),
                });
            }
            if let Some(other) = by_size.get(&checkpoint.size)
                && other.head != checkpoint.head
            {
                return Err(Failure {
                    seq: Some(checkpoint.size),
                    reason: format!(
                        "two signed checkpoints for size {} name different heads: the log was forked",
                        checkpoint.size
                    ),
                });
            }
            by_size.insert(checkpoint.size, checkpoint);
        }
        Ok(ChainVerifier {
            expected_seq: 1,
            prev_hash: GENESIS.to_owned(),
            checkpoints: by_size,
            last_anchor: 0,
            matched: 0,
            failure: None,
        })
    }

    /// Continues a verification after a record already trusted (`seq`, `hash`), without
    /// checkpoints: for checking the records added since the last checkpoint.
    pub fn after(seq: i64, hash: &str) -> ChainVerifier {
        ChainVerifier {
            expected_seq: seq + 1,
            prev_hash: hash.to_owned(),
            checkpoints: BTreeMap::new(),
            last_anchor: seq,
            matched: 0,
            failure: None,
        }
    }

    /// Checks the next record.
    pub fn push(&mut self, record: &Record) -> Result<(), Failure> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let result = self.check(record);
        if let Err(failure) = &result {
            self.failure = Some(failure.clone());
        }
        result
    }

    fn check(&mut self, record: &Record) -> Result<(), Failure> {
        let expected = self.expected_seq;
        let fail = |seq: i64, reason: String| Failure {
            seq: Some(seq),
            reason,
        };
        if record.seq != expected {
            return Err(if record.seq > expected {
                fail(
                    expected,
                    format!(
                        "missing: the log jumps from {} to {} (records deleted)",
                        expected - 1,
                        record.seq
                    ),
                )
            } else {
                fail(
                    record.seq,
                    format!(
                        "inserted or reordered: sequence number {} appears again where {expected} belongs",
                        record.seq
                    ),
                )
            });
        }
        match record.expected_hash() {
            None => {
                return Err(fail(
                    expected,
                    format!("unknown hash algorithm `{}`", record.alg),
                ));
            }
            Some(hash) if hash != record.hash => {
                return Err(fail(
                    expected,
                    "modified: the record's content does not match its hash".into(),
                ));
            }
            Some(_) => {}
        }
        if record.prev_hash != self.prev_hash {
            return Err(fail(
                expected,
                "chain broken: the record does not follow the one before it (a record was inserted, deleted or replaced)"
                    .into(),
            ));
        }
        if let Some(checkpoint) = self.checkpoints.get(&expected) {
            if checkpoint.head != record.hash {
                return Err(fail(
                    self.last_anchor + 1,
                    format!(
                        "rewritten: records {}..={expected} do not match the checkpoint signed at {} (the chain was recomputed)",
                        self.last_anchor + 1,
                        checkpoint.at
                    ),
                ));
            }
            self.last_anchor = expected;
            self.matched += 1;
        }
        self.prev_hash.clone_from(&record.hash);
        self.expected_seq += 1;
        Ok(())
    }

    /// Ends the verification: fails when a checkpoint vouches for more records than there are
    /// (a truncated log or a rolled-back database).
    pub fn finish(self) -> Result<Verified, Failure> {
        if let Some(failure) = self.failure {
            return Err(failure);
        }
        let records = self.expected_seq - 1;
        if let Some((&size, checkpoint)) = self.checkpoints.last_key_value()
            && size > records
        {
            return Err(Failure {
                seq: Some(records + 1),
                reason: format!(
                    "truncated: the log ends at {records} but a checkpoint signed at {} vouches for {size} records",
                    checkpoint.at
                ),
            });
        }
        Ok(Verified {
            records,
            head: self.prev_hash,
            checkpoints: self.matched,
            anchored_size: self.last_anchor,
        })
    }
}

#[cfg(test)]
mod tests;
