//! 社区矫正: probation judgments, reports to the correction office, the correction roster,
//! hotel stays and leave records, with the cases of M06 (late or missing report) and M07
//! (travel outside the county without leave).
//!
//! Every background probationer reports within ten days, and stays in a hotel only in the
//! county of correction, under an approved leave, or outside the correction period. Hotel
//! stays of everybody else come from people who are never on the roster.
//!
//! M06's linkage cases hide the judgment row of a probationer who reported late (the report
//! and the roster row are what a linker attributes it by); M07's hide the roster row, the only
//! source of the correction period, of a probationer whose judgment, report and stay are
//! intact.

use chrono::{NaiveDate, NaiveDateTime};
use procura_core::region;
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{
    AS_OF, add_days, add_months_keep_day, at_random_time, date, random_day, random_moment,
};
use crate::datasets::{
    CORRECTION_REPORTS, CORRECTION_ROSTER, HOTEL_STAYS, LEAVE_RECORDS, PROBATION_JUDGMENTS,
};
use crate::error::Error;
use crate::noise::{
    Charset, DateStyle, Disguise, chinese_number, date_text, datetime_text, disguise, id_text,
    mixed_date, name_text, term,
};
use crate::plan::{CaseNo, Ctx, Need, Subject};
use crate::population::{HOME, NEIGHBOURS};
use crate::truth::Model;
use crate::write::{Cell, text};

const STAYS_FROM: NaiveDate = date(2023, 1, 1);
const CHARGES: [&str; 6] = [
    "盗窃罪",
    "诈骗罪",
    "故意伤害罪",
    "帮助信息网络犯罪活动罪",
    "寻衅滋事罪",
    "危险驾驶罪",
];
const HOTEL_BRANDS: [&str; 8] = [
    "如家",
    "汉庭",
    "锦江之星",
    "格林豪泰",
    "全季",
    "维也纳",
    "城市便捷",
    "7天",
];

#[derive(Clone)]
struct Roster {
    start: NaiveDate,
    end: NaiveDate,
    region: String,
}

struct Probation {
    person: usize,
    /// How the judgment row hides the person (an M06 linkage case).
    disguise: Option<Disguise>,
    /// How the roster row hides the person (an M07 linkage case).
    roster_disguise: Option<Disguise>,
    case_no: CaseNo,
    charge: &'static str,
    sentence: String,
    effective: NaiveDate,
    report: Option<NaiveDate>,
    roster: Option<Roster>,
}

struct Leave {
    person: usize,
    start: NaiveDate,
    end: NaiveDate,
    destination: usize,
}

struct Stay {
    person: usize,
    at: NaiveDateTime,
    hotel: usize,
}

/// Hotel locations: every Zhejiang county and a sample of others, with their names.
struct Places {
    codes: Vec<String>,
    counties: Vec<String>,
    full_names: Vec<String>,
}

impl Places {
    fn new(ctx: &Ctx, rng: &mut ChaCha8Rng) -> Places {
        let mut codes: Vec<String> = ctx
            .pop
            .counties
            .iter()
            .filter(|code| code.starts_with("33"))
            .cloned()
            .collect();
        codes.extend(ctx.pop.counties.sample(rng, 40).cloned());
        codes.sort();
        codes.dedup();
        let regions: Vec<_> = codes
            .iter()
            .map(|code| region::lookup(code, None))
            .collect();
        let counties = regions
            .iter()
            .map(|r| {
                r.as_ref()
                    .and_then(|r| r.county.clone())
                    .unwrap_or_default()
            })
            .collect();
        let full_names = regions
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(region::Region::full_name)
                    .unwrap_or_default()
            })
            .collect();
        Places {
            codes,
            counties,
            full_names,
        }
    }

    fn index_of(&self, code: &str) -> usize {
        self.codes.iter().position(|c| c == code).unwrap_or(0)
    }

    /// A place other than `except` (a county code).
    fn other_than(&self, rng: &mut ChaCha8Rng, except: &str) -> usize {
        loop {
            let index = rng.random_range(0..self.codes.len());
            if self.codes[index] != except {
                return index;
            }
        }
    }

    fn hotel_name(&self, rng: &mut ChaCha8Rng, place: usize) -> String {
        let brand = HOTEL_BRANDS.choose(rng).copied().unwrap_or("如家");
        format!("{brand}酒店（{}店）", self.counties[place])
    }
}

