//! The synthetic population: persons with valid 18-digit ID numbers and realistic names, and
//! companies with valid USCCs. Everything is drawn from one seeded generator, so a
//! (persons, seed) pair always gives the same people.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use procura_core::name::name_pinyin;
use procura_core::{org_id, person_id, region};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::calendar::{date, random_day};

/// The county whose agencies export the demo data (绍兴市越城区); court numbers use `浙0602`.
pub(crate) const HOME: &str = "330602";
/// The neighbouring districts that some residents and companies belong to.
pub(crate) const NEIGHBOURS: [&str; 2] = ["330603", "330604"];
/// The court prefix in case numbers, `（2024）浙0602刑初123号`.
pub(crate) const COURT: &str = "浙0602";

/// Pensions are paid to everyone born before this day.
const RETIREMENT_BIRTH_LIMIT: NaiveDate = date(1965, 1, 1);

const SURNAMES: [&str; 100] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯",
    "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武", "戴",
    "莫", "孔", "向", "汤",
];
pub(crate) const COMPOUND_SURNAMES: [&str; 3] = ["欧阳", "司马", "上官"];

pub(crate) const GIVEN: [&str; 120] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "文", "辉", "力",
    "国", "志", "海", "鹏", "宇", "浩", "子", "轩", "欣", "怡", "梓", "涵", "婷", "雪", "琳", "晨",
    "博", "思", "雨", "佳", "俊", "峰", "斌", "波", "龙", "林", "梅", "莉", "凤", "春", "生", "荣",
    "成", "新", "云", "飞", "永", "德", "福", "金", "庆", "宝", "东", "旭", "嘉", "晓", "丹", "阳",
    "慧", "颖", "倩", "婧", "昊", "然", "睿", "泽", "晗", "瑶", "琪", "悦", "诗", "航", "凯", "健",
    "彬", "亮", "鑫", "淑", "珍", "莹", "燕", "蓉", "伦", "忠", "江", "清", "水", "立", "良", "民",
    "兵", "坤", "锋", "宁", "欢", "琴", "雯", "露",
];

const UYGHUR_FIRST: [&str; 8] = [
    "阿卜杜拉",
    "买买提",
    "古丽娜尔",
    "阿依古丽",
    "热依拉",
    "艾合买提",
    "吐尔逊",
    "帕提古丽",
];
const UYGHUR_SECOND: [&str; 6] = ["买买提", "艾力", "吐尔逊", "阿不都", "热合曼", "依明"];
const TIBETAN_FIRST: [&str; 4] = ["扎西", "次仁", "格桑", "丹增"];
const TIBETAN_SECOND: [&str; 4] = ["多吉", "卓玛", "拉姆", "平措"];

/// The characters of the USCC body (GB 32100 excludes I, O, Z, S, V).
const USCC_CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

const BRAND_CHARS: [&str; 40] = [
    "恒", "达", "宏", "远", "鑫", "源", "华", "通", "永", "盛", "金", "鼎", "天", "成", "嘉", "禾",
    "兴", "隆", "瑞", "丰", "顺", "发", "昌", "泰", "安", "康", "新", "锐", "中", "信", "德", "利",
    "富", "佳", "和", "美", "越", "海", "力", "诚",
];
const REPAIR_TRADES: [&str; 4] = ["汽车维修", "汽车修理", "机动车维修", "汽车服务"];
const FACTORY_TRADES: [&str; 9] = [
    "纺织印染",
    "化工",
    "电镀",
    "机械制造",
    "塑料制品",
    "金属制品",
    "化纤",
    "医药化工",
    "造纸",
];
const OTHER_TRADES: [&str; 5] = ["建筑工程", "贸易", "物流", "房地产开发", "科技"];

/// One resident.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    /// Canonical 18-character ID number.
    pub(crate) id: String,
    /// Simplified-character name; minority names use `·`.
    pub(crate) name: String,
    pub(crate) birth: NaiveDate,
}

impl Person {
    pub(crate) fn is_male(&self) -> bool {
        is_male_id(&self.id)
    }

