//! What the generators share while they run: the population, how many cases to plant, who is
//! still free to play a part, the case-number counters, the truth being collected and the
//! datasets written so far.
//!
//! Every planted case and every background event that one model's rule could see in two
//! datasets gets persons of its own ([`Ctx::person`]). That exclusivity is what lets each
//! generator reason about its models alone: nothing another generator writes can create or
//! hide one of its clues.
//!
//! Two more rules decide who may play a part. The person of a planted linkage case must be
//! unambiguous by name, birth date and gender ([`Ctx::linkable_person`]). And a few retirees
//! are "misrecorded": the pension system holds a wrong birth date for them, a data-quality
//! finding in its own right; they are set aside before any generator runs and never play a
//! part, so that no planted case carries a contradiction.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use procura_core::field::normalize_case_number;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::DemoDataset;
use crate::calendar::date;
use crate::error::Error;
use crate::noise::{Disguise, misrecorded_birth};
use crate::population::{COURT, OrgKind, Population};
use crate::truth::{Model, TruthBuilder};
use crate::write::{RecordedTable, TableSpec, TableWriter};

/// The share of retirees whose birth date the pension system holds wrongly.
const MISRECORDED_SHARE: f64 = 0.02;

/// The smallest population in which every model gets its minimum of cases and background.
pub(crate) const MIN_PERSONS: usize = 500;

/// How many cases of each kind to plant for a population size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub(crate) persons: usize,
}

impl Scale {
    /// Positives per model: a fixed minimum plus one per thousand persons.
    pub(crate) fn positives(self) -> usize {
        10 + self.persons / 1000
    }

    /// How many of the positives hide behind a broken identifier: one in a small county,
    /// two in the standard demo, about one in six beyond.
    pub(crate) fn non_exact(self) -> usize {
        self.positives() / 6
    }

    /// Near-misses per kind of near-miss.
    pub(crate) fn near_misses(self) -> usize {
        3 + self.persons / 4000
    }

    /// `per_mille` of the population, at least `min`.
    pub(crate) fn share(self, per_mille: usize, min: usize) -> usize {
        (self.persons * per_mille / 1000).max(min)
    }
}

/// The kind of person a part needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Any,
    /// Born before 1965: receives a pension.
    Retiree,
    /// Born 1960–2003: drives, litigates, offends.
    Working,
}

impl Need {
    fn index(self) -> usize {
        match self {
            Need::Any => 0,
            Need::Retiree => 1,
            Need::Working => 2,
        }
    }
}

/// Hands out members of a shuffled list, each at most once, with one cursor per kind of
/// request so that a restrictive request does not rescan the whole list every time.
struct Pool {
    order: Vec<usize>,
    taken: Vec<bool>,
    cursors: [usize; 4],
}

impl Pool {
    fn new(rng: &mut ChaCha8Rng, len: usize) -> Pool {
        let mut order: Vec<usize> = (0..len).collect();
        order.shuffle(rng);
        Pool {
            order,
            taken: vec![false; len],
            cursors: [0; 4],
        }
    }

    /// Keeps `member` from ever being handed out.
    fn reserve(&mut self, member: usize) {
        if let Some(taken) = self.taken.get_mut(member) {
            *taken = true;
        }
    }

    fn take(&mut self, class: usize, matches: impl Fn(usize) -> bool) -> Option<usize> {
        let cursor = self.cursors.get_mut(class)?;
        while let Some(&candidate) = self.order.get(*cursor) {
            *cursor += 1;
            if !self.taken[candidate] && matches(candidate) {
                self.taken[candidate] = true;
                return Some(candidate);
            }
        }
        None
    }
}

/// A court case number such as `（2024）浙0602刑初123号`.
#[derive(Debug, Clone)]
pub(crate) struct CaseNo {
    /// As the court prints it, with full-width brackets.
    pub(crate) display: String,
}

impl CaseNo {
    /// The form the truth uses (`normalize_case_number`).
    pub(crate) fn canonical(&self) -> String {
        normalize_case_number(&self.display)
    }

