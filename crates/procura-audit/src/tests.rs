use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn entry(i: usize, rng: &mut ChaCha8Rng) -> Entry {
    let accounts = [
        "li.jiancha",
        "wang.zhuren",
        "shuju",
        "moxing",
        "shenji",
        "local:ops",
    ];
    let actions = [
        "clue.read",
        "login",
        "login.failed",
        "dataset.read",
        "clue.assign",
    ];
    Entry {
        at: format!("2026-12-02T08:{:02}:{:02}.000Z", (i / 60) % 60, i % 60),
        account: accounts[rng.random_range(0..accounts.len())].to_owned(),
        roles: "procurator".into(),
        client: format!("127.0.0.{}", rng.random_range(1..255)),
        action: actions[rng.random_range(0..actions.len())].to_owned(),
        object: format!("clue:{}", rng.random_range(1..100_000)),
        outcome: if rng.random_bool(0.9) { "ok" } else { "denied" }.into(),
        purpose: if rng.random_bool(0.2) {
            "核查线索 12 号".into()
        } else {
            String::new()
        },
        detail: format!("{{\"n\":{i}}}"),
    }
}

fn log(n: usize, seed: u64, alg: HashAlg) -> Vec<Record> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out: Vec<Record> = Vec::with_capacity(n);
    for i in 0..n {
        let (seq, prev) = out
            .last()
            .map_or((0, GENESIS.to_owned()), |r| (r.seq, r.hash.clone()));
        out.push(Record::chain(seq, &prev, entry(i, &mut rng), alg));
    }
    out
}

/// Checkpoints every `every` records and at the end, as the app writes them.
fn checkpoints(records: &[Record], key: &CheckpointKey, every: usize) -> Vec<Checkpoint> {
    let mut out: Vec<Checkpoint> = records
        .iter()
        .filter(|r| (r.seq as usize).is_multiple_of(every))
        .map(|r| Checkpoint::sign(key, r.seq, &r.hash, &r.entry.at))
        .collect();
    if let Some(last) = records.last()
        && !(last.seq as usize).is_multiple_of(every)
    {
        out.push(Checkpoint::sign(key, last.seq, &last.hash, &last.entry.at));
    }
    out
}

fn verify(
    records: &[Record],
    checkpoints: Vec<Checkpoint>,
    key: &PublicKey,
) -> Result<Verified, Failure> {
    let mut verifier = ChainVerifier::new(checkpoints, Some(key))?;
    for record in records {
        verifier.push(record)?;
    }
    verifier.finish()
}

fn key(seed: u8) -> CheckpointKey {
    CheckpointKey::from_secret([seed; 32])
}

fn rechain(records: &mut [Record], from: usize) {
    for i in from..records.len() {
        let prev = if i == 0 {
            GENESIS.to_owned()
        } else {
            records[i - 1].hash.clone()
        };
        records[i].prev_hash = prev;
        records[i].hash = records[i].expected_hash().unwrap();
    }
}