    pub(crate) fn gender_zh(&self) -> &'static str {
        gender_zh(self.is_male())
    }

    pub(crate) fn is_retiree(&self) -> bool {
        self.birth < RETIREMENT_BIRTH_LIMIT
    }

    /// The 15-digit number this person could have been issued before 1999, if any: only
    /// people born 1935–1999 had one, and sequence codes 996–999 would upgrade to an 18xx
    /// birth year, so those never get the legacy form.
    pub(crate) fn legacy_id(&self) -> Option<String> {
        let year = self.birth.year();
        let sequence: u32 = self.id.get(14..17)?.parse().ok()?;
        if !(1935..=1999).contains(&year) || sequence >= 996 {
            return None;
        }
        Some(format!(
            "{}{}{}",
            &self.id[..6],
            &self.id[8..14],
            &self.id[14..17]
        ))
    }
}

/// The gender digit of an ID number (the 17th character) is odd for men.
pub(crate) fn is_male_id(id: &str) -> bool {
    id.as_bytes().get(16).is_some_and(|digit| digit % 2 == 1)
}

pub(crate) fn gender_zh(male: bool) -> &'static str {
    if male { "男" } else { "女" }
}

/// Somebody outside the population, for the junk rows every export has: a name, an unusable ID
/// number, and the birth date and gender that number was made from.
#[derive(Debug, Clone)]
pub(crate) struct Stranger {
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) birth: NaiveDate,
    pub(crate) male: bool,
}

impl Stranger {
    pub(crate) fn gender_zh(&self) -> &'static str {
        gender_zh(self.male)
    }
}

/// What a company does, which decides the models it can appear in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrgKind {
    /// Car repair shops buy engine oil and declare waste oil (M30).
    Repair,
    /// Factories are penalised for pollution and receive environmental subsidies (M36).
    Factory,
    Other,
}

/// One company.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    /// Canonical USCC.
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kind: OrgKind,
}

/// Everyone and every company in the demo county.
pub(crate) struct Population {
    pub(crate) persons: Vec<Person>,
    pub(crate) orgs: Vec<Org>,
    /// Every current county code, for birthplaces and hotel locations.
    pub(crate) counties: Vec<String>,
    names: NameMaker,
    /// How many residents share a (name pinyin, birth date): the key record linkage blocks and
    /// compares on, so a row is only attributable to a person whose key is unique.
    pinyin_births: HashMap<(String, NaiveDate), u32>,
    /// How many residents share a (simplified name, birth date, gender).
    name_births: HashMap<(String, NaiveDate, bool), u32>,
}

impl Population {
    pub(crate) fn generate(persons: usize, rng: &mut ChaCha8Rng) -> Population {
        let counties = region::current_county_codes();
        let zhejiang: Vec<String> = counties
            .iter()
            .filter(|code| code.starts_with("33"))
            .cloned()
            .collect();
        let names = NameMaker::new();
        let mut taken = HashSet::with_capacity(persons);
        let people: Vec<Person> = (0..persons)
            .map(|_| {
                let region = pick_birthplace(rng, &counties, &zhejiang);
                let birth = random_day(rng, date(1935, 1, 1), date(2005, 12, 31));
                let id = unique_person_id(rng, &region, birth, &mut taken);
                let name = names.make(rng, is_male_id(&id));
                Person { id, name, birth }
            })
            .collect();
        let mut pinyin_births = HashMap::with_capacity(persons);
        let mut name_births = HashMap::with_capacity(persons);
        for person in &people {
            *pinyin_births
                .entry((name_pinyin(&person.name), person.birth))
                .or_insert(0) += 1;
            *name_births
                .entry((person.name.clone(), person.birth, person.is_male()))
                .or_insert(0) += 1;
        }
        let orgs = generate_orgs(rng, (persons / 50).max(200));
        Population {
            persons: people,
            orgs,
            counties,
            names,
            pinyin_births,
            name_births,
        }
    }

    /// Whether a row that carries only the person's name (or a homophone, traditional or
    /// dot variant of it), birth date and gender points to this person and nobody else: no
    /// other resident has the same name pinyin and birth date, or the same name, birth date
    /// and gender. Planted linkage cases use only such persons, because a linker could not
    /// (and should not) pick one of two residents that agree on everything a row says.
    pub(crate) fn is_linkable(&self, index: usize) -> bool {
        let Some(person) = self.persons.get(index) else {
            return false;
        };
        let by_pinyin = self
            .pinyin_births
            .get(&(name_pinyin(&person.name), person.birth));
        let by_name = self
            .name_births
            .get(&(person.name.clone(), person.birth, person.is_male()));
        by_pinyin == Some(&1) && by_name == Some(&1)
    }