#[derive(Default)]
struct Correction {
    probations: Vec<Probation>,
    leaves: Vec<Leave>,
    stays: Vec<Stay>,
}

impl Correction {
    fn leave(&mut self, person: usize, start: NaiveDate, end: NaiveDate, destination: usize) {
        self.leaves.push(Leave {
            person,
            start,
            end,
            destination,
        });
    }
}

pub(crate) fn generate(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("correction");
    let places = Places::new(ctx, &mut rng);
    let mut data = Correction::default();
    plant_m06(ctx, &mut rng, &mut data)?;
    plant_m07(ctx, &mut rng, &places, &mut data)?;
    for _ in 0..ctx.scale.share(4, 12) {
        let person = ctx.person(Need::Working)?;
        let effective = random_day(&mut rng, date(2022, 7, 1), date(2025, 6, 28));
        let delay = rng.random_range(0..=10);
        let index = add_probation(
            ctx,
            &mut rng,
            &mut data,
            person,
            effective,
            Some(delay),
            None,
        );
        background_movements(&mut rng, &places, &mut data, index);
    }
    write_judgments(ctx, &mut rng, &data)?;
    write_reports(ctx, &mut rng, &data)?;
    write_roster(ctx, &mut rng, &data)?;
    write_stays(ctx, &mut rng, &places, &data)?;
    write_leaves(ctx, &mut rng, &places, &data)
}

/// `有期徒刑一年，缓刑二年` and the probation term in months; `probation_months` forces the
/// term.
fn sentence(rng: &mut ChaCha8Rng, charge: &str, probation_months: Option<u32>) -> (String, u32) {
    if charge == "危险驾驶罪" && probation_months.is_none() {
        let detention = rng.random_range(1..=6);
        let probation = rng.random_range(detention.max(2)..=12);
        let text = format!(
            "拘役{}个月，缓刑{}",
            chinese_number(detention),
            term(probation)
        );
        return (text, probation);
    }
    let probation =
        probation_months.unwrap_or_else(|| *[12, 18, 24, 36, 48, 60].choose(rng).unwrap_or(&24));
    let prison = *[6u32, 8, 10, 12, 18, 24, 36]
        .iter()
        .filter(|m| **m <= probation)
        .collect::<Vec<_>>()
        .choose(rng)
        .copied()
        .unwrap_or(&6);
    (
        format!("有期徒刑{}，缓刑{}", term(prison), term(probation)),
        probation,
    )
}

/// A probation judgment; with `report_delay` the person reports that many days after it takes
/// effect (if that day has come) and joins the roster. Returns its index.
fn add_probation(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    data: &mut Correction,
    person: usize,
    effective: NaiveDate,
    report_delay: Option<i64>,
    probation_months: Option<u32>,
) -> usize {
    let charge = if probation_months.is_some() {
        CHARGES[..5].choose(rng)
    } else {
        CHARGES.choose(rng)
    }
    .copied()
    .unwrap_or("盗窃罪");
    let (sentence, months) = sentence(rng, charge, probation_months);
    let report = report_delay
        .map(|days| add_days(effective, days))
        .filter(|day| *day <= AS_OF);
    let region = if rng.random_bool(0.85) {
        HOME
    } else {
        NEIGHBOURS.choose(rng).copied().unwrap_or(HOME)
    };
    let roster = report.map(|_| Roster {
        start: effective,
        end: add_days(add_months_keep_day(effective, months as i32), -1),
        region: region.to_owned(),
    });
    let case_no = ctx.case_no(add_days(effective, -rng.random_range(20..=60)), "刑初");
    data.probations.push(Probation {
        person,
        disguise: None,
        roster_disguise: None,
        case_no,
        charge,
        sentence,
        effective,
        report,
        roster,
    });
    data.probations.len() - 1
}

