//! 公安: drink-driving penalties, criminal filings, public-order penalties and case files of
//! companies under investigation, with the cases of M35 (drunk driving never prosecuted),
//! M13 (repeated theft punished only administratively) and M14 (cases pending for years).
//!
//! In the background every drunk driver (BAC ≥ 80) gets a 危险驾驶案 filing within 60 days,
//! nobody has more than two theft penalties, and only cases filed in the last 700 days are
//! still 侦查中.
//!
//! An M35 linkage case hides the drunk-driving penalty of a driver with an earlier drink-driving
//! penalty below the threshold and a public-order penalty, which a linker attributes it by;
//! an M13 case hides one of three thefts, the other two being intact.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{AS_OF, add_days, at_time, date, random_day};
use crate::datasets::{ADMIN_PENALTIES, CRIMINAL_FILINGS, POLICE_CASES, TRAFFIC_PENALTIES};
use crate::error::Error;
use crate::noise::{
    Charset, DateStyle, Disguise, date_text, datetime_text, disguise, id_text, mixed_date,
    name_text,
};
use crate::plan::{Ctx, Need, Subject};
use crate::population::HOME;
use crate::truth::Model;
use crate::write::{Cell, text};

const TRAFFIC_FROM: NaiveDate = date(2023, 1, 1);
const THEFT: &str = "盗窃";
const OTHER_OFFENCES: [&str; 5] = [
    "殴打他人",
    "寻衅滋事",
    "赌博",
    "故意损毁财物",
    "扰乱公共秩序",
];
const FILING_CAUSES: [&str; 4] = ["诈骗案", "故意伤害案", "寻衅滋事案", "开设赌场案"];
const PLATE_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";

struct TrafficPenalty {
    person: usize,
    /// How the penalty row hides the person (a non-exact positive).
    disguise: Option<Disguise>,
    at: NaiveDateTime,
    /// Blood alcohol in tenths of mg/100ml, so that 79.9 and 80.0 are exact.
    bac_tenths: u32,
}

struct Filing {
    person: usize,
    cause: &'static str,
    day: NaiveDate,
}

struct AdminPenalty {
    person: usize,
    offence: &'static str,
    day: NaiveDate,
    disguise: Option<Disguise>,
}

struct PoliceCase {
    filed: NaiveDate,
    status: &'static str,
    org: usize,
}

#[derive(Default)]
struct Police {
    traffic: Vec<TrafficPenalty>,
    filings: Vec<Filing>,
    admin: Vec<AdminPenalty>,
    cases: Vec<PoliceCase>,
}

impl Police {
    /// A drink-driving penalty at night on `day`.
    fn drink_driving(
        &mut self,
        rng: &mut ChaCha8Rng,
        person: usize,
        day: NaiveDate,
        bac_tenths: u32,
    ) -> &mut TrafficPenalty {
        let at = night(rng, day);
        self.traffic.push(TrafficPenalty {
            person,
            disguise: None,
            at,
            bac_tenths,
        });
        let last = self.traffic.len() - 1;
        &mut self.traffic[last]
    }

    fn filing(&mut self, person: usize, cause: &'static str, day: NaiveDate) {
        self.filings.push(Filing { person, cause, day });
    }

    /// Theft penalties on `days`; the one at the index of `disguised` hides the person.
    fn thefts(&mut self, person: usize, days: &[NaiveDate], disguised: Option<(usize, Disguise)>) {
        let (hidden, mut disguise) = disguised.map_or((None, None), |(i, d)| (Some(i), Some(d)));
        for (i, day) in days.iter().enumerate() {
            self.admin.push(AdminPenalty {
                person,
                offence: THEFT,
                day: *day,
                disguise: if hidden == Some(i) {
                    disguise.take()
                } else {
                    None
                },
            });
        }
    }
}

pub(crate) fn generate(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("police");
    let mut police = Police::default();
    plant_m35(ctx, &mut rng, &mut police)?;
    plant_m13(ctx, &mut rng, &mut police)?;
    plant_m14(ctx, &mut rng, &mut police);
    background(ctx, &mut rng, &mut police)?;
    write_traffic(ctx, &mut rng, &police)?;
    write_filings(ctx, &mut rng, &police)?;
    write_admin(ctx, &mut rng, &police)?;
    write_cases(ctx, &mut rng, &police)
}

