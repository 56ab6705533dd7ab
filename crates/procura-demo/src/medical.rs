//! 医保: inpatient claims and traffic-accident liability findings, with the cases of M27 (an
//! injury billed to medical insurance although the other party was fully liable).
//!
//! Ordinary claims come from people who had no traffic accident; background accident victims
//! who were themselves at fault may claim for their injuries, which the rule allows.
//!
//! A linkage case hides the injury claim of a victim who was also in hospital twice for an
//! illness; those claims carry the valid ID a linker attributes the damaged one by.

use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{AS_OF, add_days, date, random_day};
use crate::datasets::{MEDICAL_CLAIMS, TRAFFIC_ACCIDENTS};
use crate::error::Error;
use crate::noise::{
    Charset, DateStyle, Disguise, date_text, disguise, grouped, id_text, mixed_date, name_text,
    plain,
};
use crate::plan::{Ctx, Need, Subject};
use crate::population::HOME;
use crate::population::Person;
use crate::truth::Model;
use crate::write::text;

const OTHER_PARTY: &str = "对方全责";
const INJURIES: [&str; 4] = ["外伤骨折", "外伤性颅脑损伤", "头部外伤", "外伤性脾破裂"];
const ILLNESSES: [&str; 6] = [
    "高血压",
    "2型糖尿病",
    "肺炎",
    "冠心病",
    "脑梗死",
    "慢性阻塞性肺疾病",
];
const FROM: NaiveDate = date(2023, 1, 1);

struct Accident {
    person: usize,
    day: NaiveDate,
    liability: &'static str,
}

struct Claim {
    person: usize,
    admitted: NaiveDate,
    diagnosis: &'static str,
    /// How the claim row hides the person (a non-exact positive).
    disguise: Option<Disguise>,
}

#[derive(Default)]
struct Medical {
    accidents: Vec<Accident>,
    claims: Vec<Claim>,
}

pub(crate) fn generate(ctx: &mut Ctx) -> Result<(), Error> {
    let mut rng = ctx.rng("medical");
    let mut medical = Medical::default();
    plant_m27(ctx, &mut rng, &mut medical)?;
    for _ in 0..ctx.scale.share(5, 20) {
        let person = ctx.person(Need::Any)?;
        let day = random_day(&mut rng, FROM, AS_OF);
        let liability = *["对方全责", "本人全责", "同等责任", "本人全责"]
            .choose(&mut rng)
            .unwrap_or(&"本人全责");
        medical.accidents.push(Accident {
            person,
            day,
            liability,
        });
        if liability != OTHER_PARTY && rng.random_bool(0.4) {
            let diagnosis = INJURIES.choose(&mut rng).copied().unwrap_or(INJURIES[0]);
            medical.claims.push(Claim {
                person,
                admitted: day,
                diagnosis,
                disguise: None,
            });
        }
    }
    write_accidents(ctx, &mut rng, &medical)?;
    write_claims(ctx, &mut rng, &medical)
}

fn injury(rng: &mut ChaCha8Rng) -> &'static str {
    INJURIES.choose(rng).copied().unwrap_or(INJURIES[0])
}

fn plant_m27(ctx: &mut Ctx, rng: &mut ChaCha8Rng, medical: &mut Medical) -> Result<(), Error> {
    let scale = ctx.scale;
    for i in 0..scale.positives() {
        let damaged = i < scale.non_exact();
        let person = if damaged {
            ctx.linkable_person(Need::Any)?
        } else {
            ctx.person(Need::Any)?
        };
        let day = random_day(rng, FROM, add_days(AS_OF, -1));
        let admitted = add_days(day, rng.random_range(0..=1));
        medical.accidents.push(Accident {
            person,
            day,
            liability: OTHER_PARTY,
        });
        let diagnosis = injury(rng);
        let note = format!("{day} 交通事故对方全责，{admitted} 入院（{diagnosis}）由医保统筹支付");
        let id = ctx.pop.persons[person].id.clone();
        let hidden =
            damaged.then(|| disguise(rng, &ctx.pop.persons[person], Charset::Unicode, false));
        match &hidden {
            Some(d) => {
                let note = format!("{note}；结算记录{}", d.note);
                let subject = Subject::Person(person);
                ctx.linkage_positive(Model::M27, &id, note, &MEDICAL_CLAIMS, subject, d);
                // Two earlier stays for an illness, which the rule does not look at.
                for _ in 0..2 {
                    medical.claims.push(Claim {
                        person,
                        admitted: random_day(rng, date(2022, 1, 1), AS_OF),
                        diagnosis: ILLNESSES.choose(rng).copied().unwrap_or(ILLNESSES[0]),
                        disguise: None,
                    });
                }
            }
            None => ctx.truth.positive(Model::M27, &id, true, note),
        }
        medical.claims.push(Claim {
            person,
            admitted,
            diagnosis,
            disguise: hidden,
        });
    }
    for j in 0..2 * scale.near_misses() {
        let person = ctx.person(Need::Any)?;
        let day = random_day(rng, FROM, add_days(AS_OF, -3));
        let diagnosis = injury(rng);
        let (liability, admitted, note) = if j % 2 == 0 {
            ("本人全责", day, format!("{day} 交通事故本人全责，当日入院"))
        } else {
            let admitted = add_days(day, 3);
            (
                OTHER_PARTY,
                admitted,
                format!("{day} 交通事故对方全责，3 日后才入院"),
            )
        };
        medical.accidents.push(Accident {
            person,
            day,
            liability,
        });
        medical.claims.push(Claim {
            person,
            admitted,
            diagnosis,
            disguise: None,
        });
        let id = ctx.pop.persons[person].id.clone();
        ctx.truth.near_miss(Model::M27, &id, note);
    }
    Ok(())
}

