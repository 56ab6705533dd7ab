//! 社会保障: deaths, pensions, custody and 低保, with the cases of M03 (pension after death),
//! M01 (pension during custody) and M05 (低保 during custody).
//!
//! Pensions and 低保 are paid by one rule: nothing for a month after the death month, nothing
//! for a month `m` with `custody_start < m ≤ custody_end` (the month's first day). Planted
//! positives are extra months paid against that rule; near-misses are facts (deaths on the
//! 1st, custody starting mid-month, releases) for which the rule itself pays a look-alike.
//!
//! A linkage case hides the death or custody row; the person's pension or 低保 rows (at least
//! two, since the damaged fact starts after the first month of the file) still carry the valid
//! ID, name and birth date a linker attributes it by. The pension files hold the wrong birth
//! date of the misrecorded retirees (see `plan`), and about 2% of the background death rows
//! declare a birth date that contradicts the ID.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{
    AS_OF, add_days, add_months, date, excel_serial, month_of, months, random_day,
};
use crate::datasets::{CUSTODY, DEATHS, DIBAO, PENSIONS};
use crate::error::Error;
use crate::noise::{
    Charset, DateStyle, Disguise, date_text, disguise, grouped, id_text, misrecorded_birth,
    mixed_date, name_text,
};
use crate::plan::{Ctx, Need, Subject};
use crate::truth::Model;
use crate::write::{Cell, text};

const PENSION_FIRST: NaiveDate = date(2023, 7, 1);
const PENSION_LAST: NaiveDate = date(2025, 6, 1);
const DIBAO_FIRST: NaiveDate = date(2024, 7, 1);
const DIBAO_LAST: NaiveDate = date(2025, 6, 1);

const AGENCIES: [&str; 4] = [
    "越城区社会保险事业管理中心",
    "城南街道社保所",
    "府山街道社保所",
    "北海街道社保所",
];

struct Death {
    person: usize,
    date: NaiveDate,
    /// How the deaths row hides the person (a non-exact positive).
    disguise: Option<Disguise>,
    /// Background: no model's case, so the row may misstate the birth date.
    background: bool,
}

struct Custody {
    person: usize,
    kind: &'static str,
    start: NaiveDate,
    end: Option<NaiveDate>,
    disguise: Option<Disguise>,
}

impl Custody {
    fn covers(&self, month: NaiveDate) -> bool {
        self.start < month && month <= self.end.unwrap_or(AS_OF)
    }
}

struct Household {
    /// The first member is the householder.
    members: Vec<usize>,
    fen_per_member: i64,
}

/// The facts behind the four datasets.
#[derive(Default)]
struct Social {
    deaths: Vec<Death>,
    custody: Vec<Custody>,
    households: Vec<Household>,
    /// Months paid against the rule (planted positives), per person.
    forced_pension: BTreeMap<usize, Vec<NaiveDate>>,
    forced_dibao: BTreeMap<usize, Vec<NaiveDate>>,
    death_of: BTreeMap<usize, NaiveDate>,
    custody_of: BTreeMap<usize, Vec<usize>>,
}

impl Social {
    fn index(&mut self) {
        for death in &self.deaths {
            let entry = self.death_of.entry(death.person).or_insert(death.date);
            *entry = (*entry).min(death.date);
        }
        for (i, custody) in self.custody.iter().enumerate() {
            self.custody_of.entry(custody.person).or_default().push(i);
        }
    }

    /// Whether the normal rule pays `person` for `month`.
    fn payable(&self, person: usize, month: NaiveDate) -> bool {
        if self
            .death_of
            .get(&person)
            .is_some_and(|death| month > *death)
        {
            return false;
        }
        let in_custody = self.custody_of.get(&person).is_some_and(|rows| {
            rows.iter()
                .filter_map(|&i| self.custody.get(i))
                .any(|c| c.covers(month))
        });
        !in_custody
    }

    fn paid(
        &self,
        forced: &BTreeMap<usize, Vec<NaiveDate>>,
        person: usize,
        month: NaiveDate,
    ) -> bool {
        self.payable(person, month) || forced.get(&person).is_some_and(|m| m.contains(&month))
    }
}

pub(crate) fn generate(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("social");
    let mut social = Social::default();
    plant_m03(ctx, &mut rng, &mut social)?;
    plant_custody_benefit(ctx, &mut rng, &mut social, Model::M01)?;
    plant_custody_benefit(ctx, &mut rng, &mut social, Model::M05)?;
    background(ctx, &mut rng, &mut social)?;
    social.index();
    write_deaths(ctx, &mut rng, &social)?;
    write_pensions(ctx, &mut rng, &social)?;
    write_custody(ctx, &mut rng, &social)?;
    write_dibao(ctx, &mut rng, &social)
}