/// A violation late in the evening or at night, when drink-driving checks happen.
fn night(rng: &mut ChaCha8Rng, day: NaiveDate) -> NaiveDateTime {
    let minutes = rng.random_range(19 * 60..(23 * 60 + 59));
    at_time(day, minutes * 60)
}

fn plant_m35(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &mut Police) -> Result<(), Error> {
    for i in 0..ctx.scale.positives() {
        // A linkage case is a penalty whose row lost the ID and that was never prosecuted.
        let damaged = i < ctx.scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(Need::Working)?
        } else {
            ctx.person(Need::Working)?
        };
        let day = random_day(rng, TRAFFIC_FROM, add_days(AS_OF, -200));
        // The first exact positive sits exactly on the threshold.
        let tenths = if i == ctx.scale.non_exact() {
            800
        } else {
            rng.random_range(800..=2500)
        };
        let disguised =
            damaged.then(|| disguise(rng, &ctx.pop.persons[person], Charset::Gbk, false));
        police.drink_driving(rng, person, day, tenths).disguise = disguised.clone();
        if damaged {
            // The driver's record: drink-driving below the threshold once before, and a
            // public-order penalty; neither is anything M35 or M13 looks for.
            let before = random_day(rng, TRAFFIC_FROM, add_days(day, -30));
            let tenths = rng.random_range(200..=799);
            police.drink_driving(rng, person, before, tenths);
            let offence = OTHER_OFFENCES.choose(rng).copied().unwrap_or("赌博");
            police.admin.push(AdminPenalty {
                person,
                offence,
                day: random_day(rng, date(2022, 1, 1), AS_OF),
                disguise: None,
            });
        }
        let drunk = format!("{day} 醉驾（{}mg/100ml）", bac(tenths));
        let variant = if damaged { 0 } else { i % 5 };
        let note = match variant {
            3 => {
                let filed = add_days(day, rng.random_range(181..=300)).min(AS_OF);
                police.filing(person, "危险驾驶案", filed);
                format!("{drunk}，{filed} 才刑事立案（超过 180 日）")
            }
            4 => {
                // An older, unrelated filing is outside the 180-day window.
                let cause = FILING_CAUSES.choose(rng).copied().unwrap_or("诈骗案");
                police.filing(person, cause, add_days(day, -rng.random_range(30..=300)));
                format!("{drunk}，此前另案立案，醉驾未立案")
            }
            _ => format!("{drunk}，未刑事立案"),
        };
        let id = ctx.pop.persons[person].id.clone();
        match &disguised {
            Some(d) => {
                let note = format!("{note}；处罚记录{}", d.note);
                let subject = Subject::Person(person);
                ctx.linkage_positive(Model::M35, &id, note, &TRAFFIC_PENALTIES, subject, d);
            }
            None => ctx.truth.positive(Model::M35, &id, true, note),
        }
    }
    for j in 0..2 * ctx.scale.near_misses() {
        let person = ctx.person(Need::Working)?;
        let day = random_day(rng, TRAFFIC_FROM, add_days(AS_OF, -200));
        let note = if j % 2 == 0 {
            let tenths = if j == 0 {
                799
            } else {
                rng.random_range(700..=799)
            };
            police.drink_driving(rng, person, day, tenths);
            format!(
                "{day} 酒驾，血液酒精含量 {}mg/100ml，未达醉驾标准",
                bac(tenths)
            )
        } else {
            let tenths = rng.random_range(800..=2500);
            police.drink_driving(rng, person, day, tenths);
            police.filing(person, "危险驾驶案", add_days(day, 150));
            format!("{day} 醉驾，第 150 日刑事立案")
        };
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(Model::M35, &id, note);
    }
    Ok(())
}