    /// As some systems store it, with half-width brackets.
    pub(crate) fn half_width(&self) -> String {
        self.display.replace('（', "(").replace('）', ")")
    }
}

/// Whom the row of a planted linkage case belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Subject {
    Person(usize),
    Org(usize),
}

/// The one row that hides a planted linkage case: where it is and how it was written, so that
/// the tests can check that a linker has what it needs to attribute it.
#[derive(Debug, Clone)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct LinkageRow {
    pub(crate) model: Model,
    /// The case's truth key.
    pub(crate) key: String,
    pub(crate) dataset: &'static str,
    pub(crate) subject: Subject,
    /// The identifier and name as written in the row.
    pub(crate) id: String,
    pub(crate) name: String,
}

/// The shared state of one generation run.
pub(crate) struct Ctx<'a> {
    pub(crate) pop: &'a Population,
    pub(crate) scale: Scale,
    pub(crate) truth: TruthBuilder,
    pub(crate) datasets: Vec<DemoDataset>,
    pub(crate) recorded: BTreeMap<&'static str, RecordedTable>,
    /// The rows behind the planted linkage cases.
    pub(crate) linkage: Vec<LinkageRow>,
    /// Per person, the wrong birth date the pension system holds, if any.
    misrecorded: Vec<Option<NaiveDate>>,
    persons: Pool,
    orgs: Pool,
    case_numbers: BTreeMap<(i32, &'static str), u32>,
    seed: u64,
    out: &'a Path,
    record: bool,
    progress: &'a dyn Fn(&str),
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        pop: &'a Population,
        seed: u64,
        out: &'a Path,
        record: bool,
        progress: &'a dyn Fn(&str),
    ) -> Ctx<'a> {
        let mut rng = stream_rng(seed, "roles");
        let mut persons = Pool::new(&mut rng, pop.persons.len());
        let orgs = Pool::new(&mut rng, pop.orgs.len());
        let misrecorded = misrecord(pop, &mut stream_rng(seed, "misrecorded"));
        for (index, wrong) in misrecorded.iter().enumerate() {
            if wrong.is_some() {
                persons.reserve(index);
            }
        }
        Ctx {
            pop,
            scale: Scale {
                persons: pop.persons.len(),
            },
            truth: TruthBuilder::new(),
            datasets: Vec::new(),
            recorded: BTreeMap::new(),
            linkage: Vec::new(),
            misrecorded,
            persons,
            orgs,
            case_numbers: BTreeMap::new(),
            seed,
            out,
            record,
            progress,
        }
    }

    /// A random generator of its own for each generator, so that changing one dataset does
    /// not reshuffle all the others.
    pub(crate) fn rng(&self, stream: &str) -> ChaCha8Rng {
        stream_rng(self.seed, stream)
    }

    /// A person nobody else has used for a part yet.
    pub(crate) fn person(&mut self, need: Need) -> Result<usize, Error> {
        let persons = &self.pop.persons;
        let born = |i: usize| persons.get(i).map(|p| p.birth);
        let found = self.persons.take(need.index(), |i| match need {
            Need::Any => true,
            Need::Retiree => persons.get(i).is_some_and(|p| p.is_retiree()),
            Need::Working => {
                born(i).is_some_and(|b| (date(1960, 1, 1)..=date(2003, 12, 31)).contains(&b))
            }
        });
        found.ok_or(Error::TooFewPersons {
            persons: self.scale.persons,
            min: MIN_PERSONS,
        })
    }

    /// A person for a planted linkage case: nobody else has used them, and nobody else in the
    /// county has the same name pinyin and birth date or the same name, birth date and
    /// gender, so the damaged row can only be theirs. Persons who fail this are passed over
    /// (and stay unused).
    pub(crate) fn linkable_person(&mut self, need: Need) -> Result<usize, Error> {
        loop {
            let person = self.person(need)?;
            if self.pop.is_linkable(person) {
                return Ok(person);
            }
        }
    }

    /// Records a positive that only linkage can find, and the row that hides it.
    pub(crate) fn linkage_positive(
        &mut self,
        model: Model,
        key: &str,
        note: String,
        spec: &'static TableSpec,
        subject: Subject,
        disguise: &Disguise,
    ) {
        self.truth.positive(model, key, false, note);
        self.linkage.push(LinkageRow {
            model,
            key: key.to_owned(),
            dataset: spec.name,
            subject,
            id: disguise.id.clone(),
            name: disguise.name.clone(),
        });
    }

    /// The birth date the pension system holds for `person`.
    pub(crate) fn pension_birth(&self, person: usize) -> NaiveDate {
        self.misrecorded[person].unwrap_or(self.pop.persons[person].birth)
    }

    /// A company of `kind` nobody else has used for a part yet.
    pub(crate) fn org(&mut self, kind: OrgKind) -> Result<usize, Error> {
        let orgs = &self.pop.orgs;
        let class = match kind {
            OrgKind::Repair => 0,
            OrgKind::Factory => 1,
            OrgKind::Other => 2,
        };
        let found = self
            .orgs
            .take(class, |i| orgs.get(i).is_some_and(|o| o.kind == kind));
        found.ok_or(Error::TooFewPersons {
            persons: self.scale.persons,
            min: MIN_PERSONS,
        })
    }

    /// The next court case number of `kind` (`刑初`, `民初`, `执`) in the year of `filed`.
    pub(crate) fn case_no(&mut self, filed: NaiveDate, kind: &'static str) -> CaseNo {
        let year = filed.year();
        let number = self.serial(year, kind);
        CaseNo {
            display: format!("（{year}）{COURT}{kind}{number}号"),
        }
    }

    /// The next number of a document series (case numbers, 处罚决定书) in `year`. A series
    /// starts somewhere in the hundreds, as the county's other cases of the year come first.
    pub(crate) fn serial(&mut self, year: i32, series: &'static str) -> u32 {
        let seed = self.seed;
        let counter = self.case_numbers.entry((year, series)).or_insert_with(|| {
            let label = format!("{series}{year}");
            stream_rng(seed, &label).random_range(100..600)
        });
        *counter += 1;
        *counter
    }

    pub(crate) fn writer(&self, spec: &'static TableSpec) -> Result<TableWriter, Error> {
        TableWriter::create(self.out, spec, self.record)
    }

    /// Closes a dataset and adds it to the manifest.
    pub(crate) fn finish(&mut self, writer: TableWriter) -> Result<(), Error> {
        let name = writer.name();
        let (dataset, recorded) = writer.finish()?;
        (self.progress)(&format!("{}: {} 行", dataset.path, dataset.rows));
        if let Some(recorded) = recorded {
            self.recorded.insert(name, recorded);
        }
        self.datasets.push(dataset);
        Ok(())
    }
}

