//! 企业: environmental penalties and subsidies (M36: a polluter subsidised within three years
//! of its penalty) and engine oil bought against waste oil declared by car-repair shops (M30:
//! less than 30% of the oil bought comes back as declared waste).
//!
//! In the background, penalised factories get no subsidies, subsidised companies were never
//! penalised, and repair shops that buy 1000 litres or more declare 40–80% of it.
//!
//! A linkage case hides the company of one subsidy or purchase behind a missing or mistyped
//! USCC; the row still carries the company's name exactly as all its other rows do, and no two
//! companies share a name (even after dropping the district and the form of company).

use chrono::NaiveDate;
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{AS_OF, add_days, date, random_day};
use crate::datasets::{ENV_PENALTIES, OIL_PURCHASES, SUBSIDIES, WASTE_OIL};
use crate::error::Error;
use crate::noise::{DateStyle, Disguise, date_text, disguise_org, grouped, mixed_date};
use crate::plan::{Ctx, Subject};
use crate::population::OrgKind;
use crate::truth::Model;
use crate::write::{Cell, text};

const VIOLATIONS: [&str; 6] = [
    "超标排放",
    "未批先建",
    "未验先投",
    "逃避监管排放",
    "危险废物违规处置",
    "未按规定安装在线监测设备",
];
const PROGRAMS: [&str; 2] = ["清洁生产补助", "环保技改补贴"];
const OIL_FROM: NaiveDate = date(2024, 1, 1);

struct Penalty {
    org: usize,
    day: NaiveDate,
}

struct Subsidy {
    org: usize,
    day: NaiveDate,
    /// How the subsidy row hides the company (a non-exact positive).
    disguise: Option<Disguise>,
}

/// Oil bought and waste declared by one shop; one purchase may hide the company.
struct OilAccount {
    org: usize,
    purchases: Vec<u32>,
    declarations: Vec<u32>,
    disguised_purchase: Option<(usize, Disguise)>,
}

pub(crate) fn generate_subsidies(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("subsidies");
    let mut penalties = Vec::new();
    let mut subsidies = Vec::new();
    plant_m36(ctx, &mut rng, &mut penalties, &mut subsidies)?;
    for _ in 0..ctx.scale.share(1, 10) {
        let org = ctx.org(OrgKind::Factory)?;
        for _ in 0..rng.random_range(1..=2) {
            let day = random_day(&mut rng, date(2021, 1, 1), AS_OF);
            penalties.push(Penalty { org, day });
        }
    }
    for _ in 0..ctx.scale.share(2, 20) {
        let kind = if rng.random_bool(0.7) {
            OrgKind::Factory
        } else {
            OrgKind::Other
        };
        let org = ctx.org(kind)?;
        for _ in 0..rng.random_range(1..=3) {
            let day = random_day(&mut rng, date(2021, 1, 1), AS_OF);
            subsidies.push(Subsidy {
                org,
                day,
                disguise: None,
            });
        }
    }
    write_penalties(ctx, &mut rng, &mut penalties)?;
    write_subsidies(ctx, &mut rng, &mut subsidies)
}