fn bac(tenths: u32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// `count` distinct days: the first in `[from, to]`, the others within `span` days after it.
fn theft_days(
    rng: &mut ChaCha8Rng,
    count: usize,
    span: i64,
    latest_first: NaiveDate,
) -> Vec<NaiveDate> {
    let first = random_day(rng, date(2022, 1, 1), latest_first);
    let mut offsets = vec![0];
    while offsets.len() < count {
        let offset = rng.random_range(1..=span);
        if !offsets.contains(&offset) {
            offsets.push(offset);
        }
    }
    offsets.sort_unstable();
    offsets.into_iter().map(|o| add_days(first, o)).collect()
}

fn plant_m13(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &mut Police) -> Result<(), Error> {
    for i in 0..ctx.scale.positives() {
        let damaged = i < ctx.scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(Need::Working)?
        } else {
            ctx.person(Need::Working)?
        };
        let count = if damaged || rng.random_bool(0.7) {
            3
        } else {
            4
        };
        let days = theft_days(rng, count, 700, add_days(AS_OF, -700));
        let disguised = damaged.then(|| {
            let d = disguise(rng, &ctx.pop.persons[person], Charset::Unicode, false);
            (rng.random_range(0..count), d)
        });
        let hidden = disguised.as_ref().map(|(_, d)| d.clone());
        police.thefts(person, &days, disguised);
        if rng.random_bool(0.2) {
            // Prosecuted for something else: the rule asks for a theft filing.
            let cause = FILING_CAUSES.choose(rng).copied().unwrap_or("诈骗案");
            police.filing(person, cause, random_day(rng, days[0], AS_OF));
        }
        let note = format!(
            "{} 至 {} 间 {count} 次盗窃仅受治安处罚",
            days[0],
            days[count - 1],
        );
        let id = ctx.pop.persons[person].id.clone();
        match &hidden {
            Some(d) => {
                let note = format!("{note}；其中一次处罚记录{}", d.note);
                let subject = Subject::Person(person);
                ctx.linkage_positive(Model::M13, &id, note, &ADMIN_PENALTIES, subject, d);
            }
            None => ctx.truth.positive(Model::M13, &id, true, note),
        }
    }
    for j in 0..3 * ctx.scale.near_misses() {
        let person = ctx.person(Need::Working)?;
        let note = match j % 3 {
            0 => {
                let days = theft_days(rng, 2, 700, add_days(AS_OF, -700));
                police.thefts(person, &days, None);
                format!("{}、{} 两次盗窃", days[0], days[1])
            }
            1 => {
                let mut days = theft_days(rng, 2, 700, add_days(AS_OF, -800));
                days.push(add_days(days[0], 800));
                police.thefts(person, &days, None);
                format!("三次盗窃跨度 800 日（{} 至 {}）", days[0], days[2])
            }
            _ => {
                let days = theft_days(rng, 3, 700, add_days(AS_OF, -700));
                police.thefts(person, &days, None);
                let filed = random_day(rng, days[0], AS_OF);
                police.filing(person, "盗窃案", filed);
                format!("三次盗窃后 {filed} 已以盗窃案刑事立案")
            }
        };
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(Model::M13, &id, note);
    }
    Ok(())
}

fn plant_m14(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &mut Police) {
    let scale = ctx.scale;
    let orgs = ctx.pop.orgs.len();
    let cutoff = add_days(AS_OF, -730);
    for _ in 0..scale.positives() {
        let filed = random_day(rng, date(2019, 1, 1), add_days(cutoff, -31));
        police.cases.push(PoliceCase {
            filed,
            status: "侦查中",
            org: rng.random_range(0..orgs),
        });
    }
    for j in 0..2 * scale.near_misses() {
        let (filed, status) = if j % 2 == 0 {
            let days = if j == 0 {
                700
            } else {
                rng.random_range(600..=700)
            };
            (add_days(AS_OF, -days), "侦查中")
        } else {
            let filed = if j == 1 {
                date(2020, 6, 30)
            } else {
                random_day(rng, date(2019, 6, 30), date(2021, 6, 30))
            };
            (filed, "已撤案")
        };
        police.cases.push(PoliceCase {
            filed,
            status,
            org: rng.random_range(0..orgs),
        });
    }
}

fn background(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &mut Police) -> Result<(), Error> {
    let scale = ctx.scale;
    for _ in 0..scale.share(10, 30) {
        let person = ctx.person(Need::Working)?;
        let day = random_day(rng, TRAFFIC_FROM, AS_OF);
        let drunk = rng.random_bool(0.4);
        let tenths = if drunk {
            rng.random_range(800..=2500)
        } else {
            rng.random_range(200..=799)
        };
        police.drink_driving(rng, person, day, tenths);
        let filed = add_days(day, rng.random_range(1..=60));
        if drunk && filed <= AS_OF {
            police.filing(person, "危险驾驶案", filed);
        }
    }
    for _ in 0..scale.share(15, 30) {
        let person = ctx.person(Need::Any)?;
        for _ in 0..rng.random_range(1..=2) {
            let offence = if rng.random_bool(0.4) {
                THEFT
            } else {
                OTHER_OFFENCES.choose(rng).copied().unwrap_or("赌博")
            };
            let day = random_day(rng, date(2022, 1, 1), AS_OF);
            police.admin.push(AdminPenalty {
                person,
                offence,
                day,
                disguise: None,
            });
        }
    }
    for _ in 0..scale.share(5, 10) {
        let person = ctx.person(Need::Working)?;
        let cause = *["盗窃案", "诈骗案", "故意伤害案", "危险驾驶案"]
            .choose(rng)
            .unwrap_or(&"盗窃案");
        police.filing(person, cause, random_day(rng, date(2022, 1, 1), AS_OF));
    }
    background_cases(ctx, rng, police);
    Ok(())
}

