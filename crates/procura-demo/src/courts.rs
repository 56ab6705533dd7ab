//! 刑事判决与执行: criminal judgments, execution filings and driving-licence status changes,
//! with the cases of M10 (fine never sent for execution) and M11 (licence not revoked after a
//! traffic crime).
//!
//! In the background every fine is sent for execution within 85 days and every 危险驾驶罪 or
//! 交通肇事罪 conviction leads to a revocation within 80 days (once that day has come). M10's
//! judgments are for non-traffic crimes and M11's fines are executed on time, so each case
//! tests one rule only.
//!
//! An M11 linkage case hides the judgment row; the driver's licence history (a routine status
//! change and the roadside seizure, neither a revocation) is what a linker attributes it by.

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{AS_OF, add_days, date, random_day};
use crate::datasets::{CRIMINAL_JUDGMENTS, EXECUTION_CASES, LICENCE_STATUS};
use crate::error::Error;
use crate::noise::{
    Charset, DateStyle, Disguise, chinese_number, date_text, disguise, id_text, mixed_amount,
    mixed_date, name_text, term,
};
use crate::plan::{CaseNo, Ctx, Need, Subject};
use crate::truth::Model;
use crate::write::{Cell, text};

const NON_TRAFFIC: [&str; 4] = ["盗窃罪", "诈骗罪", "开设赌场罪", "帮助信息网络犯罪活动罪"];
const BACKGROUND_CHARGES: [&str; 8] = [
    "危险驾驶罪",
    "危险驾驶罪",
    "盗窃罪",
    "盗窃罪",
    "诈骗罪",
    "故意伤害罪",
    "交通肇事罪",
    "寻衅滋事罪",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fine {
    /// The cell is empty.
    Empty,
    /// The cell says 0.
    Zero,
    Yuan(i64),
}

struct Judgment {
    person: usize,
    case_no: CaseNo,
    charge: &'static str,
    sentence: String,
    fine: Fine,
    effective: NaiveDate,
    execution: Option<NaiveDate>,
    /// How the judgment row hides the person (a non-exact positive).
    disguise: Option<Disguise>,
}

struct Licence {
    person: usize,
    status: &'static str,
    day: NaiveDate,
}

#[derive(Default)]
struct Courts {
    judgments: Vec<Judgment>,
    licences: Vec<Licence>,
    /// Execution cases of civil judgments, which no criminal rule looks at.
    civil_executions: Vec<(CaseNo, usize, NaiveDate)>,
}

impl Courts {
    fn licence(&mut self, person: usize, status: &'static str, day: NaiveDate) {
        self.licences.push(Licence {
            person,
            status,
            day,
        });
    }
}

pub(crate) fn generate(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("courts");
    let mut courts = Courts::default();
    plant_m10(ctx, &mut rng, &mut courts)?;
    plant_m11(ctx, &mut rng, &mut courts)?;
    background(ctx, &mut rng, &mut courts)?;
    write_judgments(ctx, &mut rng, &courts)?;
    write_executions(ctx, &mut rng, &courts)?;
    write_licences(ctx, &mut rng, &courts)
}

fn fine_for(rng: &mut ChaCha8Rng, charge: &str) -> Fine {
    match charge {
        "危险驾驶罪" => Fine::Yuan(rng.random_range(1..=20) * 1000),
        "故意伤害罪" | "交通肇事罪" | "寻衅滋事罪" => {
            if rng.random_bool(0.5) {
                Fine::Empty
            } else {
                Fine::Zero
            }
        }
        _ if rng.random_bool(0.85) => Fine::Yuan(rng.random_range(1..=50) * 1000),
        _ => Fine::Empty,
    }
}

fn judgment(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    person: usize,
    charge: &'static str,
    fine: Fine,
    effective: NaiveDate,
) -> Judgment {
    let main = if charge == "危险驾驶罪" {
        format!("拘役{}个月", chinese_number(rng.random_range(1..=6)))
    } else {
        term_sentence(rng)
    };
    let sentence = match fine {
        Fine::Yuan(yuan) => format!("{main}，并处罚金人民币{yuan}元"),
        Fine::Empty | Fine::Zero => main,
    };
    let case_no = ctx.case_no(add_days(effective, -rng.random_range(20..=90)), "刑初");
    Judgment {
        person,
        case_no,
        charge,
        sentence,
        fine,
        effective,
        execution: None,
        disguise: None,
    }
}

fn term_sentence(rng: &mut ChaCha8Rng) -> String {
    let months = *[6u32, 8, 10, 12, 18, 24, 36, 60].choose(rng).unwrap_or(&12);
    format!("有期徒刑{}", term(months))
}

/// The day a fine is sent for execution in time, if that day has come.
fn timely(
    rng: &mut ChaCha8Rng,
    effective: NaiveDate,
    days: std::ops::RangeInclusive<i64>,
) -> Option<NaiveDate> {
    Some(add_days(effective, rng.random_range(days))).filter(|day| *day <= AS_OF)
}

fn plant_m10(ctx: &mut Ctx, rng: &mut ChaCha8Rng, courts: &mut Courts) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let person = ctx.person(Need::Working)?;
        let charge = NON_TRAFFIC.choose(rng).copied().unwrap_or("盗窃罪");
        let effective = random_day(rng, date(2022, 7, 1), date(2025, 3, 20));
        let fine = Fine::Yuan(rng.random_range(1..=50) * 1000);
        let mut judgment = judgment(ctx, rng, person, charge, fine, effective);
        let note = if i % 3 == 2 {
            judgment.execution = timely(rng, effective, 91..=240);
            match judgment.execution {
                Some(day) => format!("判决 {effective} 生效，{day} 才移送执行（超过 90 日）"),
                None => format!("判决 {effective} 生效，罚金未移送执行"),
            }
        } else {
            format!("判决 {effective} 生效，罚金未移送执行")
        };
        ctx.truth
            .positive(Model::M10, &judgment.case_no.canonical(), true, note);
        courts.judgments.push(judgment);
    }
    for j in 0..3 * scale.near_misses() {
        let person = ctx.person(Need::Working)?;
        let charge = NON_TRAFFIC.choose(rng).copied().unwrap_or("盗窃罪");
        let fine = Fine::Yuan(rng.random_range(1..=50) * 1000);
        let (judgment, note) = match j % 3 {
            0 => {
                let effective = random_day(rng, date(2022, 7, 1), date(2025, 3, 31));
                let mut judgment = judgment(ctx, rng, person, charge, fine, effective);
                judgment.execution = Some(add_days(effective, 90));
                (judgment, format!("判决 {effective} 生效，第 90 日移送执行"))
            }
            1 => {
                let effective = if j == 1 {
                    date(2025, 5, 15)
                } else {
                    random_day(rng, date(2025, 4, 10), date(2025, 6, 20))
                };
                let judgment = judgment(ctx, rng, person, charge, fine, effective);
                (judgment, format!("判决 {effective} 生效，移送期限未届满"))
            }
            _ => {
                let effective = random_day(rng, date(2022, 7, 1), date(2025, 1, 31));
                let fine = if rng.random_bool(0.5) {
                    Fine::Empty
                } else {
                    Fine::Zero
                };
                let judgment = judgment(ctx, rng, person, "故意伤害罪", fine, effective);
                (judgment, format!("判决 {effective} 生效，未判处罚金"))
            }
        };
        ctx.truth
            .near_miss(Model::M10, &judgment.case_no.canonical(), note);
        courts.judgments.push(judgment);
    }
    Ok(())
}