/// Months in `[first, last]` that a custody period covers.
fn covered(custody: &Custody, first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    months(first, last)
        .into_iter()
        .filter(|m| custody.covers(*m))
        .collect()
}

/// All covered months, or (sometimes) only the first few: some offices stop late.
fn some_prefix(rng: &mut ChaCha8Rng, mut months: Vec<NaiveDate>) -> Vec<NaiveDate> {
    if months.len() > 1 && rng.random_bool(0.3) {
        months.truncate(rng.random_range(1..months.len()));
    }
    months
}

fn month_zh(month: NaiveDate) -> String {
    format!("{}年{}月", month.year(), month.month())
}

fn plant_m03(ctx: &mut Ctx, rng: &mut ChaCha8Rng, social: &mut Social) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let damaged = i < scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(Need::Retiree)?
        } else {
            ctx.person(Need::Retiree)?
        };
        // A linkage case dies inside the pension file, so that the months up to the death
        // leave pension rows to link the deaths row by.
        let (death, forced) = if i % 4 == 3 && !damaged {
            // Died before the pension file starts; paid throughout, or until someone noticed.
            let death = random_day(rng, date(2022, 1, 1), date(2023, 5, 31));
            let all = months(PENSION_FIRST, PENSION_LAST);
            let keep = rng.random_range(1..=all.len());
            (death, all[..keep].to_vec())
        } else {
            let death = random_day(rng, PENSION_FIRST, date(2025, 4, 30));
            let first = add_months(death, 1);
            let count = rng.random_range(1..=8);
            let forced: Vec<NaiveDate> = (0..count)
                .map(|k| add_months(first, k))
                .filter(|m| *m <= PENSION_LAST)
                .collect();
            (death, forced)
        };
        let note = format!(
            "{death} 死亡，{}至{}仍发放养老金",
            month_zh(forced[0]),
            month_zh(forced[forced.len() - 1]),
        );
        let id = ctx.pop.persons[person].id.clone();
        let disguise =
            damaged.then(|| disguise(rng, &ctx.pop.persons[person], Charset::Gbk, false));
        match &disguise {
            Some(d) => {
                let note = format!("{note}；死亡注销记录{}", d.note);
                ctx.linkage_positive(Model::M03, &id, note, &DEATHS, Subject::Person(person), d);
            }
            None => ctx.truth.positive(Model::M03, &id, true, note),
        }
        social.deaths.push(Death {
            person,
            date: death,
            disguise,
            background: false,
        });
        social.forced_pension.insert(person, forced);
    }
    for j in 0..2 * scale.near_misses() {
        let person = ctx.person(Need::Retiree)?;
        let month = random_day(rng, date(2023, 8, 1), date(2025, 5, 31));
        let (death, note) = if j % 2 == 0 {
            let death = add_days(month_of(month), rng.random_range(1..28));
            (death, format!("{death} 死亡，仅发放至死亡当月"))
        } else {
            let death = month_of(month);
            (death, format!("{death}（月初）死亡，当月养老金正常发放"))
        };
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(Model::M03, &id, note);
        social.deaths.push(Death {
            person,
            date: death,
            disguise: None,
            background: false,
        });
    }
    Ok(())
}

/// What M01 and M05 differ in: who receives the benefit, in which months, and its name.
#[derive(Clone, Copy)]
struct Benefit {
    need: Need,
    first: NaiveDate,
    last: NaiveDate,
    name: &'static str,
}

impl Benefit {
    fn of(model: Model) -> Benefit {
        if model == Model::M01 {
            Benefit {
                need: Need::Retiree,
                first: PENSION_FIRST,
                last: PENSION_LAST,
                name: "养老金",
            }
        } else {
            Benefit {
                need: Need::Any,
                first: DIBAO_FIRST,
                last: DIBAO_LAST,
                name: "低保金",
            }
        }
    }
}