fn plant_m06(ctx: &mut Ctx, rng: &mut ChaCha8Rng, data: &mut Correction) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let damaged = i < scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(Need::Working)?
        } else {
            ctx.person(Need::Working)?
        };
        // A linkage case reported late, so that the report and the roster row are there to
        // attribute the damaged judgment row by.
        let (effective, delay, note) = if i % 5 < 3 || damaged {
            let effective = random_day(rng, date(2023, 1, 1), add_days(AS_OF, -70));
            let delay = rng.random_range(11..=60);
            (
                effective,
                Some(delay),
                format!("判决 {effective} 生效，第 {delay} 日才报到"),
            )
        } else {
            let effective = random_day(rng, date(2023, 1, 1), date(2025, 6, 15));
            (effective, None, format!("判决 {effective} 生效，未报到"))
        };
        let index = add_probation(ctx, rng, data, person, effective, delay, None);
        let key = data.probations[index].case_no.canonical();
        if damaged {
            let d = disguise(rng, &ctx.pop.persons[person], Charset::Unicode, false);
            let note = format!("{note}；判决记录{}", d.note);
            let subject = Subject::Person(person);
            ctx.linkage_positive(Model::M06, &key, note, &PROBATION_JUDGMENTS, subject, &d);
            data.probations[index].disguise = Some(d);
        } else {
            ctx.truth.positive(Model::M06, &key, true, note);
        }
    }
    for j in 0..2 * scale.near_misses() {
        let person = ctx.person(Need::Working)?;
        let (effective, delay, note) = if j % 2 == 0 {
            let effective = random_day(rng, date(2023, 1, 1), date(2025, 6, 10));
            (
                effective,
                Some(10),
                format!("判决 {effective} 生效，第 10 日报到"),
            )
        } else {
            let effective = if j == 1 {
                date(2025, 6, 25)
            } else {
                random_day(rng, date(2025, 6, 22), date(2025, 6, 29))
            };
            (
                effective,
                None,
                format!("判决 {effective} 生效，报到期限未届满"),
            )
        };
        let index = add_probation(ctx, rng, data, person, effective, delay, None);
        let key = data.probations[index].case_no.canonical();
        ctx.truth.near_miss(Model::M06, &key, note);
    }
    Ok(())
}

/// The days of a probationer's correction that fall inside the hotel data, except the last:
/// a check-in time on the last day compared with the end date as a timestamp (midnight)
/// would fall outside, so no case depends on it.
fn correction_window(roster: &Roster) -> (NaiveDate, NaiveDate) {
    let last = add_days(roster.end.min(AS_OF), -1);
    (roster.start.max(STAYS_FROM), last)
}