/// A traffic-crime judgment whose fine (if any) is executed on time, so that it is not an M10
/// case as well.
fn traffic_judgment(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    person: usize,
    effective: NaiveDate,
) -> Judgment {
    let charge = if rng.random_bool(0.7) {
        "危险驾驶罪"
    } else {
        "交通肇事罪"
    };
    let fine = fine_for(rng, charge);
    let mut judgment = judgment(ctx, rng, person, charge, fine, effective);
    if matches!(fine, Fine::Yuan(_)) {
        judgment.execution = timely(rng, effective, 5..=85);
    }
    judgment
}

fn plant_m11(ctx: &mut Ctx, rng: &mut ChaCha8Rng, courts: &mut Courts) -> Result<(), Error> {
    for i in 0..ctx.scale.positives() {
        let damaged = i < ctx.scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(Need::Working)?
        } else {
            ctx.person(Need::Working)?
        };
        let effective = random_day(rng, date(2022, 7, 1), date(2025, 3, 20));
        let mut judgment = traffic_judgment(ctx, rng, person, effective);
        // A linkage case is a conviction whose row lost the ID and whose licence was never
        // revoked; the exact model cannot see it at all. The licence was renewed once and
        // seized at the roadside, as every such driver's is.
        let variant = if damaged { 0 } else { i % 4 };
        if damaged {
            let renewed = random_day(rng, date(2021, 1, 1), add_days(effective, -210));
            courts.licence(person, "正常", renewed);
            let seized = add_days(effective, -rng.random_range(60..=200));
            courts.licence(person, "暂扣", seized);
        }
        let late = if variant == 2 {
            timely(rng, effective, 91..=200)
        } else {
            None
        };
        let outcome = match (variant, late) {
            (2, Some(day)) => {
                courts.licence(person, "吊销", day);
                format!("{day} 才吊销驾驶证")
            }
            (3, _) => {
                courts.licence(
                    person,
                    "暂扣",
                    add_days(effective, rng.random_range(1..=80)),
                );
                "驾驶证仅暂扣未吊销".to_owned()
            }
            _ => "驾驶证未吊销".to_owned(),
        };
        let note = format!("{}判决 {effective} 生效，{outcome}", judgment.charge);
        let id = ctx.pop.persons[person].id.clone();
        if damaged {
            let d = disguise(rng, &ctx.pop.persons[person], Charset::Unicode, false);
            let note = format!("{note}；判决记录{}", d.note);
            let subject = Subject::Person(person);
            ctx.linkage_positive(Model::M11, &id, note, &CRIMINAL_JUDGMENTS, subject, &d);
            judgment.disguise = Some(d);
        } else {
            ctx.truth.positive(Model::M11, &id, true, note);
        }
        courts.judgments.push(judgment);
    }
    for j in 0..2 * ctx.scale.near_misses() {
        let person = ctx.person(Need::Working)?;
        let effective = random_day(rng, date(2022, 7, 1), date(2025, 3, 20));
        let judgment = if j % 2 == 0 {
            let judgment = traffic_judgment(ctx, rng, person, effective);
            let status = if rng.random_bool(0.7) {
                "吊销"
            } else {
                "注销"
            };
            courts.licence(person, status, add_days(effective, 60));
            judgment
        } else {
            let fine = Fine::Yuan(rng.random_range(1..=20) * 1000);
            let mut judgment = judgment(ctx, rng, person, "盗窃罪", fine, effective);
            judgment.execution = timely(rng, effective, 5..=85);
            judgment
        };
        let note = if j % 2 == 0 {
            format!(
                "{}判决 {effective} 生效，第 60 日吊销或注销驾驶证",
                judgment.charge
            )
        } else {
            format!("盗窃罪判决 {effective} 生效，无需吊销驾驶证")
        };
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(Model::M11, &id, note);
        courts.judgments.push(judgment);
    }
    Ok(())
}