/// Picks the misrecorded retirees (2% of them) and their wrong birth dates. A wrong date that
/// some resident with the same name pinyin really has is drawn again, so that the misrecorded
/// rows cannot be mistaken for that resident's.
fn misrecord(pop: &Population, rng: &mut ChaCha8Rng) -> Vec<Option<NaiveDate>> {
    let retirees: Vec<usize> = (0..pop.persons.len())
        .filter(|&i| pop.persons[i].is_retiree())
        .collect();
    let count = (retirees.len() as f64 * MISRECORDED_SHARE).round() as usize;
    let mut chosen: Vec<usize> = retirees.sample(rng, count).copied().collect();
    chosen.sort_unstable();
    let mut misrecorded = vec![None; pop.persons.len()];
    for index in chosen {
        let person = &pop.persons[index];
        let pinyin = procura_core::name::name_pinyin(&person.name);
        misrecorded[index] = (0..10)
            .map(|_| misrecorded_birth(rng, person.birth))
            .find(|wrong| !pop.reads_as_resident(&pinyin, *wrong));
    }
    misrecorded
}

pub(crate) fn stream_rng(seed: u64, stream: &str) -> ChaCha8Rng {
    // FNV-1a of the stream name, so each stream is a fixed function of (seed, name).
    let hash = stream
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    ChaCha8Rng::seed_from_u64(seed ^ hash)
}
