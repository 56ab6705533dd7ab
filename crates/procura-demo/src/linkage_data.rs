//! A labelled population for the linkage benchmark: person records as many agencies would
//! hold them, each with the number of the person it truly belongs to, so that a linker's
//! clusters can be scored pair by pair.
//!
//! Persons have realistic names drawn with the common-surname distribution of the demo (so
//! 王伟-style namesakes abound), birth dates from 1940 to 2005, a county of
//! [`region::current_county_codes`], a valid ID and a mobile number. Each has one to five
//! records (mostly two or three), and each record is written with the noise Chinese records
//! carry: IDs missing, mistyped or respelled; names in traditional characters, with a
//! homophone or another character in the given name, or with a space; birth dates with day
//! and month swapped or a digit off; a neighbouring county; someone else's phone.
//!
//! Output is a pure function of `(records, seed)`. Persons are kept in memory in a compact form
//! (some 60 bytes each) together with the shuffled record order (4 bytes a record); the records
//! themselves are streamed to disk, so a million records need some 30 MB.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use procura_core::name::name_pinyin;
use procura_core::{person_id, region};
use rand::RngExt;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use crate::calendar::{date, random_day};
use crate::error::Error;
use crate::noise::{DateStyle, date_text, homophone, one_digit_off, spaced_name, traditional};
use crate::plan::stream_rng;
use crate::population::{GIVEN, NameMaker, gender_zh, is_male_id};

/// The records file in the output directory.
pub const PERSONS_FILE: &str = "persons.csv";

/// The labels file in the output directory.
pub const LABELS_FILE: &str = "labels.csv";

/// The header of [`PERSONS_FILE`].
pub const HEADER: [&str; 7] = [
    "记录编号",
    "姓名",
    "身份证号",
    "出生日期",
    "性别",
    "户籍地区划",
    "电话",
];

/// The header of [`LABELS_FILE`].
pub const LABELS_HEADER: [&str; 2] = ["记录编号", "true_entity"];

/// What to write and where.
#[derive(Debug, Clone)]
pub struct LinkageConfig {
    /// Records to write (over all persons).
    pub records: usize,
    pub seed: u64,
    /// Output directory, created if absent; the two files in it are replaced.
    pub out: PathBuf,
}

/// What [`write_linkage_data`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkageOutput {
    pub records: usize,
    /// Distinct persons (true entities) behind the records.
    pub persons: usize,
    pub csv: PathBuf,
    pub labels: PathBuf,
}

/// Writes `OUT/persons.csv` (UTF-8) and `OUT/labels.csv`.
pub fn write_linkage_data(config: &LinkageConfig) -> Result<LinkageOutput, Error> {
    fs::create_dir_all(&config.out).map_err(Error::io(&config.out))?;
    let csv = config.out.join(PERSONS_FILE);
    let labels = config.out.join(LABELS_FILE);
    let mut generator = Generator::new(config.records, config.seed);
    let mut records = Sink::create(&csv)?;
    let mut truth = Sink::create(&labels)?;
    records.line(&HEADER.join(","))?;
    truth.line(&LABELS_HEADER.join(","))?;
    let mut line = String::with_capacity(128);
    for slot in 0..generator.owners.len() {
        let (record, _) = generator.record(slot);
        line.clear();
        let fields = [
            record.number.as_str(),
            &record.name,
            &record.id,
            &record.birth,
            record.gender,
            &record.region,
            &record.phone,
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            // No generated value contains a comma, quote or line break; nothing to quote.
            line.push_str(field);
        }
        records.line(&line)?;
        line.clear();
        line.push_str(&record.number);
        line.push(',');
        line.push_str(&entity_label(record.entity));
        truth.line(&line)?;
    }
    records.finish()?;
    truth.finish()?;
    Ok(LinkageOutput {
        records: generator.owners.len(),
        persons: generator.persons.len(),
        csv,
        labels,
    })
}

/// The label of the `index`-th person: `P0000001`.
fn entity_label(index: u32) -> String {
    format!("P{:07}", u64::from(index) + 1)
}