fn plant_m36(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    penalties: &mut Vec<Penalty>,
    subsidies: &mut Vec<Subsidy>,
) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let org = ctx.org(OrgKind::Factory)?;
        let damaged = i < scale.non_exact();
        let penalty = random_day(rng, date(2021, 6, 1), date(2025, 5, 31));
        let room = (AS_OF - penalty).num_days().min(1095);
        // Two exact positives sit on the edges of the window: the day of the penalty and
        // the 1095th day after it.
        let edge = i.wrapping_sub(scale.non_exact());
        let paid = match edge {
            0 => penalty,
            1 if room == 1095 => add_days(penalty, 1095),
            _ => add_days(penalty, rng.random_range(0..=room)),
        };
        penalties.push(Penalty { org, day: penalty });
        let note = format!("{penalty} 受环保处罚，{paid} 仍获环保补贴");
        let company = &ctx.pop.orgs[org];
        let id = company.id.clone();
        let disguise = damaged.then(|| disguise_org(rng, &company.id, &company.name, true));
        match &disguise {
            Some(d) => {
                let note = format!("{note}；补贴记录{}", d.note);
                ctx.linkage_positive(Model::M36, &id, note, &SUBSIDIES, Subject::Org(org), d);
            }
            None => ctx.truth.positive(Model::M36, &id, true, note),
        }
        subsidies.push(Subsidy {
            org,
            day: paid,
            disguise,
        });
    }
    for j in 0..2 * scale.near_misses() {
        let org = ctx.org(OrgKind::Factory)?;
        let (penalty, paid, note) = if j % 2 == 0 {
            let penalty = random_day(rng, date(2021, 6, 1), date(2025, 5, 31));
            let paid = add_days(penalty, -1);
            (penalty, paid, format!("补贴 {paid} 发放，次日才受处罚"))
        } else {
            let penalty = random_day(rng, date(2021, 1, 1), add_days(AS_OF, -1100));
            let paid = add_days(penalty, 1100);
            (
                penalty,
                paid,
                format!("{penalty} 受处罚，1100 日后才获补贴"),
            )
        };
        penalties.push(Penalty { org, day: penalty });
        subsidies.push(Subsidy {
            org,
            day: paid,
            disguise: None,
        });
        let id = ctx.pop.orgs[org].id.clone();
        ctx.truth.near_miss(Model::M36, &id, note);
    }
    Ok(())
}

fn write_penalties(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    penalties: &mut [Penalty],
) -> Result<(), Error> {
    penalties.sort_by_key(|p| (p.day, p.org));
    let mut writer = ctx.writer(&ENV_PENALTIES)?;
    for penalty in penalties.iter() {
        let org = &ctx.pop.orgs[penalty.org];
        let year = chrono::Datelike::year(&penalty.day);
        let number = ctx.serial(year, "环罚");
        writer.row(vec![
            text(org.id.clone()),
            text(org.name.clone()),
            text(format!("绍市环罚字〔{year}〕{number}号")),
            text(VIOLATIONS.choose(rng).copied().unwrap_or("超标排放")),
            Cell::Date(penalty.day),
            Cell::Number(f64::from(rng.random_range(10..=1000)) / 10.0),
        ])?;
    }
    ctx.finish(writer)
}

fn write_subsidies(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    subsidies: &mut [Subsidy],
) -> Result<(), Error> {
    subsidies.sort_by_key(|s| (s.day, s.org));
    let mut writer = ctx.writer(&SUBSIDIES)?;
    for subsidy in subsidies.iter() {
        let org = &ctx.pop.orgs[subsidy.org];
        let id = if let Some(d) = &subsidy.disguise {
            d.id.clone()
        } else if rng.random_bool(0.05) {
            org.id.to_lowercase()
        } else {
            org.id.clone()
        };
        let fen = i64::from(rng.random_range(1..=40)) * 500_000;
        writer.row(vec![
            text(id),
            text(org.name.clone()),
            text(PROGRAMS.choose(rng).copied().unwrap_or(PROGRAMS[0])),
            text(date_text(subsidy.day, DateStyle::Iso)),
            text(format!("￥{}", grouped(fen))),
        ])?;
    }
    ctx.finish(writer)
}

/// Splits `total` litres into purchases of 100–1200 litres.
fn split(rng: &mut ChaCha8Rng, total: u32) -> Vec<u32> {
    let mut parts = Vec::new();
    let mut left = total;
    while left > 1200 {
        let part = rng.random_range(100..=1200).min(left);
        parts.push(part);
        left -= part;
    }
    if left > 0 {
        parts.push(left);
    }
    parts
}

fn account(rng: &mut ChaCha8Rng, org: usize, bought: u32, declared: u32) -> OilAccount {
    OilAccount {
        org,
        purchases: split(rng, bought),
        declarations: if declared == 0 {
            Vec::new()
        } else {
            split(rng, declared)
        },
        disguised_purchase: None,
    }
}

pub(crate) fn generate_waste_oil(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("waste_oil");
    let mut accounts = Vec::new();
    plant_m30(ctx, &mut rng, &mut accounts)?;
    // Every other repair shop buys and declares normally; a few buy too little to count.
    while let Ok(org) = ctx.org(OrgKind::Repair) {
        if rng.random_bool(0.85) {
            let bought = rng.random_range(2000..=20_000);
            let ratio = rng.random_range(40..=80);
            accounts.push(account(&mut rng, org, bought, bought * ratio / 100));
        } else {
            let bought = rng.random_range(200..=900);
            let ratio = rng.random_range(0..=90);
            accounts.push(account(&mut rng, org, bought, bought * ratio / 100));
        }
    }
    write_oil(ctx, &mut rng, &accounts)
}