fn background(ctx: &mut Ctx, rng: &mut ChaCha8Rng, courts: &mut Courts) -> Result<(), Error> {
    let scale = ctx.scale;
    for _ in 0..scale.share(10, 30) {
        let person = ctx.person(Need::Working)?;
        let charge = BACKGROUND_CHARGES.choose(rng).copied().unwrap_or("盗窃罪");
        let effective = random_day(rng, date(2022, 7, 1), date(2025, 6, 28));
        let fine = fine_for(rng, charge);
        let mut judgment = judgment(ctx, rng, person, charge, fine, effective);
        if matches!(fine, Fine::Yuan(_)) {
            judgment.execution = timely(rng, effective, 5..=85);
        }
        if charge == "危险驾驶罪" {
            // Seized by the traffic police at the roadside, long before the judgment.
            let seized = add_days(effective, -rng.random_range(60..=200));
            courts.licence(person, "暂扣", seized);
        }
        if matches!(charge, "危险驾驶罪" | "交通肇事罪")
            && let Some(day) = timely(rng, effective, 1..=80)
        {
            let status = if charge == "交通肇事罪" && rng.random_bool(0.3) {
                "注销"
            } else {
                "吊销"
            };
            courts.licence(person, status, day);
        }
        courts.judgments.push(judgment);
    }
    for _ in 0..scale.share(20, 20) {
        let person = rng.random_range(0..ctx.pop.persons.len());
        let day = random_day(rng, date(2022, 1, 1), AS_OF);
        courts.licence(person, "正常", day);
    }
    for _ in 0..scale.share(3, 10) {
        let person = rng.random_range(0..ctx.pop.persons.len());
        let judged = random_day(rng, date(2022, 1, 1), date(2025, 3, 31));
        let case_no = ctx.case_no(judged, "民初");
        let filed = add_days(judged, rng.random_range(30..=90));
        courts.civil_executions.push((case_no, person, filed));
    }
    Ok(())
}