struct Sink {
    file: BufWriter<File>,
    path: PathBuf,
}

impl Sink {
    fn create(path: &Path) -> Result<Sink, Error> {
        let file = File::create(path).map_err(Error::io(path))?;
        Ok(Sink {
            file: BufWriter::with_capacity(1 << 20, file),
            path: path.to_path_buf(),
        })
    }

    fn line(&mut self, line: &str) -> Result<(), Error> {
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.write_all(b"\n"))
            .map_err(Error::io(&self.path))
    }

    fn finish(mut self) -> Result<(), Error> {
        self.file.flush().map_err(Error::io(&self.path))
    }
}

/// One person, compactly: the ID is rebuilt from the county, birth date and sequence.
struct Entity {
    name: String,
    birth: NaiveDate,
    county: u32,
    sequence: u16,
    phone: u64,
}

/// How a record's ID is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdNoise {
    Canonical,
    /// Legacy 15 digits, full-width characters or a lower-case `x`.
    Respelled,
    Mistyped,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameNoise {
    Exact,
    Traditional,
    Homophone,
    Spaced,
    /// A different (non-homophone) character in the given name.
    OtherCharacter,
    /// A minority name with its middle dot respelled or dropped.
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BirthNoise {
    Exact,
    Swapped,
    OneDigit,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegionNoise {
    Own,
    SameCity,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PhoneNoise {
    Absent,
    Own,
    Other,
}

/// What was done to one record, for the tests.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(not(test), allow(dead_code))]
struct Noise {
    id: IdNoise,
    name: NameNoise,
    birth: BirthNoise,
    gender: bool,
    region: RegionNoise,
    phone: PhoneNoise,
}

/// One record as written.
struct Record {
    number: String,
    entity: u32,
    name: String,
    id: String,
    birth: String,
    gender: &'static str,
    region: String,
    phone: String,
}

/// The persons, the order of their records, and the stream that draws each record's noise.
struct Generator {
    persons: Vec<Entity>,
    /// The person of each record, in output order.
    owners: Vec<u32>,
    counties: Vec<String>,
    /// Per county, the other counties of its city.
    neighbours: Vec<Vec<u32>>,
    /// The pinyin of each given-name character, for picking a character that reads otherwise.
    given_pinyin: Vec<String>,
    rng: ChaCha8Rng,
}

impl Generator {
    fn new(records: usize, seed: u64) -> Generator {
        let mut rng = stream_rng(seed, "linkage");
        let counties = region::current_county_codes();
        let zhejiang: Vec<u32> = (0u32..)
            .zip(&counties)
            .filter(|(_, code)| code.starts_with("33"))
            .map(|(i, _)| i)
            .collect();
        let names = NameMaker::new();
        let mut issued = HashSet::with_capacity(records / 2);
        let mut persons = Vec::with_capacity(records * 2 / 5 + 1);
        let mut owners = Vec::with_capacity(records);
        while owners.len() < records {
            let index = persons.len() as u32;
            let count = record_count(&mut rng).min(records - owners.len());
            owners.extend(std::iter::repeat_n(index, count));
            persons.push(entity(&mut rng, &names, &counties, &zhejiang, &mut issued));
        }
        owners.shuffle(&mut rng);
        let neighbours = neighbours(&counties);
        let given_pinyin = GIVEN.iter().map(|c| name_pinyin(c)).collect();
        Generator {
            persons,
            owners,
            counties,
            neighbours,
            given_pinyin,
            rng,
        }
    }

    fn id(&self, person: &Entity) -> String {
        let first17 = format!(
            "{}{}{:03}",
            self.counties[person.county as usize],
            person.birth.format("%Y%m%d"),
            person.sequence
        );
        let check = person_id::check_character(&first17).unwrap_or('0');
        format!("{first17}{check}")
    }

    /// The record in output position `slot`.
    fn record(&mut self, slot: usize) -> (Record, Noise) {
        let entity = self.owners[slot];
        let person = &self.persons[entity as usize];
        let id = self.id(person);
        let male = is_male_id(&id);
        let rng = &mut self.rng;

        let (id_text, id_noise) = id_noise(rng, &id, person.birth);
        let (name, name_noise) = name_noise(rng, &person.name, &self.given_pinyin);
        let (birth, birth_noise) = birth_noise(rng, person.birth);
        let gender_present = rng.random_bool(0.9);
        let neighbours = &self.neighbours[person.county as usize];
        let roll: f64 = rng.random();
        let (region, region_noise) = if roll < 0.8 {
            (
                self.counties[person.county as usize].clone(),
                RegionNoise::Own,
            )
        } else if roll < 0.9
            && let Some(other) = neighbours.choose(rng)
        {
            (
                self.counties[*other as usize].clone(),
                RegionNoise::SameCity,
            )
        } else if roll < 0.9 {
            // A county that is its city's only one: its own code is all a clerk could write.
            (
                self.counties[person.county as usize].clone(),
                RegionNoise::Own,
            )
        } else {
            (String::new(), RegionNoise::Missing)
        };
        let (phone, phone_noise) = if !rng.random_bool(0.4) {
            (String::new(), PhoneNoise::Absent)
        } else if rng.random_bool(0.05) {
            (mobile(rng).to_string(), PhoneNoise::Other)
        } else {
            (person.phone.to_string(), PhoneNoise::Own)
        };
        let record = Record {
            number: format!("R{:07}", slot + 1),
            entity,
            name,
            id: id_text,
            birth,
            gender: if gender_present { gender_zh(male) } else { "" },
            region,
            phone,
        };
        let noise = Noise {
            id: id_noise,
            name: name_noise,
            birth: birth_noise,
            gender: gender_present,
            region: region_noise,
            phone: phone_noise,
        };
        (record, noise)
    }
}

/// Records of one person: 1 to 5, mostly 2 or 3 (2.5 on average).
fn record_count(rng: &mut ChaCha8Rng) -> usize {
    match rng.random_range(0..100) {
        0..20 => 1,
        20..55 => 2,
        55..82 => 3,
        82..93 => 4,
        _ => 5,
    }
}

fn entity(
    rng: &mut ChaCha8Rng,
    names: &NameMaker,
    counties: &[String],
    zhejiang: &[u32],
    issued: &mut HashSet<u64>,
) -> Entity {
    // Half from the demo's province, so that namesakes also share counties and cities.
    let county = if rng.random_bool(0.5)
        && let Some(county) = zhejiang.choose(rng)
    {
        *county
    } else {
        rng.random_range(0..counties.len()) as u32
    };
    let birth = random_day(rng, date(1940, 1, 1), date(2005, 12, 31));
    let code: u64 = counties[county as usize].parse().unwrap_or(0);
    let day = u64::from(birth.year().unsigned_abs()) * 10_000
        + u64::from(birth.month()) * 100
        + u64::from(birth.day());
    // Sequences stop at 995, so that every person born before 2000 has a legacy number.
    let sequence = loop {
        let sequence: u16 = rng.random_range(0..996);
        if issued.insert((code * 100_000_000 + day) * 1000 + u64::from(sequence)) {
            break sequence;
        }
    };
    let name = names.make(rng, sequence % 2 == 1);
    Entity {
        name,
        birth,
        county,
        sequence,
        phone: mobile(rng),
    }
}

/// A mobile number: `1`, a second digit 3–9 as the carriers issue them, nine more digits.
fn mobile(rng: &mut ChaCha8Rng) -> u64 {
    let second = *[3u64, 5, 7, 8, 9].choose(rng).unwrap_or(&3);
    10_000_000_000 + second * 1_000_000_000 + rng.random_range(0..1_000_000_000)
}

/// Per county, the other counties of the same city (same first four digits).
fn neighbours(counties: &[String]) -> Vec<Vec<u32>> {
    let mut cities: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (index, code) in (0u32..).zip(counties) {
        cities.entry(&code[..4]).or_default().push(index);
    }
    (0u32..)
        .zip(counties)
        .map(|(index, code)| {
            cities
                .get(&code[..4])
                .map(|all| all.iter().copied().filter(|&i| i != index).collect())
                .unwrap_or_default()
        })
        .collect()
}

fn id_noise(rng: &mut ChaCha8Rng, id: &str, birth: NaiveDate) -> (String, IdNoise) {
    let roll: f64 = rng.random();
    if roll < 0.65 {
        return (id.to_owned(), IdNoise::Canonical);
    }
    if roll < 0.70 {
        let mut spellings = vec![full_width(id)];
        if id.ends_with('X') {
            spellings.push(id.replace('X', "x"));
        }
        if birth.year() < 2000 {
            spellings.push(format!("{}{}", &id[..6], &id[8..17]));
        }
        let pick = rng.random_range(0..spellings.len());
        return (spellings.swap_remove(pick), IdNoise::Respelled);
    }
    if roll < 0.80 {
        let mut bytes = id.as_bytes().to_vec();
        let position = rng.random_range(0..17);
        let digit = loop {
            let digit = b'0' + rng.random_range(0..10u8);
            if digit != bytes[position] {
                break digit;
            }
        };
        bytes[position] = digit;
        return (
            String::from_utf8(bytes).unwrap_or_default(),
            IdNoise::Mistyped,
        );
    }
    (String::new(), IdNoise::Missing)
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' | 'A'..='Z' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            other => other,
        })
        .collect()
}

fn name_noise(rng: &mut ChaCha8Rng, name: &str, given_pinyin: &[String]) -> (String, NameNoise) {
    if name.contains('·') {
        let dot = *["·", "•", ".", "・", "．", ""].choose(rng).unwrap_or(&"·");
        return (name.replace('·', dot), NameNoise::Dot);
    }
    let roll: f64 = rng.random();
    let exact = || (name.to_owned(), NameNoise::Exact);
    if roll < 0.70 {
        exact()
    } else if roll < 0.78 {
        let written = traditional(name);
        if written == name {
            exact()
        } else {
            (written, NameNoise::Traditional)
        }
    } else if roll < 0.86 {
        homophone(rng, name).map_or_else(exact, |written| (written, NameNoise::Homophone))
    } else if roll < 0.91 {
        let spaced = if rng.random_bool(0.8) {
            spaced_name(name)
        } else {
            // A full-width space, as typed with a Chinese input method.
            spaced_name(name).replace(' ', "\u{3000}")
        };
        (spaced, NameNoise::Spaced)
    } else if roll < 0.94 {
        other_character(rng, name, given_pinyin)
            .map_or_else(exact, |written| (written, NameNoise::OtherCharacter))
    } else {
        exact()
    }
}

/// `name` with one given-name character replaced by a different one that reads otherwise.
fn other_character(rng: &mut ChaCha8Rng, name: &str, given_pinyin: &[String]) -> Option<String> {
    let mut chars: Vec<char> = name.chars().collect();
    let surname = if crate::population::COMPOUND_SURNAMES
        .iter()
        .any(|s| name.starts_with(s))
    {
        2
    } else {
        1
    };
    if chars.len() <= surname {
        return None;
    }
    let position = rng.random_range(surname..chars.len());
    let original = name_pinyin(&chars[position].to_string());
    for _ in 0..20 {
        let pick = rng.random_range(0..GIVEN.len());
        if given_pinyin[pick] != original {
            chars[position] = GIVEN[pick].chars().next()?;
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn birth_noise(rng: &mut ChaCha8Rng, birth: NaiveDate) -> (String, BirthNoise) {
    let style = match rng.random_range(0..20) {
        0..12 => DateStyle::Iso,
        12..15 => DateStyle::Slash,
        15..18 => DateStyle::Chinese,
        _ => DateStyle::Compact,
    };
    let roll: f64 = rng.random();
    let (day, noise) = if roll < 0.85 {
        (Some(birth), BirthNoise::Exact)
    } else if roll < 0.89 {
        let swapped = (birth.day() <= 12 && birth.day() != birth.month())
            .then(|| NaiveDate::from_ymd_opt(birth.year(), birth.day(), birth.month()))
            .flatten();
        match swapped {
            Some(day) => (Some(day), BirthNoise::Swapped),
            None => (Some(birth), BirthNoise::Exact),
        }
    } else if roll < 0.93 {
        match one_digit_off(rng, birth) {
            Some(day) => (Some(day), BirthNoise::OneDigit),
            None => (Some(birth), BirthNoise::Exact),
        }
    } else {
        (None, BirthNoise::Missing)
    };
    (day.map(|d| date_text(d, style)).unwrap_or_default(), noise)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::AS_OF;
    use procura_core::name::normalize_name;
    use procura_core::person_id::parse_person_id;
    use std::collections::BTreeMap;

    fn write(records: usize, seed: u64, out: &Path) -> LinkageOutput {
        let config = LinkageConfig {
            records,
            seed,
            out: out.to_path_buf(),
        };
        write_linkage_data(&config).unwrap_or_else(|e| panic!("{e}"))
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn share(count: usize, total: usize) -> f64 {
        count as f64 / total as f64
    }

    #[test]
    fn files_have_their_headers_and_one_label_per_record() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let output = write(10_000, 1, &dir.path().join("new"));
        assert_eq!(output.records, 10_000);
        let records = lines(&output.csv);
        let labels = lines(&output.labels);
        assert_eq!(
            records[0],
            "记录编号,姓名,身份证号,出生日期,性别,户籍地区划,电话"
        );
        assert_eq!(labels[0], "记录编号,true_entity");
        assert_eq!(records.len(), 10_001);
        assert_eq!(labels.len(), 10_001);
        let mut per_entity: BTreeMap<&str, usize> = BTreeMap::new();
        for (record, label) in records[1..].iter().zip(&labels[1..]) {
            let fields: Vec<&str> = record.split(',').collect();
            assert_eq!(fields.len(), 7, "{record}");
            let (number, entity) = label.split_once(',').unwrap_or_default();
            assert_eq!(fields[0], number);
            *per_entity.entry(entity).or_default() += 1;
        }
        assert_eq!(per_entity.len(), output.persons);
        assert!(
            (3_600..=4_400).contains(&output.persons),
            "{}",
            output.persons
        );
        assert!(per_entity.values().all(|n| (1..=5).contains(n)));
        let sizes = |n: usize| per_entity.values().filter(|c| **c == n).count();
        assert!(
            sizes(2) + sizes(3) > output.persons / 2,
            "mostly two or three"
        );
        assert!(sizes(1) > 0 && sizes(5) > 0);
        // Shuffled: the records of one person are not written together.
        let first = &labels[1].split_once(',').unwrap_or_default().1;
        let second = &labels[2].split_once(',').unwrap_or_default().1;
        let third = &labels[3].split_once(',').unwrap_or_default().1;
        assert!(first != second || second != third);
    }

    #[test]
    fn same_records_and_seed_give_identical_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = write(3_000, 7, &dir.path().join("a"));
        let b = write(3_000, 7, &dir.path().join("b"));
        let c = write(3_000, 8, &dir.path().join("c"));
        let read = |p: &Path| fs::read(p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read(&a.csv), read(&b.csv));
        assert_eq!(read(&a.labels), read(&b.labels));
        assert_ne!(read(&a.csv), read(&c.csv));
    }

    #[test]
    fn noise_shares_are_roughly_as_specified() {
        let records = 10_000;
        let mut generator = Generator::new(records, 3);
        let mut noises = Vec::with_capacity(records);
        let mut minority = 0;
        for slot in 0..records {
            let (record, noise) = generator.record(slot);
            let person = &generator.persons[record.entity as usize];
            let id = generator.id(person);
            // What the record says is what its noise says.
            let parsed = parse_person_id(&record.id, AS_OF).map(|p| p.into_string());
            match noise.id {
                IdNoise::Canonical => assert_eq!(record.id, id),
                IdNoise::Respelled => assert_eq!(parsed.as_ref(), Ok(&id), "{}", record.id),
                IdNoise::Mistyped => assert!(parsed.is_err(), "{}", record.id),
                IdNoise::Missing => assert!(record.id.is_empty()),
            }
            let simplified = normalize_name(&record.name).map(|n| n.simplified);
            let pinyin = name_pinyin(&record.name);
            match noise.name {
                NameNoise::Exact | NameNoise::Traditional | NameNoise::Spaced => {
                    assert_eq!(simplified.as_ref(), Ok(&person.name), "{}", record.name);
                }
                NameNoise::Homophone => {
                    assert_ne!(record.name, person.name);
                    assert_eq!(pinyin, name_pinyin(&person.name), "{}", record.name);
                }
                NameNoise::OtherCharacter => {
                    assert_ne!(pinyin, name_pinyin(&person.name), "{}", record.name);
                    assert_eq!(record.name.chars().count(), person.name.chars().count());
                }
                NameNoise::Dot => {
                    minority += 1;
                    assert_eq!(pinyin, name_pinyin(&person.name), "{}", record.name);
                }
            }
            if noise.region == RegionNoise::Own {
                assert_eq!(record.region, id[..6]);
            }
            if noise.region == RegionNoise::SameCity {
                assert_eq!(record.region[..4], id[..4]);
                assert_ne!(record.region, id[..6]);
            }
            if noise.phone == PhoneNoise::Own {
                assert!(procura_core::phone::parse_phone(&record.phone).is_ok());
            }
            noises.push(noise);
        }
        let count = |f: &dyn Fn(&Noise) -> bool| noises.iter().filter(|n| f(n)).count();
        let near = |name: &str, count: usize, total: usize, expected: f64, slack: f64| {
            let actual = share(count, total);
            assert!(
                (actual - expected).abs() <= slack,
                "{name}: {actual:.3}, expected {expected}"
            );
        };
        let all = records;
        near(
            "id canonical",
            count(&|n| n.id == IdNoise::Canonical),
            all,
            0.65,
            0.02,
        );
        near(
            "id respelled",
            count(&|n| n.id == IdNoise::Respelled),
            all,
            0.05,
            0.01,
        );
        near(
            "id mistyped",
            count(&|n| n.id == IdNoise::Mistyped),
            all,
            0.10,
            0.015,
        );
        near(
            "id missing",
            count(&|n| n.id == IdNoise::Missing),
            all,
            0.20,
            0.02,
        );
        near("minority names", minority, all, 0.03, 0.015);
        let han = all - minority;
        let name = |kind: NameNoise| count(&|n: &Noise| n.name == kind);
        // Traditional and homophone spellings need a character that has one; most names do.
        near(
            "traditional",
            name(NameNoise::Traditional),
            han,
            0.065,
            0.02,
        );
        near("homophone", name(NameNoise::Homophone), han, 0.07, 0.015);
        near("spaced", name(NameNoise::Spaced), han, 0.05, 0.01);
        near(
            "other character",
            name(NameNoise::OtherCharacter),
            han,
            0.03,
            0.008,
        );
        near(
            "birth exact",
            count(&|n| n.birth == BirthNoise::Exact),
            all,
            0.85,
            0.03,
        );
        near(
            "birth swapped",
            count(&|n| n.birth == BirthNoise::Swapped),
            all,
            0.015,
            0.01,
        );
        near(
            "birth digit",
            count(&|n| n.birth == BirthNoise::OneDigit),
            all,
            0.04,
            0.01,
        );
        near(
            "birth missing",
            count(&|n| n.birth == BirthNoise::Missing),
            all,
            0.07,
            0.01,
        );
        near("gender", count(&|n| n.gender), all, 0.90, 0.015);
        near(
            "region own",
            count(&|n| n.region == RegionNoise::Own),
            all,
            0.80,
            0.02,
        );
        near(
            "region city",
            count(&|n| n.region == RegionNoise::SameCity),
            all,
            0.10,
            0.015,
        );
        near(
            "region missing",
            count(&|n| n.region == RegionNoise::Missing),
            all,
            0.10,
            0.015,
        );
        let phones = count(&|n| n.phone != PhoneNoise::Absent);
        near("phone", phones, all, 0.40, 0.02);
        near(
            "phone other",
            count(&|n| n.phone == PhoneNoise::Other),
            phones,
            0.05,
            0.015,
        );
    }
}
