//! End-to-end linkage on a small noisy population: the right records join, the wrong ones
//! don't, two valid IDs never merge, judgements override, keys are stable.

mod demo_data;
mod independent;

use chrono::NaiveDate;
use procura_link::cluster::Strength;
use procura_link::record::{RawPerson, Record, Source};
use procura_link::{Judgement, Settings, link};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
}

fn id(first17: &str) -> String {
    let check = procura_core::person_id::check_character(first17).unwrap();
    format!("{first17}{check}")
}

struct Builder {
    rows: Vec<Record>,
    truth: Vec<usize>,
}

impl Builder {
    fn add(&mut self, person: usize, dataset: &str, raw: RawPerson) {
        let row_id = self.rows.len() as i64 + 1;
        self.rows.push(Record::from_raw(
            Source {
                dataset: dataset.into(),
                version_id: 1,
                row_id,
            },
            &raw,
            today(),
        ));
        self.truth.push(person);
    }
}

const SURNAMES: [&str; 8] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰",
];
const HOMOPHONE: [(&str, &str); 4] = [("伟", "玮"), ("静", "婧"), ("杰", "洁"), ("军", "君")];

/// 300 persons, each with a clean record in a "registry" dataset and one or two noisy
/// records elsewhere: some without ID, some with a mistyped ID, with homophones, traditional
/// characters and swapped day and month.
fn population() -> Builder {
    let mut builder = Builder {
        rows: Vec::new(),
        truth: Vec::new(),
    };
    for person in 0..300usize {
        let surname = SURNAMES[person % SURNAMES.len()];
        let given = format!(
            "{}{}",
            GIVEN[person % GIVEN.len()],
            GIVEN[(person / 7) % GIVEN.len()]
        );
        let name = format!("{surname}{given}");
        let birth = NaiveDate::from_ymd_opt(
            1950 + (person % 50) as i32,
            1 + (person % 12) as u32,
            1 + (person % 28) as u32,
        )
        .unwrap();
        let region = ["330602", "330603", "110101", "440308"][person % 4];
        let first17 = format!("{region}{}{:03}", birth.format("%Y%m%d"), person % 1000);
        let valid = id(&first17);
        let gender = if (person % 1000) % 2 == 1 {
            "男"
        } else {
            "女"
        };
        builder.add(
            person,
            "registry",
            RawPerson {
                person_id: Some(valid.clone()),
                person_id_raw: Some(valid.clone()),
                name: Some(name.clone()),
                birth_date: Some(birth),
                gender: Some(gender.into()),
                ..RawPerson::default()
            },
        );
        let noisy_name = match person % 5 {
            0 => HOMOPHONE
                .iter()
                .fold(name.clone(), |n, (a, b)| n.replace(a, b)),
            1 => name
                .replace('张', "張")
                .replace('刘', "劉")
                .replace('陈', "陳"),
            _ => name.clone(),
        };
        let noisy_id = match person % 3 {
            0 => None,
            1 => {
                let mut bytes = valid.clone().into_bytes();
                bytes[15] = if bytes[15] == b'9' {
                    b'0'
                } else {
                    bytes[15] + 1
                };
                Some(String::from_utf8(bytes).unwrap())
            }
            _ => Some(valid.clone()),
        };
        let noisy_birth = if person % 7 == 0 && birth.day() <= 12 {
            NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month())
        } else {
            Some(birth)
        };
        builder.add(
            person,
            "pensions",
            RawPerson {
                person_id: noisy_id.clone().filter(|i| i == &valid),
                person_id_raw: noisy_id,
                name: Some(noisy_name),
                birth_date: noisy_birth,
                gender: Some(gender.into()),
                ..RawPerson::default()
            },
        );
    }
    builder
}

use chrono::Datelike;

fn pairwise(assignments: &[String], truth: &[usize]) -> (f64, f64) {
    let mut true_positive = 0.0;
    let mut predicted = 0.0;
    let mut actual = 0.0;
    for i in 0..truth.len() {
        for j in i + 1..truth.len() {
            let same_truth = truth[i] == truth[j];
            let same_predicted = assignments[i] == assignments[j];
            if same_truth {
                actual += 1.0;
            }
            if same_predicted {
                predicted += 1.0;
                if same_truth {
                    true_positive += 1.0;
                }
            }
        }
    }
    (true_positive / predicted, true_positive / actual)
}