fn plant_m30(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    accounts: &mut Vec<OilAccount>,
) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let org = ctx.org(OrgKind::Repair)?;
        let damaged = i < scale.non_exact();
        let (account, note) = if damaged {
            let declared = rng.random_range(60..=100);
            let mut account = account(rng, org, 1200, declared);
            account.purchases = vec![600, 600];
            // Never missing here: rows without any org ID would pool into one group of their
            // own in a sum per org.
            let company = &ctx.pop.orgs[org];
            let d = disguise_org(rng, &company.id, &company.name, false);
            let note = format!(
                "购油 1200 升仅申报废油 {declared} 升；一笔 600 升采购记录{}",
                d.note
            );
            account.disguised_purchase = Some((rng.random_range(0..2), d));
            (account, note)
        } else {
            let bought = rng.random_range(1500..=12_000);
            let percent = if i == scale.non_exact() {
                0
            } else {
                rng.random_range(5..=25)
            };
            let declared = bought * percent / 100;
            let note = format!("购油 {bought} 升仅申报废油 {declared} 升");
            (account(rng, org, bought, declared), note)
        };
        let id = ctx.pop.orgs[org].id.clone();
        match &account.disguised_purchase {
            Some((_, d)) => {
                ctx.linkage_positive(Model::M30, &id, note, &OIL_PURCHASES, Subject::Org(org), d);
            }
            None => ctx.truth.positive(Model::M30, &id, true, note),
        }
        accounts.push(account);
    }
    for j in 0..2 * scale.near_misses() {
        let org = ctx.org(OrgKind::Repair)?;
        let (bought, declared, note) = if j % 2 == 0 {
            let bought = rng.random_range(1500..=12_000) / 20 * 20;
            let declared = bought * 35 / 100;
            (
                bought,
                declared,
                format!("购油 {bought} 升，申报废油 {declared} 升（35%）"),
            )
        } else {
            (500, 50, "仅购油 500 升，申报废油 50 升".to_owned())
        };
        accounts.push(account(rng, org, bought, declared));
        let id = ctx.pop.orgs[org].id.clone();
        ctx.truth.near_miss(Model::M30, &id, note);
    }
    Ok(())
}

fn write_oil(ctx: &mut Ctx, rng: &mut ChaCha8Rng, accounts: &[OilAccount]) -> Result<(), Error> {
    let mut purchases = Vec::new();
    let mut declarations = Vec::new();
    for account in accounts {
        for (i, litres) in account.purchases.iter().enumerate() {
            let day = random_day(rng, OIL_FROM, AS_OF);
            let id = match &account.disguised_purchase {
                Some((hidden, d)) if *hidden == i => Some(d.id.clone()),
                _ => None,
            };
            purchases.push((day, account.org, *litres, id));
        }
        for litres in &account.declarations {
            let day = random_day(rng, OIL_FROM, AS_OF);
            declarations.push((day, account.org, *litres, None));
        }
    }
    purchases.sort();
    declarations.sort();
    write_oil_rows(ctx, rng, &OIL_PURCHASES, &purchases)?;
    write_oil_rows(ctx, rng, &WASTE_OIL, &declarations)
}

fn write_oil_rows(
    ctx: &mut Ctx,
    rng: &mut ChaCha8Rng,
    spec: &'static crate::write::TableSpec,
    rows: &[(NaiveDate, usize, u32, Option<String>)],
) -> Result<(), Error> {
    let mut writer = ctx.writer(spec)?;
    for (day, org, litres, disguised_id) in rows {
        let org = &ctx.pop.orgs[*org];
        let id = disguised_id.clone().unwrap_or_else(|| org.id.clone());
        writer.row(vec![
            text(id),
            text(org.name.clone()),
            text(mixed_date(rng, *day, false)),
            text(litres.to_string()),
        ])?;
    }
    ctx.finish(writer)
}