/// Company cases; only those filed in the last 700 days may still be under investigation.
fn background_cases(ctx: &Ctx, rng: &mut ChaCha8Rng, police: &mut Police) {
    let recent = add_days(AS_OF, -700);
    for _ in 0..ctx.scale.share(2, 30) {
        let filed = random_day(rng, date(2019, 1, 1), AS_OF);
        let status = if filed >= recent && rng.random_bool(0.6) {
            "侦查中"
        } else {
            *["已移送起诉", "已撤案", "已结案"]
                .choose(rng)
                .unwrap_or(&"已结案")
        };
        let org = rng.random_range(0..ctx.pop.orgs.len());
        police.cases.push(PoliceCase { filed, status, org });
    }
}

fn plate(rng: &mut ChaCha8Rng) -> String {
    let tail: String = (0..5)
        .map(|i| {
            // Mostly digits, sometimes one letter in the second position.
            if i == 1 && rng.random_bool(0.3) {
                PLATE_CHARS[rng.random_range(10..PLATE_CHARS.len())]
            } else {
                PLATE_CHARS[rng.random_range(0..10)]
            }
        })
        .map(char::from)
        .collect();
    format!("浙D·{tail}")
}

fn write_traffic(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &Police) -> Result<(), Error> {
    let mut order: Vec<&TrafficPenalty> = police.traffic.iter().collect();
    order.sort_by_key(|t| (t.at, t.person));
    let mut writer = ctx.writer(&TRAFFIC_PENALTIES)?;
    for penalty in order {
        let person = &ctx.pop.persons[penalty.person];
        let year = penalty.at.year();
        let number = ctx.serial(year, "交决");
        let violation = if penalty.bac_tenths >= 800 {
            "醉酒后驾驶机动车"
        } else {
            "饮酒后驾驶机动车"
        };
        let (name, id) = match &penalty.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Gbk, 0.03),
                id_text(rng, person, 0.06),
            ),
        };
        writer.row(vec![
            text(format!("越公（交）决字〔{year}〕第{number:05}号")),
            text(name),
            text(id),
            text(date_text(person.birth, DateStyle::Iso)),
            text(person.gender_zh()),
            text(datetime_text(penalty.at)),
            text(violation),
            text(bac(penalty.bac_tenths)),
            text(plate(rng)),
        ])?;
    }
    // A driver who refused to give a number: a plain drink-driving penalty.
    let stranger = ctx.pop.stranger(rng);
    writer.row(vec![
        text("越公（交）决字〔2024〕第99999号"),
        text(stranger.name.clone()),
        text(stranger.id.clone()),
        text(date_text(stranger.birth, DateStyle::Iso)),
        text(stranger.gender_zh()),
        text("2024-08-17 22:05:00"),
        text("饮酒后驾驶机动车"),
        text("35.2"),
        text(plate(rng)),
    ])?;
    ctx.finish(writer)
}

/// `A` + county + unit code + year and month + serial, as police case numbers look.
fn police_case_no(ctx: &mut Ctx, filed: NaiveDate) -> String {
    let number = ctx.serial(filed.year(), "公安案件");
    format!("A{HOME}510000{}{number:04}", filed.format("%Y%m"))
}

fn write_filings(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &Police) -> Result<(), Error> {
    let mut order: Vec<&Filing> = police.filings.iter().collect();
    order.sort_by_key(|f| (f.day, f.person));
    let mut writer = ctx.writer(&CRIMINAL_FILINGS)?;
    for filing in order {
        let person = &ctx.pop.persons[filing.person];
        let case_no = police_case_no(ctx, filing.day);
        writer.row(vec![
            text(case_no),
            text(id_text(rng, person, 0.05)),
            text(name_text(rng, &person.name, Charset::Unicode, 0.03)),
            text(filing.cause),
            text(date_text(filing.day, DateStyle::Chinese)),
        ])?;
    }
    ctx.finish(writer)
}