#[test]
fn noisy_records_link_to_the_right_person() {
    let builder = population();
    let settings = Settings {
        u_samples: 200_000,
        ..Settings::default()
    };
    let result = link(builder.rows.clone(), &settings, None, &[]);
    let per_row: Vec<String> = result
        .row_records
        .iter()
        .map(|r| result.assignments[*r as usize].entity.clone())
        .collect();
    let (precision, recall) = pairwise(&per_row, &builder.truth);
    assert!(precision >= 0.99, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
    // Candidate pairs were counted before comparing, per rule.
    assert_eq!(result.stats.candidate_pairs.len(), settings.rules.len());
    assert!(
        result
            .stats
            .candidate_pairs
            .iter()
            .map(|(_, n)| n)
            .sum::<u64>()
            > 0
    );
    // Records with a valid ID are exact; linked ones say how strongly.
    for (index, assignment) in result.assignments.iter().enumerate() {
        if result.records[index].id.is_some() {
            assert_eq!(assignment.strength, Strength::Exact);
            assert_eq!(Some(&assignment.entity), result.records[index].id.as_ref());
        }
    }
    // The same data gives the same entity keys.
    let again = link(
        builder.rows.clone(),
        &settings,
        Some(result.model.clone()),
        &[],
    );
    assert_eq!(
        again
            .assignments
            .iter()
            .map(|a| &a.entity)
            .collect::<Vec<_>>(),
        result
            .assignments
            .iter()
            .map(|a| &a.entity)
            .collect::<Vec<_>>()
    );
}

#[test]
fn two_valid_ids_never_merge_and_judgements_override() {
    let first = id("33060219800101001");
    let second = id("33060219800101003");
    let raw = |person_id: Option<&str>, raw_id: Option<&str>| RawPerson {
        person_id: person_id.map(str::to_owned),
        person_id_raw: raw_id.map(str::to_owned),
        name: Some("王伟".into()),
        birth_date: NaiveDate::from_ymd_opt(1980, 1, 1),
        gender: Some("男".into()),
        ..RawPerson::default()
    };
    let source = |row_id| Source {
        dataset: "d".into(),
        version_id: 1,
        row_id,
    };
    let rows = vec![
        Record::from_raw(source(1), &raw(Some(&first), Some(&first)), today()),
        Record::from_raw(source(2), &raw(Some(&second), Some(&second)), today()),
        // No ID: it resembles both equally. It is one person at most, so the two compete for
        // it and it joins neither.
        Record::from_raw(source(3), &raw(None, None), today()),
    ];
    let settings = Settings {
        u_samples: 10_000,
        ..Settings::default()
    };
    let result = link(rows.clone(), &settings, None, &[]);
    assert_ne!(result.assignments[0].entity, result.assignments[1].entity);
    assert_eq!(result.assignments[2].strength, Strength::Unlinked);
    // A person rejects the link of row 3 to one of them, and confirms it with the other.
    let joined = result.assignments[2].entity.clone();
    let (keep, drop) = if joined == first { (1, 0) } else { (0, 1) };
    let judgements = vec![
        Judgement {
            left: rows[2].key.clone(),
            right: rows[drop].key.clone(),
            same: false,
        },
        Judgement {
            left: rows[2].key.clone(),
            right: rows[keep].key.clone(),
            same: true,
        },
    ];
    let judged = link(
        rows.clone(),
        &settings,
        Some(result.model.clone()),
        &judgements,
    );
    assert_eq!(
        judged.assignments[2].entity,
        judged.assignments[keep].entity
    );
    assert_eq!(judged.assignments[2].strength, Strength::Confirmed);
}

#[test]
fn conflicting_records_are_findings() {
    let valid = id("33060219800101001");
    let source = |row_id| Source {
        dataset: "d".into(),
        version_id: 1,
        row_id,
    };
    let rows = vec![
        Record::from_raw(
            source(1),
            &RawPerson {
                person_id: Some(valid.clone()),
                name: Some("王伟".into()),
                ..RawPerson::default()
            },
            today(),
        ),
        Record::from_raw(
            source(2),
            &RawPerson {
                person_id: Some(valid.clone()),
                name: Some("李娜".into()),
                birth_date: NaiveDate::from_ymd_opt(1981, 1, 1),
                ..RawPerson::default()
            },
            today(),
        ),
    ];
    let result = link(
        rows,
        &Settings {
            u_samples: 1000,
            ..Settings::default()
        },
        None,
        &[],
    );
    let kinds: Vec<&str> = result.findings.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&"same_id_different_name"), "{kinds:?}");
    assert!(kinds.contains(&"birth_conflict"), "{kinds:?}");
}