    /// Whether some resident has a name that reads `pinyin` and was born on `birth`.
    pub(crate) fn reads_as_resident(&self, pinyin: &str, birth: NaiveDate) -> bool {
        self.pinyin_births.contains_key(&(pinyin.to_owned(), birth))
    }

    /// Somebody outside the population, with an unusable ID number (missing, `不详`, mistyped
    /// or truncated), for the junk rows every export has. The number is damaged from one no
    /// resident has (sequence 990–995 is never issued here), and no resident shares the
    /// stranger's name pinyin and birth date, so that record linkage cannot tie the row to a
    /// resident either.
    pub(crate) fn stranger(&self, rng: &mut ChaCha8Rng) -> Stranger {
        loop {
            let birth = random_day(rng, date(1950, 1, 1), date(2000, 12, 31));
            let sequence = rng.random_range(990..=995);
            let first17 = format!("{HOME}{}{sequence}", birth.format("%Y%m%d"));
            let male = sequence % 2 == 1;
            let name = self.names.make(rng, male);
            if self.reads_as_resident(&name_pinyin(&name), birth) {
                continue;
            }
            let check = person_id::check_character(&first17).unwrap_or('0');
            let id = crate::noise::damaged_id(rng, &format!("{first17}{check}")).text;
            return Stranger {
                name,
                id,
                birth,
                male,
            };
        }
    }
}

fn pick_birthplace(rng: &mut ChaCha8Rng, counties: &[String], zhejiang: &[String]) -> String {
    let roll: f64 = rng.random();
    let pool = if roll < 0.6 {
        return HOME.to_owned();
    } else if roll < 0.8 {
        zhejiang
    } else {
        counties
    };
    pool.choose(rng).cloned().unwrap_or_else(|| HOME.to_owned())
}

/// A valid ID number not yet issued: region, birth date, a sequence whose last digit carries
/// the gender, and the MOD 11-2 check character.
pub(crate) fn unique_person_id(
    rng: &mut ChaCha8Rng,
    region: &str,
    birth: NaiveDate,
    taken: &mut HashSet<String>,
) -> String {
    loop {
        // The first two sequence digits stop at 98 so that no sequence reaches 996–999.
        let sequence = rng.random_range(0..99) * 10 + rng.random_range(0..10);
        let first17 = format!("{region}{}{sequence:03}", birth.format("%Y%m%d"));
        let Some(check) = person_id::check_character(&first17) else {
            continue;
        };
        let id = format!("{first17}{check}");
        if taken.insert(id.clone()) {
            return id;
        }
    }
}

/// Picks surnames by frequency rank and given names of one or two characters.
pub(crate) struct NameMaker {
    surname_weights: Vec<u32>,
    surname_total: u32,
}

impl NameMaker {
    pub(crate) fn new() -> NameMaker {
        // Weight falls with rank like real surname frequencies; compound surnames are rare.
        let mut surname_weights: Vec<u32> = (0..SURNAMES.len())
            .map(|rank| 10_000 / (rank as u32 + 8))
            .collect();
        surname_weights.extend([4, 3, 3]);
        let surname_total = surname_weights.iter().sum();
        NameMaker {
            surname_weights,
            surname_total,
        }
    }

    pub(crate) fn make(&self, rng: &mut ChaCha8Rng, male: bool) -> String {
        if rng.random_bool(0.03) {
            return self.minority(rng);
        }
        let surname = self.surname(rng);
        // Female names lean to the second half of the list, male ones to the first half,
        // which is enough to make the names look plausible for the gender.
        let half = GIVEN.len() / 2;
        let given = |rng: &mut ChaCha8Rng| {
            let lean = rng.random_bool(0.7);
            let index = match (male, lean) {
                (true, true) | (false, false) => rng.random_range(0..half),
                _ => rng.random_range(half..GIVEN.len()),
            };
            GIVEN[index]
        };
        if rng.random_bool(0.3) {
            format!("{surname}{}", given(rng))
        } else {
            format!("{surname}{}{}", given(rng), given(rng))
        }
    }