fn write_admin(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &Police) -> Result<(), Error> {
    let mut order: Vec<&AdminPenalty> = police.admin.iter().collect();
    order.sort_by_key(|a| (a.day, a.person));
    let mut writer = ctx.writer(&ADMIN_PENALTIES)?;
    for penalty in order {
        let person = &ctx.pop.persons[penalty.person];
        let year = penalty.day.year();
        let number = ctx.serial(year, "行罚决");
        let (name, id) = match &penalty.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Unicode, 0.03),
                id_text(rng, person, 0.05),
            ),
        };
        let amount = match penalty.offence {
            "盗窃" => Cell::Number(f64::from(rng.random_range(2..=60) * 50)),
            "故意损毁财物" => Cell::Number(f64::from(rng.random_range(1..=40) * 100)),
            _ => Cell::Empty,
        };
        writer.row(vec![
            text(format!("越公（治）行罚决字〔{year}〕{number}号")),
            text(name),
            text(id),
            Cell::Date(person.birth),
            text(person.gender_zh()),
            text(penalty.offence),
            Cell::Date(penalty.day),
            amount,
        ])?;
    }
    let stranger = ctx.pop.stranger(rng);
    writer.row(vec![
        text("越公（治）行罚决字〔2023〕99999号"),
        text(stranger.name.clone()),
        text(stranger.id.clone()),
        Cell::Date(stranger.birth),
        text(stranger.gender_zh()),
        text("殴打他人"),
        Cell::Date(date(2023, 9, 9)),
        Cell::Empty,
    ])?;
    ctx.finish(writer)
}

fn write_cases(ctx: &mut Ctx, rng: &mut ChaCha8Rng, police: &Police) -> Result<(), Error> {
    const CRIMES: [&str; 6] = [
        "合同诈骗",
        "虚开增值税专用发票",
        "非法吸收公众存款",
        "职务侵占",
        "污染环境",
        "串通投标",
    ];
    const UNITS: [&str; 4] = [
        "经济犯罪侦查大队",
        "刑事侦查大队",
        "城南派出所",
        "府山派出所",
    ];
    let mut writer = ctx.writer(&POLICE_CASES)?;
    let mut truth_keys = Vec::with_capacity(police.cases.len());
    for case in &police.cases {
        let org = &ctx.pop.orgs[case.org];
        let case_no = police_case_no(ctx, case.filed);
        let crime = CRIMES.choose(rng).copied().unwrap_or("合同诈骗");
        let last_activity = random_day(rng, case.filed, add_days(case.filed, 400).min(AS_OF));
        writer.row(vec![
            text(case_no.clone()),
            text(format!("{}涉嫌{crime}案", org.name)),
            text(mixed_date(rng, case.filed, false)),
            text(case.status),
            text(org.id.clone()),
            text(org.name.clone()),
            text(UNITS.choose(rng).copied().unwrap_or(UNITS[0])),
            text(date_text(last_activity, DateStyle::Slash)),
        ])?;
        truth_keys.push(case_no);
    }
    ctx.finish(writer)?;
    record_m14_truth(ctx, police, &truth_keys);
    Ok(())
}

/// M14's cases are keyed by the police case number, which is only assigned when written.
fn record_m14_truth(ctx: &mut Ctx, police: &Police, keys: &[String]) {
    let cutoff = add_days(AS_OF, -730);
    let scale = ctx.scale;
    let planted = scale.positives() + 2 * scale.near_misses();
    for (case, key) in police.cases.iter().zip(keys).take(planted) {
        let key = procura_core::field::normalize_case_number(key);
        if case.status == "侦查中" && case.filed < cutoff {
            let note = format!("{} 立案，至今仍在侦查中", case.filed);
            ctx.truth.positive(Model::M14, &key, true, note);
        } else if case.status == "侦查中" {
            let note = format!("{} 立案仍在侦查，未满 730 日", case.filed);
            ctx.truth.near_miss(Model::M14, &key, note);
        } else {
            let note = format!("{} 立案，已撤案", case.filed);
            ctx.truth.near_miss(Model::M14, &key, note);
        }
    }
}