#[test]
fn known_answers_pin_the_hash_functions() {
    // SHA-256("abc") and SM3("abc") (GB/T 32905-2016, appendix A.1).
    assert_eq!(
        HashAlg::Sha256.digest(&[b"abc"]),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        HashAlg::Sm3.digest(&[b"a", b"bc"]),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    // The canonical encoding of a record is fixed: a change of it breaks every stored log.
    let record = Record::chain(0, GENESIS, Entry::default(), HashAlg::Sha256);
    assert_eq!(record.hash.len(), 64);
    assert_eq!(
        record.hash,
        Record::chain(0, GENESIS, Entry::default(), HashAlg::Sha256).hash
    );
}

#[test]
fn length_prefixes_keep_field_boundaries_apart() {
    let a = Entry {
        account: "ab".into(),
        roles: "c".into(),
        ..Entry::default()
    };
    let b = Entry {
        account: "a".into(),
        roles: "bc".into(),
        ..Entry::default()
    };
    assert_ne!(
        Record::chain(0, GENESIS, a, HashAlg::Sha256).hash,
        Record::chain(0, GENESIS, b, HashAlg::Sha256).hash
    );
}

#[test]
fn untouched_logs_verify_with_both_algorithms() {
    let signer = key(7);
    for seed in 0..100 {
        let alg = if seed % 2 == 0 {
            HashAlg::Sha256
        } else {
            HashAlg::Sm3
        };
        let n = 1 + (seed as usize * 37) % 400;
        let records = log(n, seed, alg);
        let cps = checkpoints(&records, &signer, 50);
        let verified = verify(&records, cps, &signer.public()).unwrap();
        assert_eq!(verified.records, n as i64);
        assert_eq!(verified.anchored_size, n as i64);
    }
}

#[test]
fn a_thousand_random_tamperings_are_all_detected() {
    let signer = key(3);
    let public = signer.public();
    let original = log(2_000, 42, HashAlg::Sha256);
    let cps = checkpoints(&original, &signer, 100);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let mut kinds = [0usize; 7];
    for _ in 0..1_200 {
        let mut records = original.clone();
        let k = rng.random_range(0..records.len());
        let kind = rng.random_range(0..7);
        kinds[kind] += 1;
        // The first sequence number that the tampering makes untrustworthy, and whether
        // verification must name it exactly (true) or may name an earlier one in its
        // checkpoint range (false: a recomputed chain is only caught at the checkpoint).
        let (first_bad, exact) = match kind {
            0 => {
                // change one byte of one field
                let field = rng.random_range(0..4);
                let target = match field {
                    0 => &mut records[k].entry.account,
                    1 => &mut records[k].entry.object,
                    2 => &mut records[k].entry.outcome,
                    _ => &mut records[k].entry.at,
                };
                let mut bytes = std::mem::take(target).into_bytes();
                let at = rng.random_range(0..bytes.len());
                bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
                *target = String::from_utf8_lossy(&bytes).into_owned();
                (k as i64 + 1, true)
            }
            1 => {
                records.remove(k);
                (k as i64 + 1, true)
            }
            2 => {
                let j = (k + 1 + rng.random_range(0..50)).min(records.len() - 1);
                if j == k {
                    records.swap(k - 1, k);
                    (k as i64, true)
                } else {
                    records.swap(k, j);
                    (k as i64 + 1, true)
                }
            }
            3 => {
                // a forged record inserted with a correct hash of its own
                let prev = if k == 0 {
                    GENESIS.to_owned()
                } else {
                    records[k - 1].hash.clone()
                };
                let forged = Record::chain(k as i64, &prev, entry(0, &mut rng), HashAlg::Sha256);
                records.insert(k, forged);
                (k as i64 + 1, false)
            }
            4 => {
                // change a record and recompute the whole chain after it, without the key
                records[k].entry.outcome = "ok (edited)".into();
                rechain(&mut records, k);
                (k as i64 + 1, false)
            }
            5 => {
                let keep = rng.random_range(0..records.len());
                records.truncate(keep);
                (keep as i64 + 1, true)
            }
            _ => {
                // the whole database rolled back to an older copy
                let keep = rng.random_range(1..records.len());
                records.truncate(keep);
                (keep as i64 + 1, true)
            }
        };
        let failure =
            verify(&records, cps.clone(), &public).expect_err("tampering must be detected");
        let seq = failure.seq.expect("a record is named");
        if exact {
            assert_eq!(seq, first_bad, "kind {kind}: {failure}");
        } else {
            assert!(
                seq <= first_bad && first_bad - seq < 100,
                "kind {kind}: {failure}"
            );
        }
    }
    assert!(kinds.iter().all(|&n| n > 100), "{kinds:?}");
}

#[test]
fn checkpoints_signed_by_another_key_or_edited_are_refused() {
    let signer = key(1);
    let records = log(300, 1, HashAlg::Sha256);
    let cps = checkpoints(&records, &signer, 100);

    let attacker = key(2);
    let forged = checkpoints(&records, &attacker, 100);
    let failure = verify(&records, forged, &signer.public()).unwrap_err();
    assert_eq!(failure.seq, None, "{failure}");

    let mut edited = cps.clone();
    edited[1].size = 150;
    assert!(verify(&records, edited, &signer.public()).is_err());

    // A rewritten chain re-signed with the attacker's own key does not pass the office key.
    let mut rewritten = records.clone();
    rewritten[10].entry.account = "nobody".into();
    rechain(&mut rewritten, 10);
    let resigned = checkpoints(&rewritten, &attacker, 100);
    assert!(verify(&rewritten, resigned, &signer.public()).is_err());
}

#[test]
fn checkpoint_lines_round_trip_and_bad_lines_are_named() {
    let signer = key(5);
    let cp = Checkpoint::sign(&signer, 12, &"ab".repeat(32), "2026-12-02T00:00:00.000Z");
    let text = format!("# comment\n\n{}\n", cp.to_line());
    let parsed = Checkpoint::parse_file(&text).unwrap();
    assert_eq!(parsed, vec![cp.clone()]);
    assert!(parsed[0].verify(&signer.public()));
    let err = Checkpoint::parse_file("procura-audit-checkpoint-v1 a b").unwrap_err();
    assert_eq!(
        err,
        Error::BadCheckpoint {
            line: 1,
            reason: "expected six fields".into()
        }
    );
    assert!(PublicKey::from_hex(&signer.public_hex()).is_ok());
    assert!(PublicKey::from_hex("zz").is_err());
    let again = CheckpointKey::from_hex(&signer.secret_hex()).unwrap();
    assert_eq!(again.public_hex(), signer.public_hex());
}

#[test]
fn two_heads_for_one_size_are_a_fork() {
    let signer = key(4);
    let a = log(10, 1, HashAlg::Sha256);
    let b = log(10, 2, HashAlg::Sha256);
    let cps = vec![
        Checkpoint::sign(&signer, 10, &a[9].hash, "t1"),
        Checkpoint::sign(&signer, 10, &b[9].hash, "t2"),
    ];
    let failure = ChainVerifier::new(cps, Some(&signer.public())).unwrap_err();
    assert_eq!(failure.seq, Some(10));
}

#[test]
fn a_verification_resumes_after_a_trusted_record() {
    let mut records = log(300, 11, HashAlg::Sha256);
    let mut resumed = ChainVerifier::after(records[99].seq, &records[99].hash);
    for record in &records[100..] {
        resumed.push(record).unwrap();
    }
    assert_eq!(resumed.finish().unwrap().records, 300);
    records[150].entry.object = "clue:0".into();
    let mut resumed = ChainVerifier::after(records[99].seq, &records[99].hash);
    let failure = records[100..]
        .iter()
        .find_map(|r| resumed.push(r).err())
        .unwrap();
    assert_eq!(failure.seq, Some(151));
}