fn write_judgments(ctx: &mut Ctx, rng: &mut ChaCha8Rng, courts: &Courts) -> Result<(), Error> {
    let mut order: Vec<&Judgment> = courts.judgments.iter().collect();
    order.sort_by_key(|j| (j.effective, j.person));
    let mut writer = ctx.writer(&CRIMINAL_JUDGMENTS)?;
    for judgment in order {
        let person = &ctx.pop.persons[judgment.person];
        let (name, id) = match &judgment.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &person.name, Charset::Unicode, 0.03),
                id_text(rng, person, 0.05),
            ),
        };
        writer.row(vec![
            text(judgment.case_no.display.clone()),
            text(name),
            text(id),
            Cell::Date(person.birth),
            text(person.gender_zh()),
            text(judgment.charge),
            text(judgment.sentence.clone()),
            match judgment.fine {
                Fine::Empty => Cell::Empty,
                Fine::Zero => Cell::Number(0.0),
                Fine::Yuan(yuan) => Cell::Number(yuan as f64),
            },
            Cell::Date(judgment.effective),
        ])?;
    }
    // A defendant without a usable number; no fine and no traffic crime, so no rule fires.
    let case_no = ctx.case_no(date(2024, 2, 1), "刑初");
    let stranger = ctx.pop.stranger(rng);
    writer.row(vec![
        text(case_no.display),
        text(stranger.name.clone()),
        text(stranger.id.clone()),
        Cell::Date(stranger.birth),
        text(stranger.gender_zh()),
        text("故意伤害罪"),
        text("有期徒刑一年"),
        Cell::Empty,
        Cell::Date(date(2024, 3, 12)),
    ])?;
    ctx.finish(writer)
}

fn write_executions(ctx: &mut Ctx, rng: &mut ChaCha8Rng, courts: &Courts) -> Result<(), Error> {
    let mut rows: Vec<(NaiveDate, String, usize, i64)> = Vec::new();
    for judgment in &courts.judgments {
        let (Some(filed), Fine::Yuan(yuan)) = (judgment.execution, judgment.fine) else {
            continue;
        };
        // Some courts' systems store the original case number with half-width brackets.
        let original = if rng.random_bool(0.3) {
            judgment.case_no.half_width()
        } else {
            judgment.case_no.display.clone()
        };
        let collected = if rng.random_bool(0.6) {
            yuan
        } else {
            rng.random_range(0..=yuan)
        };
        rows.push((filed, original, judgment.person, collected * 100));
    }
    for (case_no, person, filed) in &courts.civil_executions {
        rows.push((
            *filed,
            case_no.display.clone(),
            *person,
            rng.random_range(1..=300) * 100_000,
        ));
    }
    rows.sort();
    let mut writer = ctx.writer(&EXECUTION_CASES)?;
    for (filed, original, person, fen) in rows {
        let number = ctx.serial(filed.year(), "执");
        let person = &ctx.pop.persons[person];
        writer.row(vec![
            text(format!(
                "（{}）{}执{number}号",
                filed.year(),
                crate::population::COURT
            )),
            text(original),
            text(id_text(rng, person, 0.05)),
            text(mixed_date(rng, filed, false)),
            text(mixed_amount(rng, fen)),
        ])?;
    }
    ctx.finish(writer)
}

fn write_licences(ctx: &mut Ctx, rng: &mut ChaCha8Rng, courts: &Courts) -> Result<(), Error> {
    let mut order: Vec<&Licence> = courts.licences.iter().collect();
    order.sort_by_key(|l| (l.day, l.person));
    let mut writer = ctx.writer(&LICENCE_STATUS)?;
    for licence in order {
        let person = &ctx.pop.persons[licence.person];
        writer.row(vec![
            text(id_text(rng, person, 0.05)),
            text(name_text(rng, &person.name, Charset::Unicode, 0.03)),
            text(licence.status),
            text(date_text(licence.day, DateStyle::Iso)),
        ])?;
    }
    ctx.finish(writer)
}