/// M01 (pensions, retirees) and M05 (低保, any household member) share their shape: a custody
/// period during which the benefit kept being paid, or was correctly paid only around it.
fn plant_custody_benefit(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    social: &mut Social,
    model: Model,
) -> Result<(), Error> {
    let benefit = Benefit::of(model);
    for i in 0..ctx.scale.positives() {
        let damaged = i < ctx.scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(benefit.need)?
        } else {
            ctx.person(benefit.need)?
        };
        let mut custody = paid_custody(rng, benefit, person, damaged);
        let forced = some_prefix(rng, covered(&custody, benefit.first, benefit.last));
        let note = format!(
            "{} 入所（{}）后 {}至{} 仍发放{}",
            custody.start,
            custody.kind,
            month_zh(forced[0]),
            month_zh(forced[forced.len() - 1]),
            benefit.name,
        );
        let id = ctx.pop.persons[person].id.clone();
        if damaged {
            let d = disguise(rng, &ctx.pop.persons[person], Charset::Unicode, false);
            let note = format!("{note}；在押记录{}", d.note);
            ctx.linkage_positive(model, &id, note, &CUSTODY, Subject::Person(person), &d);
            custody.disguise = Some(d);
        } else {
            ctx.truth.positive(model, &id, true, note);
        }
        if model == Model::M01 {
            social.forced_pension.insert(person, forced);
        } else {
            social.forced_dibao.insert(person, forced);
            add_household(ctx, rng, social, person)?;
        }
        social.custody.push(custody);
    }
    for j in 0..2 * ctx.scale.near_misses() {
        let person = ctx.person(benefit.need)?;
        let (custody, note) = unpaid_custody(rng, benefit, person, j % 2 == 0);
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(model, &id, note);
        if model == Model::M05 {
            add_household(ctx, rng, social, person)?;
        }
        social.custody.push(custody);
    }
    Ok(())
}

/// Custody that covers at least one month of the benefit's file (the month after it starts
/// is inside the file, and the custody lasts at least 90 days). For a linkage case it starts
/// after the file's second month began, so that two months were paid rightly before it.
fn paid_custody(rng: &mut ChaCha8Rng, benefit: Benefit, person: usize, damaged: bool) -> Custody {
    let earliest = if damaged {
        add_days(add_months(benefit.first, 1), 1)
    } else {
        add_days(benefit.first, -20)
    };
    let start = random_day(rng, earliest, add_days(benefit.last, -40));
    let end = rng
        .random_bool(0.5)
        .then(|| add_days(start, rng.random_range(90..=500)))
        .filter(|end| *end < AS_OF);
    let kind = if rng.random_bool(0.5) {
        "逮捕"
    } else {
        "服刑"
    };
    Custody {
        person,
        kind,
        start,
        end,
        disguise: None,
    }
}

/// Custody around which the normal rule pays a look-alike: in the month custody starts
/// (after the 1st), or from the month after release.
fn unpaid_custody(
    rng: &mut ChaCha8Rng,
    benefit: Benefit,
    person: usize,
    starting: bool,
) -> (Custody, String) {
    let Benefit {
        first, last, name, ..
    } = benefit;
    if starting {
        let month = random_day(rng, first, add_days(last, -1));
        let start = add_days(month_of(month), rng.random_range(1..27));
        let end = rng
            .random_bool(0.5)
            .then(|| add_days(start, rng.random_range(60..=300)))
            .filter(|end| *end < AS_OF);
        let note = format!("{start} 入所，仅发放入所当月{name}");
        (
            Custody {
                person,
                kind: "逮捕",
                start,
                end,
                disguise: None,
            },
            note,
        )
    } else {
        let start = random_day(rng, add_days(first, -60), add_days(last, -240));
        let end = add_days(start, rng.random_range(40..=200));
        let end = add_days(month_of(end), rng.random_range(1..27));
        let note = format!("{start} 入所、{end} 出所，出所次月起恢复发放{name}");
        let custody = Custody {
            person,
            kind: "刑事拘留",
            start,
            end: Some(end),
            disguise: None,
        };
        (custody, note)
    }
}

/// A 低保 household that includes `member` (as householder or not) and up to two others.
fn add_household(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    social: &mut Social,
    member: usize,
) -> Result<(), Error> {
    let others = rng.random_range(0..=2);
    let mut members = Vec::with_capacity(others + 1);
    for _ in 0..others {
        members.push(ctx.person(Need::Any)?);
    }
    let position = rng.random_range(0..=members.len());
    members.insert(position, member);
    social.households.push(Household {
        members,
        fen_per_member: rng.random_range(880..=1100) * 100,
    });
    Ok(())
}