fn plant_m07(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    places: &Places,
    data: &mut Correction,
) -> Result<(), Error> {
    for i in 0..ctx.scale.positives() {
        let damaged = i < ctx.scale.non_exact();
        let (person, index) = probationer(ctx, rng, data, date(2025, 3, 31), damaged)?;
        let roster = roster_of(data, index);
        let (from, to) = correction_window(&roster);
        let day = random_day(rng, from, to);
        let hotel = places.other_than(rng, &roster.region);
        if rng.random_bool(0.5) {
            // An approved leave at another time does not cover this trip.
            let start = add_days(day, rng.random_range(10..=20));
            data.leave(
                person,
                start,
                add_days(start, rng.random_range(1..=5)),
                hotel,
            );
        }
        let at = at_random_time(rng, day);
        data.stays.push(Stay { person, at, hotel });
        let note = format!(
            "矫正期间 {day} 入住{}旅馆，无请假记录",
            places.counties[hotel]
        );
        let id = ctx.pop.persons[person].id.clone();
        if damaged {
            let d = disguise(rng, &ctx.pop.persons[person], Charset::Unicode, false);
            let note = format!("{note}；矫正名册记录{}", d.note);
            let subject = Subject::Person(person);
            ctx.linkage_positive(Model::M07, &id, note, &CORRECTION_ROSTER, subject, &d);
            data.probations[index].roster_disguise = Some(d);
        } else {
            ctx.truth.positive(Model::M07, &id, true, note);
        }
    }
    for j in 0..3 * ctx.scale.near_misses() {
        // The stay the day after the end needs a correction that ended before today.
        let latest = if j % 3 == 2 {
            date(2024, 5, 31)
        } else {
            date(2025, 3, 31)
        };
        let (person, index) = probationer(ctx, rng, data, latest, false)?;
        let roster = roster_of(data, index);
        let note = m07_near_miss(rng, places, data, person, &roster, j % 3);
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(Model::M07, &id, note);
    }
    Ok(())
}

/// A probationer with a twelve-month correction that took effect by `latest`, reported on
/// time (so that M06 stays quiet); `linkable` for a linkage case. Returns the person and the
/// probation's index.
fn probationer(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    data: &mut Correction,
    latest: NaiveDate,
    linkable: bool,
) -> Result<(usize, usize), Error> {
    let person = if linkable {
        ctx.linkable_person(Need::Working)?
    } else {
        ctx.person(Need::Working)?
    };
    let effective = random_day(rng, date(2022, 7, 1), latest);
    let delay = rng.random_range(0..=10);
    let index = add_probation(ctx, rng, data, person, effective, Some(delay), Some(12));
    Ok((person, index))
}

fn roster_of(data: &Correction, index: usize) -> Roster {
    data.probations[index].roster.clone().expect(
        "a correction that took effect by 2025-03-31 was reported by 2025-04-10, before AS_OF",
    )
}

/// A trip that looks like travel without leave but is not: covered by a leave (`kind` 0), in
/// the county of correction (1), or the day after the correction ended (2).
fn m07_near_miss(
    rng: &mut ChaCha8Rng,
    places: &Places,
    data: &mut Correction,
    person: usize,
    roster: &Roster,
    kind: usize,
) -> String {
    let (from, to) = correction_window(roster);
    let (day, hotel, note) = match kind {
        0 => {
            let day = random_day(rng, from, to);
            let hotel = places.other_than(rng, &roster.region);
            let start = add_days(day, -rng.random_range(0..=3));
            // The leave ends after the stay day, so that the check-in time is inside it
            // even when compared as a timestamp.
            let end = add_days(day, rng.random_range(1..=3));
            data.leave(person, start, end, hotel);
            (
                day,
                hotel,
                format!("{day} 外地住宿，在请假期间 {start}—{end} 内"),
            )
        }
        1 => {
            let day = random_day(rng, from, to);
            (
                day,
                places.index_of(&roster.region),
                format!("{day} 在执行地本县住宿"),
            )
        }
        _ => {
            let day = add_days(roster.end, 1);
            let hotel = places.other_than(rng, &roster.region);
            (day, hotel, format!("矫正期满次日 {day} 外地住宿"))
        }
    };
    let at = at_random_time(rng, day);
    data.stays.push(Stay { person, at, hotel });
    note
}

