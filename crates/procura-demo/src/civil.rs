//! 民事: civil suits, with the cases of M20 (a plaintiff filing five or more private-lending
//! suits within two years: a professional lender or a sham litigant).
//!
//! Background plaintiffs file at most two lending suits each; other causes are unlimited,
//! since the rule counts 民间借贷纠纷 only.
//!
//! A linkage case hides the plaintiff of one of five suits. The court's export declares no
//! birth date or gender, so the damaged number keeps them (check character dropped, or a
//! sequence digit mistyped); the other four suits carry the plaintiff's valid number.

use chrono::NaiveDate;
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{AS_OF, add_days, date, random_day};
use crate::datasets::CIVIL_CASES;
use crate::error::Error;
use crate::noise::{Charset, DateStyle, Disguise, date_text, disguise, id_text, name_text};
use crate::plan::{Ctx, Need, Subject};
use crate::truth::Model;
use crate::write::{Cell, text};

const LENDING: &str = "民间借贷纠纷";
const OTHER_CAUSES: [&str; 5] = [
    "买卖合同纠纷",
    "离婚纠纷",
    "机动车交通事故责任纠纷",
    "房屋租赁合同纠纷",
    "劳务合同纠纷",
];

struct Suit {
    plaintiff: usize,
    defendant: usize,
    cause: &'static str,
    filed: NaiveDate,
    /// How the plaintiff is hidden (a non-exact positive).
    disguise: Option<Disguise>,
}

pub(crate) fn generate(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("civil");
    let mut suits = Vec::new();
    plant_m20(ctx, &mut rng, &mut suits)?;
    for _ in 0..ctx.scale.share(10, 20) {
        let plaintiff = ctx.person(Need::Working)?;
        let lending = rng.random_range(0..=2);
        let other = rng.random_range(0..=2);
        for k in 0..lending + other {
            let cause = if k < lending {
                LENDING
            } else {
                pick_other(&mut rng)
            };
            let filed = random_day(&mut rng, date(2022, 1, 1), AS_OF);
            suits.push(suit(ctx, &mut rng, plaintiff, cause, filed));
        }
    }
    suits.sort_by_key(|s| (s.filed, s.plaintiff));
    write_suits(ctx, &mut rng, &suits)
}

fn pick_other(rng: &mut ChaCha8Rng) -> &'static str {
    OTHER_CAUSES.choose(rng).copied().unwrap_or("买卖合同纠纷")
}

fn suit(
    ctx: &Ctx,
    rng: &mut ChaCha8Rng,
    plaintiff: usize,
    cause: &'static str,
    filed: NaiveDate,
) -> Suit {
    let defendant = loop {
        let candidate = rng.random_range(0..ctx.pop.persons.len());
        if candidate != plaintiff {
            break candidate;
        }
    };
    Suit {
        plaintiff,
        defendant,
        cause,
        filed,
        disguise: None,
    }
}

/// `count` filing days spread over at most `span` days, the first no later than `latest_first`.
fn filing_days(
    rng: &mut ChaCha8Rng,
    count: usize,
    span: i64,
    latest_first: NaiveDate,
) -> Vec<NaiveDate> {
    let first = random_day(rng, date(2022, 1, 1), latest_first);
    let mut days: Vec<NaiveDate> = (1..count)
        .map(|_| add_days(first, rng.random_range(0..=span)))
        .collect();
    days.push(first);
    days.sort();
    days
}