fn background(ctx: &mut Ctx, rng: &mut ChaCha8Rng, social: &mut Social) -> Result<(), Error> {
    let scale = ctx.scale;
    for _ in 0..scale.share(10, 5) {
        let need = if rng.random_bool(0.8) {
            Need::Retiree
        } else {
            Need::Any
        };
        let person = ctx.person(need)?;
        let death = random_day(rng, date(2022, 1, 1), date(2025, 5, 31));
        social.deaths.push(Death {
            person,
            date: death,
            disguise: None,
            background: true,
        });
    }
    for _ in 0..scale.share(5, 5) {
        let person = ctx.person(Need::Any)?;
        let start = random_day(rng, date(2022, 1, 1), date(2025, 6, 20));
        if rng.random_bool(0.3) {
            // 刑事拘留 followed by 逮捕: two rows, the second starting on the day the first ends.
            let release = add_days(start, rng.random_range(7..=37));
            social
                .custody
                .push(custody_row(person, "刑事拘留", start, release));
            let end = add_days(release, rng.random_range(60..=400));
            social
                .custody
                .push(custody_row(person, "逮捕", release, end));
        } else {
            let (kind, shortest, longest) =
                *[("刑事拘留", 7, 37), ("逮捕", 60, 400), ("服刑", 180, 1500)]
                    .choose(rng)
                    .unwrap_or(&("逮捕", 60, 400));
            let end = add_days(start, rng.random_range(shortest..=longest));
            social.custody.push(custody_row(person, kind, start, end));
        }
    }
    for _ in 0..scale.share(8, 8) {
        let size = *[1usize, 1, 2, 2, 3, 4].choose(rng).unwrap_or(&1);
        let mut members = Vec::with_capacity(size);
        for _ in 0..size {
            members.push(ctx.person(Need::Any)?);
        }
        social.households.push(Household {
            members,
            fen_per_member: rng.random_range(880..=1100) * 100,
        });
    }
    Ok(())
}

/// A custody row whose end lies in the future is still open (empty 出所日期).
fn custody_row(person: usize, kind: &'static str, start: NaiveDate, end: NaiveDate) -> Custody {
    Custody {
        person,
        kind,
        start,
        end: (end < AS_OF).then_some(end),
        disguise: None,
    }
}

fn write_deaths(ctx: &mut Ctx, rng: &mut ChaCha8Rng, social: &Social) -> Result<(), Error> {
    let mut order: Vec<&Death> = social.deaths.iter().collect();
    order.sort_by_key(|d| (d.date, d.person));
    let mut writer = ctx.writer(&DEATHS)?;
    let mut sequence = 0;
    for death in order {
        let person = &ctx.pop.persons[death.person];
        sequence += 1;
        let deregistered = add_days(death.date, rng.random_range(3..=40)).min(AS_OF);
        let (name, id) = match &death.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Gbk, 0.05),
                id_text(rng, person, 0.08),
            ),
        };
        // A data-quality finding: the deregistration typed the birth date wrongly.
        let birth = if death.background && rng.random_bool(0.02) {
            misrecorded_birth(rng, person.birth)
        } else {
            person.birth
        };
        let row = vec![
            text(sequence.to_string()),
            text(name),
            text(id),
            text(mixed_date(rng, birth, false)),
            text(person.gender_zh()),
            text(mixed_date(rng, death.date, false)),
            text(mixed_date(rng, deregistered, false)),
            text("死亡"),
        ];
        // Exports joined from two systems repeat some rows verbatim.
        if sequence % 20 == 5 {
            writer.row(row.clone())?;
        }
        writer.row(row)?;
    }
    for _ in 0..2 {
        sequence += 1;
        let day = random_day(rng, date(2022, 1, 1), date(2025, 5, 31));
        let stranger = ctx.pop.stranger(rng);
        writer.row(vec![
            text(sequence.to_string()),
            text(stranger.name.clone()),
            text(stranger.id.clone()),
            text(mixed_date(rng, stranger.birth, false)),
            text(stranger.gender_zh()),
            text(mixed_date(rng, day, false)),
            text(mixed_date(rng, add_days(day, 10), false)),
            text("死亡"),
        ])?;
    }
    ctx.finish(writer)
}

