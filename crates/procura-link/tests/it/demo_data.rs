//! Linkage on the demo's labelled benchmark population (`procura_demo::linkage_data`, the data
//! the F1 figure in BENCHMARKS.md is measured on), through the same pipeline: what the
//! variant-aware levels, the competition between persons and the vetoes change on data made by
//! the demo's own noise process must not cost precision there.

use std::collections::HashMap;

use procura_core::date::{ExcelDateSystem, parse_date};
use procura_demo::linkage_data::{LinkageConfig, write_linkage_data};
use procura_link::cluster::Strength;
use procura_link::record::{RawPerson, Record, Source};
use procura_link::{Settings, link};

#[test]
// The figures are the report this test exists for (`-- --nocapture` shows them).
#[allow(clippy::print_stdout)]
fn demo_population_links_with_high_precision() {
    let dir = tempfile::tempdir().unwrap();
    let output = write_linkage_data(&LinkageConfig {
        records: 20_000,
        seed: 7,
        out: dir.path().join("linkage"),
    })
    .unwrap();
    let text = std::fs::read_to_string(&output.csv).unwrap();
    let labels: HashMap<String, String> = std::fs::read_to_string(&output.labels)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(number, entity)| (number.to_owned(), entity.to_owned()))
        .collect();
    let mut truth: Vec<String> = Vec::new();
    let mut rows: Vec<Record> = Vec::new();
    for (index, line) in text.lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let present = |i: usize| (!fields[i].trim().is_empty()).then(|| fields[i].to_owned());
        let raw = RawPerson {
            person_id_raw: present(2),
            name: present(1),
            birth_date: present(3)
                .and_then(|d| parse_date(&d, ExcelDateSystem::Excel1900).ok())
                .map(|d| d.date),
            gender: present(4),
            region: present(5),
            phone: present(6),
            ..RawPerson::default()
        };
        truth.push(labels[fields[0]].clone());
        rows.push(Record::from_raw(
            Source {
                dataset: "persons".into(),
                version_id: 1,
                row_id: index as i64,
            },
            &raw,
            chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        ));
    }
    let result = link(rows, &Settings::default(), None, &[]);
    let mut report = String::new();
    for minimum in [Strength::Strong, Strength::Probable] {
        let entity: Vec<Option<&str>> = result
            .row_records
            .iter()
            .map(|r| {
                let assignment = &result.assignments[*r as usize];
                (assignment.strength >= minimum).then_some(assignment.entity.as_str())
            })
            .collect();
        let valid: Vec<bool> = result
            .row_records
            .iter()
            .map(|r| result.records[*r as usize].id.is_some())
            .collect();
        let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
        for (row, entity) in entity.iter().enumerate() {
            if let Some(entity) = entity {
                members.entry(entity).or_default().push(row);
            }
        }
        let (mut pairs, mut wrong) = (0usize, 0usize);
        for list in members.values() {
            for (i, a) in list.iter().enumerate() {
                for b in &list[i + 1..] {
                    if !(valid[*a] && valid[*b]) {
                        pairs += 1;
                        wrong += usize::from(truth[*a] != truth[*b]);
                    }
                }
            }
        }
        let mut records_of: HashMap<&str, usize> = HashMap::new();
        for label in &truth {
            *records_of.entry(label.as_str()).or_insert(0) += 1;
        }
        let (mut linkable, mut found) = (0usize, 0usize);
        for row in 0..truth.len() {
            if valid[row] || records_of[truth[row].as_str()] < 2 {
                continue;
            }
            linkable += 1;
            found += usize::from(entity[row].is_some_and(|e| {
                members[e]
                    .iter()
                    .any(|other| *other != row && truth[*other] == truth[row])
            }));
        }
        let precision = 1.0 - wrong as f64 / pairs.max(1) as f64;
        let recall = found as f64 / linkable.max(1) as f64;
        report.push_str(&format!(
            "demo data at {}: recall {found}/{linkable} = {recall:.4}, precision {}/{pairs} = {precision:.4}\n",
            minimum.code(),
            pairs - wrong
        ));
        assert!(precision >= 0.99, "{report}");
    }
    println!("{report}");
}