/// A model with hand-set parameters (real training needs more data than a test shows): m high
/// on each comparison's best level, u as for a county-sized population.
fn hand_model() -> procura_link::TrainedModel {
    use procura_link::compare::{COMPARISONS, Comparison};
    let table = |best: f64| -> Vec<Vec<f64>> {
        COMPARISONS
            .iter()
            .map(|c| {
                let n = c.levels().len();
                (0..n)
                    .map(|l| {
                        if l == 0 {
                            best
                        } else {
                            (1.0 - best) / (n - 1) as f64
                        }
                    })
                    .collect()
            })
            .collect()
    };
    let mut m = table(0.9);
    let mut u = table(0.001);
    // Names: a fifth of a person's records read alike but are written differently.
    m[Comparison::Name.index()] = vec![0.6, 0.1, 0.2, 0.03, 0.03, 0.02, 0.01, 0.005, 0.004, 0.001];
    // Region: most pairs of different persons are in another county of the province.
    m[Comparison::Region.index()] = vec![0.99, 0.004, 0.004, 0.002];
    u[Comparison::Region.index()] = vec![0.1, 0.3, 0.5, 0.1];
    u[Comparison::Gender.index()] = vec![0.5, 0.5];
    procura_link::TrainedModel {
        format: procura_link::MODEL_FORMAT,
        rules: procura_link::blocking::BlockingRule::DEFAULT.to_vec(),
        parameters: procura_link::train::Parameters {
            m,
            u,
            prior: 1e-3,
            iterations: 0,
        },
        records: 0,
    }
}

#[test]
fn a_record_the_direct_comparison_rejects_does_not_join_through_a_third() {
    let person = id("33030219511005438");
    let raw = |name: &str, id: Option<&str>, region: Option<&str>| RawPerson {
        person_id_raw: id.map(str::to_owned),
        name: Some(name.into()),
        birth_date: NaiveDate::from_ymd_opt(1951, 10, 5),
        gender: Some("女".into()),
        region: region.map(str::to_owned),
        ..RawPerson::default()
    };
    let source = |row_id| Source {
        dataset: "d".into(),
        version_id: 1,
        row_id,
    };
    let mut rows = vec![
        // The pensioner, with her ID and county.
        Record::from_raw(
            source(1),
            &raw("张静燕", Some(&person), Some("330302")),
            today(),
        ),
        // Her death record: no ID, no county.
        Record::from_raw(source(2), &raw("张静燕", None, None), today()),
        // Somebody else, same birth date, a homophone name, another city's county.
        Record::from_raw(source(3), &raw("张菁燕", None, Some("330681")), today()),
    ];
    // Other people, so that names have realistic frequencies.
    for n in 0..400 {
        let name = format!(
            "{}{}",
            ["王", "李", "刘", "陈"][n % 4],
            char::from_u32(0x4E00 + 37 * n as u32).unwrap()
        );
        rows.push(Record::from_raw(
            source(10 + n as i64),
            &RawPerson {
                name: Some(name),
                birth_date: NaiveDate::from_ymd_opt(
                    1940 + (n % 30) as i32,
                    1 + (n % 12) as u32,
                    1 + (n % 28) as u32,
                ),
                ..RawPerson::default()
            },
            today(),
        ));
    }
    let result = link(rows, &Settings::default(), Some(hand_model()), &[]);
    let entity = |row: usize| &result.assignments[result.row_records[row] as usize];
    assert_eq!(
        entity(1).entity,
        person,
        "the death record joins the pensioner"
    );
    // The homophone and the birth date tie the third record to the death record, but its own
    // comparison with the pensioner (another county) says no: it stays apart.
    assert_ne!(entity(2).entity, person);
}

#[test]
fn a_confirmed_pair_overrides_the_model_veto() {
    let person = id("33030219511005438");
    let raw = |name: &str, id: Option<&str>, region: Option<&str>| RawPerson {
        person_id_raw: id.map(str::to_owned),
        name: Some(name.into()),
        birth_date: NaiveDate::from_ymd_opt(1951, 10, 5),
        gender: Some("女".into()),
        region: region.map(str::to_owned),
        ..RawPerson::default()
    };
    let source = |row_id| Source {
        dataset: "d".into(),
        version_id: 1,
        row_id,
    };
    let rows = vec![
        Record::from_raw(
            source(1),
            &raw("张静燕", Some(&person), Some("330302")),
            today(),
        ),
        Record::from_raw(
            source(2),
            &raw("張靜燕", Some(&person), Some("330302")),
            today(),
        ),
        // Another county: the model keeps it apart; a person says it is her.
        Record::from_raw(source(3), &raw("张菁燕", None, Some("330681")), today()),
    ];
    let model = hand_model();
    let before = link(rows.clone(), &Settings::default(), Some(model.clone()), &[]);
    assert_ne!(before.assignments[2].entity, person);
    let judged = link(
        rows.clone(),
        &Settings::default(),
        Some(model),
        &[Judgement {
            left: rows[2].key.clone(),
            right: rows[0].key.clone(),
            same: true,
        }],
    );
    assert_eq!(judged.assignments[2].entity, person);
    assert_eq!(judged.assignments[2].strength, Strength::Confirmed);
}