fn write_pensions(ctx: &mut Ctx, rng: &mut ChaCha8Rng, social: &Social) -> Result<(), Error> {
    let pop = ctx.pop;
    let mut writer = ctx.writer(&PENSIONS)?;
    for month in months(PENSION_FIRST, PENSION_LAST) {
        writer.open_part(&format!(
            "养老金发放_{}年{:02}月.csv",
            month.year(),
            month.month()
        ))?;
        // The pension system was upgraded in 2024; that year's files spell dates in words.
        let (pay_month, birth_style) = if month.year() == 2024 {
            (month_zh(month), DateStyle::Chinese)
        } else {
            (month.format("%Y%m").to_string(), DateStyle::Compact)
        };
        for (index, person) in pop.persons.iter().enumerate() {
            if !person.is_retiree() || !social.paid(&social.forced_pension, index, month) {
                continue;
            }
            let birth = ctx.pension_birth(index);
            writer.row(vec![
                text(id_text(rng, person, 0.03)),
                text(date_text(birth, birth_style)),
                text(person.gender_zh()),
                text(name_text(rng, &person.name, Charset::Gbk, 0.02)),
                text(pay_month.clone()),
                text(grouped(pension_fen(index, month))),
                text(AGENCIES[index % AGENCIES.len()]),
            ])?;
        }
        if rng.random_bool(0.3) {
            let stranger = pop.stranger(rng);
            writer.row(vec![
                text(stranger.id.clone()),
                text(date_text(stranger.birth, birth_style)),
                text(stranger.gender_zh()),
                text(stranger.name.clone()),
                text(pay_month.clone()),
                text(grouped(250_000)),
                text(AGENCIES[0]),
            ])?;
        }
    }
    ctx.finish(writer)
}

/// A person's monthly pension: a stable base from the person's index, raised each January.
fn pension_fen(person: usize, month: NaiveDate) -> i64 {
    let mixed = (person as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let base = 180_000 + (mixed % 470_000) as i64;
    let raises = i64::from(month.year() - 2023).max(0);
    base + base * 3 * raises / 100
}

fn write_custody(ctx: &mut Ctx, rng: &mut ChaCha8Rng, social: &Social) -> Result<(), Error> {
    let mut order: Vec<&Custody> = social.custody.iter().collect();
    order.sort_by_key(|c| (c.start, c.person));
    let mut writer = ctx.writer(&CUSTODY)?;
    for custody in order {
        let person = &ctx.pop.persons[custody.person];
        let (name, id) = match &custody.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Unicode, 0.03),
                id_text(rng, person, 0.05),
            ),
        };
        // Some rows were pasted from another sheet and lost their date format.
        let start = if rng.random_bool(0.2) {
            Cell::Number(excel_serial(custody.start))
        } else {
            Cell::Date(custody.start)
        };
        writer.row(vec![
            text(name),
            text(id),
            Cell::Date(person.birth),
            text(person.gender_zh()),
            text(custody.kind),
            start,
            custody.end.map_or(Cell::Empty, Cell::Date),
        ])?;
    }
    let stranger = ctx.pop.stranger(rng);
    writer.row(vec![
        text(stranger.name.clone()),
        text(stranger.id.clone()),
        Cell::Date(stranger.birth),
        text(stranger.gender_zh()),
        text("刑事拘留"),
        Cell::Date(date(2024, 11, 3)),
        Cell::Date(date(2024, 11, 20)),
    ])?;
    ctx.finish(writer)
}

fn write_dibao(ctx: &mut Ctx, rng: &mut ChaCha8Rng, social: &Social) -> Result<(), Error> {
    let pop = ctx.pop;
    let mut writer = ctx.writer(&DIBAO)?;
    for household in &social.households {
        let head = &pop.persons[household.members[0]];
        let size = household.members.len().to_string();
        for month in months(DIBAO_FIRST, DIBAO_LAST) {
            for &member in &household.members {
                if !social.paid(&social.forced_dibao, member, month) {
                    continue;
                }
                let person = &pop.persons[member];
                writer.row(vec![
                    text(id_text(rng, head, 0.03)),
                    text(name_text(rng, &head.name, Charset::Gbk, 0.02)),
                    text(name_text(rng, &person.name, Charset::Gbk, 0.02)),
                    text(id_text(rng, person, 0.05)),
                    text(date_text(person.birth, DateStyle::Iso)),
                    text(person.gender_zh()),
                    text(size.clone()),
                    text(month.format("%Y-%m").to_string()),
                    text(grouped(household.fen_per_member)),
                ])?;
            }
        }
    }
    ctx.finish(writer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pensions_rise_each_january() {
        assert!(pension_fen(7, date(2024, 1, 1)) > pension_fen(7, date(2023, 12, 1)));
        assert_eq!(
            pension_fen(7, date(2024, 1, 1)),
            pension_fen(7, date(2024, 12, 1))
        );
    }
}