fn plant_m20(ctx: &mut Ctx, rng: &mut ChaCha8Rng, suits: &mut Vec<Suit>) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let damaged = i < scale.non_exact();
        let plaintiff = if damaged {
            ctx.linkable_person(Need::Working)?
        } else {
            ctx.person(Need::Working)?
        };
        let count = if damaged { 5 } else { rng.random_range(5..=8) };
        let days = filing_days(rng, count, 600, add_days(AS_OF, -600));
        let hidden = damaged.then(|| {
            let d = disguise(rng, &ctx.pop.persons[plaintiff], Charset::Unicode, true);
            (rng.random_range(0..count), d)
        });
        for (k, filed) in days.iter().enumerate() {
            let mut suit = suit(ctx, rng, plaintiff, LENDING, *filed);
            if let Some((index, d)) = &hidden
                && *index == k
            {
                suit.disguise = Some(d.clone());
            }
            suits.push(suit);
        }
        let note = format!(
            "{} 至 {} 间作为原告提起 {count} 起民间借贷诉讼",
            days[0],
            days[count - 1],
        );
        let id = ctx.pop.persons[plaintiff].id.clone();
        match &hidden {
            Some((_, d)) => {
                let note = format!("{note}；其中一起原告{}", d.note);
                let subject = Subject::Person(plaintiff);
                ctx.linkage_positive(Model::M20, &id, note, &CIVIL_CASES, subject, d);
            }
            None => ctx.truth.positive(Model::M20, &id, true, note),
        }
    }
    for j in 0..3 * scale.near_misses() {
        let plaintiff = ctx.person(Need::Working)?;
        let (days, cause, note) = match j % 3 {
            0 => {
                let days = filing_days(rng, 4, 600, add_days(AS_OF, -600));
                (days, LENDING, "两年内 4 起民间借贷诉讼".to_owned())
            }
            1 => {
                // Five suits whose first and last are more than 730 days apart.
                let mut days = filing_days(rng, 4, 700, add_days(AS_OF, -1000));
                days.push(add_days(days[0], rng.random_range(760..=1000)));
                let note = format!(
                    "5 起民间借贷诉讼跨度超过 730 日（{} 至 {}）",
                    days[0], days[4]
                );
                (days, LENDING, note)
            }
            _ => {
                let days = filing_days(rng, 6, 600, add_days(AS_OF, -600));
                (
                    days,
                    "买卖合同纠纷",
                    "两年内 6 起买卖合同纠纷诉讼".to_owned(),
                )
            }
        };
        for filed in days {
            suits.push(suit(ctx, rng, plaintiff, cause, filed));
        }
        let id = ctx.pop.persons[plaintiff].id.clone();
        ctx.truth.near_miss(Model::M20, &id, note);
    }
    Ok(())
}

fn write_suits(ctx: &mut Ctx, rng: &mut ChaCha8Rng, suits: &[Suit]) -> Result<(), Error> {
    let mut writer = ctx.writer(&CIVIL_CASES)?;
    for suit in suits {
        let plaintiff = &ctx.pop.persons[suit.plaintiff];
        let defendant = &ctx.pop.persons[suit.defendant];
        let (plaintiff_name, plaintiff_id) = match &suit.disguise {
            Some(d) => (d.name.clone(), d.id.clone()),
            None => (
                name_text(rng, &plaintiff.name, Charset::Unicode, 0.03),
                id_text(rng, plaintiff, 0.05),
            ),
        };
        let case_no = ctx.case_no(suit.filed, "民初");
        let claim = f64::from(rng.random_range(5..=500)) / 10.0;
        writer.row(vec![
            text(case_no.display),
            text(suit.cause),
            text(plaintiff_name),
            text(plaintiff_id),
            text(name_text(rng, &defendant.name, Charset::Unicode, 0.03)),
            text(id_text(rng, defendant, 0.05)),
            text(date_text(suit.filed, DateStyle::Iso)),
            Cell::Number(claim),
        ])?;
    }
    let case_no = ctx.case_no(date(2024, 10, 8), "民初");
    let plaintiff = ctx.pop.stranger(rng);
    let defendant = ctx.pop.stranger(rng);
    writer.row(vec![
        text(case_no.display),
        text("买卖合同纠纷"),
        text(plaintiff.name),
        text(plaintiff.id),
        text(defendant.name),
        text(defendant.id),
        text("2024-10-08"),
        Cell::Number(12.0),
    ])?;
    ctx.finish(writer)
}