/// Trips of an ordinary probationer: at home, under a leave, or outside the correction period;
/// and leaves that were not used for a hotel stay.
fn background_movements(
    rng: &mut ChaCha8Rng,
    places: &Places,
    data: &mut Correction,
    index: usize,
) {
    let person = data.probations[index].person;
    let Some(roster) = data.probations[index].roster.clone() else {
        return;
    };
    let (from, to) = correction_window(&roster);
    let (start, end, region) = (roster.start, roster.end, roster.region.as_str());
    for _ in 0..rng.random_range(0..=3) {
        let elsewhere = places.other_than(rng, region);
        match rng.random_range(0..5) {
            0 if from <= to => {
                let at = random_moment(rng, from, to);
                data.stays.push(Stay {
                    person,
                    at,
                    hotel: places.index_of(region),
                });
            }
            1 if from <= to => {
                let leave_start = random_day(rng, from, to);
                let leave_end = add_days(leave_start, rng.random_range(1..=7));
                let at = random_moment(rng, leave_start, add_days(leave_end.min(AS_OF), -1));
                data.leave(person, leave_start, leave_end, elsewhere);
                data.stays.push(Stay {
                    person,
                    at,
                    hotel: elsewhere,
                });
            }
            2 if STAYS_FROM < start => {
                let at = random_moment(rng, STAYS_FROM, add_days(start, -1));
                data.stays.push(Stay {
                    person,
                    at,
                    hotel: elsewhere,
                });
            }
            3 if end < add_days(AS_OF, -1) => {
                let at = random_moment(rng, add_days(end, 1), AS_OF);
                data.stays.push(Stay {
                    person,
                    at,
                    hotel: elsewhere,
                });
            }
            4 if from <= to => {
                let leave_start = random_day(rng, from, to);
                let leave_end = add_days(leave_start, rng.random_range(1..=5));
                data.leave(person, leave_start, leave_end, elsewhere);
            }
            _ => {}
        }
    }
}

fn write_judgments(ctx: &mut Ctx, rng: &mut ChaCha8Rng, data: &Correction) -> Result<(), Error> {
    let mut order: Vec<&Probation> = data.probations.iter().collect();
    order.sort_by_key(|p| (p.effective, p.person));
    let mut writer = ctx.writer(&PROBATION_JUDGMENTS)?;
    for probation in order {
        let person = &ctx.pop.persons[probation.person];
        let (name, id) = match &probation.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Unicode, 0.03),
                id_text(rng, person, 0.05),
            ),
        };
        writer.row(vec![
            text(probation.case_no.display.clone()),
            text(name),
            text(id),
            text(mixed_date(rng, person.birth, true)),
            text(person.gender_zh()),
            text(probation.charge),
            text(probation.sentence.clone()),
            text(mixed_date(rng, probation.effective, true)),
        ])?;
    }
    // A judgment whose defendant's number was not recorded; it took effect too recently for
    // any deadline to have passed.
    let effective = date(2025, 6, 27);
    let case_no = ctx.case_no(date(2025, 5, 20), "刑初");
    let stranger = ctx.pop.stranger(rng);
    writer.row(vec![
        text(case_no.display),
        text(stranger.name.clone()),
        text(stranger.id.clone()),
        text(date_text(stranger.birth, DateStyle::Numerals)),
        text(stranger.gender_zh()),
        text("盗窃罪"),
        text("有期徒刑六个月，缓刑一年"),
        text(date_text(effective, DateStyle::Numerals)),
    ])?;
    ctx.finish(writer)
}

fn write_reports(ctx: &mut Ctx, rng: &mut ChaCha8Rng, data: &Correction) -> Result<(), Error> {
    let mut order: Vec<(NaiveDate, usize)> = data
        .probations
        .iter()
        .filter_map(|p| p.report.map(|day| (day, p.person)))
        .collect();
    order.sort();
    let mut writer = ctx.writer(&CORRECTION_REPORTS)?;
    for (day, person) in order {
        let person = &ctx.pop.persons[person];
        writer.row(vec![
            text(name_text(rng, &person.name, Charset::Unicode, 0.03)),
            text(id_text(rng, person, 0.05)),
            Cell::Date(day),
        ])?;
    }
    ctx.finish(writer)
}