    fn surname(&self, rng: &mut ChaCha8Rng) -> &'static str {
        let mut roll = rng.random_range(0..self.surname_total);
        for (index, weight) in self.surname_weights.iter().enumerate() {
            if roll < *weight {
                return SURNAMES
                    .get(index)
                    .or_else(|| COMPOUND_SURNAMES.get(index - SURNAMES.len()))
                    .copied()
                    .unwrap_or("王");
            }
            roll -= weight;
        }
        "王"
    }

    /// A Uyghur or Tibetan name: given name, middle dot, father's or second name.
    fn minority(&self, rng: &mut ChaCha8Rng) -> String {
        let (firsts, seconds): (&[&str], &[&str]) = if rng.random_bool(0.7) {
            (&UYGHUR_FIRST, &UYGHUR_SECOND)
        } else {
            (&TIBETAN_FIRST, &TIBETAN_SECOND)
        };
        let first = firsts.choose(rng).copied().unwrap_or("扎西");
        let second = seconds.choose(rng).copied().unwrap_or("多吉");
        format!("{first}·{second}")
    }
}

fn generate_orgs(rng: &mut ChaCha8Rng, count: usize) -> Vec<Org> {
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    (0..count)
        .map(|index| {
            let kind = match index % 10 {
                0..=2 => OrgKind::Repair,
                3..=7 => OrgKind::Factory,
                _ => OrgKind::Other,
            };
            let region = if rng.random_bool(0.6) {
                HOME
            } else {
                NEIGHBOURS.choose(rng).copied().unwrap_or(HOME)
            };
            let name = unique_org_name(rng, kind, region, &mut names);
            let id = unique_uscc(rng, region, &mut ids);
            Org { id, name, kind }
        })
        .collect()
}

fn district_name(region: &str) -> &'static str {
    match region {
        "330603" => "绍兴市柯桥区",
        "330604" => "绍兴市上虞区",
        _ => "绍兴市越城区",
    }
}

fn unique_org_name(
    rng: &mut ChaCha8Rng,
    kind: OrgKind,
    region: &str,
    taken: &mut HashSet<String>,
) -> String {
    let trades: &[&str] = match kind {
        OrgKind::Repair => &REPAIR_TRADES,
        OrgKind::Factory => &FACTORY_TRADES,
        OrgKind::Other => &OTHER_TRADES,
    };
    let mut brand_len = 2;
    loop {
        let brand: String = (0..brand_len)
            .filter_map(|_| BRAND_CHARS.choose(rng).copied())
            .collect();
        let trade = trades.choose(rng).copied().unwrap_or("贸易");
        let form = if rng.random_bool(0.85) {
            "有限公司"
        } else {
            "有限责任公司"
        };
        // Unique without the district and the form of company too, since a linker matching
        // companies by name drops both (`柯桥区恒达化工有限责任公司` = `越城区恒达化工有限公司`).
        if taken.insert(format!("{brand}{trade}")) {
            return format!("{}{brand}{trade}{form}", district_name(region));
        }
        // Two-character brands run out in a large county; real registries then add a third.
        brand_len = 3;
    }
}

/// A valid USCC: `91` (enterprise), the county code, an eight-character body, the GB 11714
/// check character of the body and the GB 32100 check character of the whole.
fn unique_uscc(rng: &mut ChaCha8Rng, region: &str, taken: &mut HashSet<String>) -> String {
    loop {
        let body: String = (0..8)
            .filter_map(|_| USCC_CHARSET.choose(rng).map(|b| char::from(*b)))
            .collect();
        let Some(org_check) = org_id::organization_code_check_character(&body) else {
            continue;
        };
        let first17 = format!("91{region}{body}{org_check}");
        let Some(check) = org_id::uscc_check_character(&first17) else {
            continue;
        };
        let id = format!("{first17}{check}");
        if taken.insert(id.clone()) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::AS_OF;
    use rand::SeedableRng;

    #[test]
    fn ids_are_valid_and_legacy_forms_upgrade_to_them() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let population = Population::generate(2_000, &mut rng);
        for person in &population.persons {
            let parsed = person_id::parse_person_id(&person.id, AS_OF);
            assert_eq!(
                parsed.map(|p| p.into_string()).ok().as_deref(),
                Some(person.id.as_str())
            );
            if let Some(legacy) = person.legacy_id() {
                assert_eq!(
                    person_id::upgrade_15(&legacy).as_deref(),
                    Some(person.id.as_str())
                );
            }
        }
        for org in &population.orgs {
            let parsed = org_id::parse_org_id(&org.id).map_err(|e| e.to_string());
            let parsed = parsed.unwrap_or_else(|e| panic!("{}: {e}", org.id));
            assert!(
                parsed.warnings.is_empty(),
                "{}: {:?}",
                org.id,
                parsed.warnings
            );
        }
    }
}