fn write_accidents(ctx: &mut Ctx, rng: &mut ChaCha8Rng, medical: &Medical) -> Result<(), Error> {
    let mut order: Vec<&Accident> = medical.accidents.iter().collect();
    order.sort_by_key(|a| (a.day, a.person));
    let mut writer = ctx.writer(&TRAFFIC_ACCIDENTS)?;
    for accident in order {
        let person = &ctx.pop.persons[accident.person];
        let number = ctx.serial(accident.day.year(), "事故");
        writer.row(vec![
            text(format!(
                "{HOME}1{}{number:05}",
                accident.day.format("%Y%m%d")
            )),
            text(id_text(rng, person, 0.05)),
            text(date_text(accident.day, DateStyle::Iso)),
            text(accident.liability),
        ])?;
    }
    ctx.finish(writer)
}

/// Streams the ordinary claims and slips in the claims of accident victims.
fn write_claims(ctx: &mut Ctx, rng: &mut ChaCha8Rng, medical: &Medical) -> Result<(), Error> {
    let pop = ctx.pop;
    let mut had_accident = vec![false; pop.persons.len()];
    for accident in &medical.accidents {
        had_accident[accident.person] = true;
    }
    let ordinary = ctx.scale.share(50, 100);
    let mut special: Vec<(usize, usize)> = (0..medical.claims.len())
        .map(|i| (rng.random_range(0..=ordinary), i))
        .collect();
    special.sort();
    let mut special = special.into_iter().peekable();
    let mut writer = ctx.writer(&MEDICAL_CLAIMS)?;
    for position in 0..=ordinary {
        while let Some((_, i)) = special.next_if(|(p, _)| *p == position) {
            let claim = &medical.claims[i];
            let person = &pop.persons[claim.person];
            let (name, id) = match &claim.disguise {
                Some(d) => (d.name.clone(), d.id.clone()),
                None => (
                    name_text(rng, &person.name, Charset::Unicode, 0.03),
                    id_text(rng, person, 0.05),
                ),
            };
            writer.row(claim_row(
                rng,
                person,
                id,
                name,
                claim.admitted,
                claim.diagnosis,
            ))?;
        }
        if position == ordinary {
            break;
        }
        let person = loop {
            let candidate = rng.random_range(0..pop.persons.len());
            if !had_accident[candidate] {
                break &pop.persons[candidate];
            }
        };
        let diagnosis = if rng.random_bool(0.15) {
            injury(rng)
        } else {
            ILLNESSES.choose(rng).copied().unwrap_or(ILLNESSES[0])
        };
        let id = id_text(rng, person, 0.05);
        let name = name_text(rng, &person.name, Charset::Unicode, 0.03);
        let admitted = random_day(rng, FROM, AS_OF);
        writer.row(claim_row(rng, person, id, name, admitted, diagnosis))?;
    }
    ctx.finish(writer)
}

fn claim_row(
    rng: &mut ChaCha8Rng,
    person: &Person,
    id: String,
    name: String,
    admitted: NaiveDate,
    diagnosis: &str,
) -> Vec<crate::write::Cell> {
    let fen = rng.random_range(80_000..=6_000_000);
    let amount = if rng.random_bool(0.5) {
        grouped(fen)
    } else {
        plain(fen)
    };
    vec![
        text(id),
        text(mixed_date(rng, person.birth, false)),
        text(person.gender_zh()),
        text(name),
        text(mixed_date(rng, admitted, false)),
        text(diagnosis),
        text(amount),
    ]
}