fn write_roster(ctx: &mut Ctx, rng: &mut ChaCha8Rng, data: &Correction) -> Result<(), Error> {
    let mut order: Vec<(&Roster, &Probation)> = data
        .probations
        .iter()
        .filter_map(|p| p.roster.as_ref().map(|r| (r, p)))
        .collect();
    order.sort_by_key(|(r, p)| (r.start, p.person));
    let mut writer = ctx.writer(&CORRECTION_ROSTER)?;
    for (roster, probation) in order {
        let person = &ctx.pop.persons[probation.person];
        let (name, id) = match &probation.roster_disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Unicode, 0.03),
                id_text(rng, person, 0.05),
            ),
        };
        writer.row(vec![
            text(name),
            text(id),
            text(date_text(person.birth, DateStyle::Iso)),
            text(person.gender_zh()),
            text(date_text(roster.start, DateStyle::Iso)),
            text(date_text(roster.end, DateStyle::Iso)),
            text(roster.region.clone()),
        ])?;
    }
    ctx.finish(writer)
}

/// Streams the many ordinary stays and slips the probationers' stays in at random places.
fn write_stays(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    places: &Places,
    data: &Correction,
) -> Result<(), Error> {
    let pop = ctx.pop;
    let mut on_roster = vec![false; pop.persons.len()];
    for probation in data.probations.iter().filter(|p| p.roster.is_some()) {
        on_roster[probation.person] = true;
    }
    let ordinary = ctx.scale.share(300, 150);
    let mut special: Vec<(usize, usize)> = (0..data.stays.len())
        .map(|i| (rng.random_range(0..=ordinary), i))
        .collect();
    special.sort();
    let mut special = special.into_iter().peekable();
    let home = places.index_of(HOME);
    let mut writer = ctx.writer(&HOTEL_STAYS)?;
    for position in 0..=ordinary {
        while let Some((_, i)) = special.next_if(|(p, _)| *p == position) {
            let stay = &data.stays[i];
            let person = &pop.persons[stay.person];
            let id = id_text(rng, person, 0.05);
            let name = name_text(rng, &person.name, Charset::Unicode, 0.03);
            writer.row(stay_row(rng, places, name, id, stay.at, stay.hotel))?;
        }
        if position == ordinary {
            break;
        }
        let (name, id) = if rng.random_bool(0.001) {
            let stranger = pop.stranger(rng);
            (stranger.name, stranger.id)
        } else {
            let person = loop {
                let candidate = rng.random_range(0..pop.persons.len());
                if !on_roster[candidate] {
                    break &pop.persons[candidate];
                }
            };
            (
                name_text(rng, &person.name, Charset::Unicode, 0.03),
                id_text(rng, person, 0.05),
            )
        };
        let hotel = if rng.random_bool(0.3) {
            home
        } else {
            rng.random_range(0..places.codes.len())
        };
        let at = random_moment(rng, STAYS_FROM, AS_OF);
        let row = stay_row(rng, places, name, id, at, hotel);
        if rng.random_bool(0.003) {
            writer.row(row.clone())?;
        }
        writer.row(row)?;
    }
    ctx.finish(writer)
}

fn stay_row(
    rng: &mut ChaCha8Rng,
    places: &Places,
    name: String,
    id: String,
    at: NaiveDateTime,
    hotel: usize,
) -> Vec<Cell> {
    vec![
        text(name),
        text(id),
        text(datetime_text(at)),
        text(places.hotel_name(rng, hotel)),
        text(places.codes[hotel].clone()),
    ]
}

fn write_leaves(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    places: &Places,
    data: &Correction,
) -> Result<(), Error> {
    let mut order: Vec<&Leave> = data.leaves.iter().collect();
    order.sort_by_key(|l| (l.start, l.person));
    let mut writer = ctx.writer(&LEAVE_RECORDS)?;
    for leave in order {
        let person = &ctx.pop.persons[leave.person];
        writer.row(vec![
            text(id_text(rng, person, 0.05)),
            text(date_text(leave.start, DateStyle::Slash)),
            text(date_text(leave.end, DateStyle::Slash)),
            text(places.full_names[leave.destination].clone()),
        ])?;
    }
    ctx.finish(writer)
}
