//! Field types: what a dataset column holds, how a Chinese header is recognised as one, and
//! how one raw cell becomes a normalised value.
//!
//! The header dictionary is the knowledge of how agencies label their columns (`身份证号`,
//! `公民身份号码`, `证件号码` …). It proposes a standard column name (`person_id`) and a type;
//! `procura ingest --suggest` prints the proposal so that a data administrator can correct it.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use unicode_normalization::UnicodeNormalization;

use crate::amount::{self, Amount, AmountUnit};
use crate::date::{self, ExcelDateSystem};
use crate::name;
use crate::org_id;
use crate::party_id;
use crate::person_id::{self, PersonId};
use crate::phone;
use crate::plate;
use crate::region;
use crate::text;

/// What a column holds. A closed set: every type has a normaliser and an Arrow storage type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// 公民身份号码 and the permits that share its layout.
    PersonId,
    /// 统一社会信用代码 / 组织机构代码 / 工商注册号.
    OrgId,
    /// 当事人证件号码: a person ID or an organisation number in one column, each value
    /// keeping which it is (see [`crate::party_id`]).
    PartyId,
    /// A person's name.
    Name,
    /// An organisation's name.
    OrgName,
    /// 性别: normalised to `男` / `女`.
    Gender,
    /// A calendar date.
    Date,
    /// A date with a time of day.
    DateTime,
    /// A month, stored as its first day.
    Month,
    /// Money in yuan, exact to 1 分.
    Amount,
    /// Any other number (blood alcohol, counts, days).
    Number,
    /// 号牌号码.
    Plate,
    /// Mobile or landline phone number.
    Phone,
    /// 行政区划代码 (six digits).
    RegionCode,
    /// 案号 / 文号: brackets and widths canonicalised.
    CaseNumber,
    /// Anything else, kept as text.
    Text,
}

impl FieldType {
    /// Every type, in documentation order.
    pub const ALL: [FieldType; 16] = [
        FieldType::PersonId,
        FieldType::OrgId,
        FieldType::PartyId,
        FieldType::Name,
        FieldType::OrgName,
        FieldType::Gender,
        FieldType::Date,
        FieldType::DateTime,
        FieldType::Month,
        FieldType::Amount,
        FieldType::Number,
        FieldType::Plate,
        FieldType::Phone,
        FieldType::RegionCode,
        FieldType::CaseNumber,
        FieldType::Text,
    ];

    /// The snake_case code used in mapping files and the catalog.
    pub fn code(self) -> &'static str {
        match self {
            FieldType::PersonId => "person_id",
            FieldType::OrgId => "org_id",
            FieldType::PartyId => "party_id",
            FieldType::Name => "name",
            FieldType::OrgName => "org_name",
            FieldType::Gender => "gender",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::Month => "month",
            FieldType::Amount => "amount",
            FieldType::Number => "number",
            FieldType::Plate => "plate",
            FieldType::Phone => "phone",
            FieldType::RegionCode => "region_code",
            FieldType::CaseNumber => "case_number",
            FieldType::Text => "text",
        }
    }

    /// The Chinese label.
    pub fn zh(self) -> &'static str {
        match self {
            FieldType::PersonId => "身份证号",
            FieldType::OrgId => "统一社会信用代码",
            FieldType::PartyId => "当事人证件号码",
            FieldType::Name => "姓名",
            FieldType::OrgName => "单位名称",
            FieldType::Gender => "性别",
            FieldType::Date => "日期",
            FieldType::DateTime => "日期时间",
            FieldType::Month => "年月",
            FieldType::Amount => "金额",
            FieldType::Number => "数值",
            FieldType::Plate => "号牌号码",
            FieldType::Phone => "电话",
            FieldType::RegionCode => "行政区划代码",
            FieldType::CaseNumber => "案号/文号",
            FieldType::Text => "文本",
        }
    }

    /// True for the types whose raw text is kept beside the normalised value (identifiers,
    /// dates and amounts: what evidence may need to quote exactly).
    pub fn keeps_raw(self) -> bool {
        !matches!(self, FieldType::Text)
    }

    /// True for the identifier types that duplicate-key counting looks at.
    pub fn is_key(self) -> bool {
        matches!(
            self,
            FieldType::PersonId
                | FieldType::OrgId
                | FieldType::PartyId
                | FieldType::CaseNumber
                | FieldType::Plate
        )
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An unknown field type code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown field type `{0}` (expected one of: person_id, org_id, party_id, name, org_name, gender, date, datetime, month, amount, number, plate, phone, region_code, case_number, text)"
)]
pub struct UnknownFieldType(pub String);

impl FromStr for FieldType {
    type Err = UnknownFieldType;

    fn from_str(s: &str) -> Result<FieldType, UnknownFieldType> {
        FieldType::ALL
            .into_iter()
            .find(|field_type| field_type.code() == s)
            .ok_or_else(|| UnknownFieldType(s.to_owned()))
    }
}

/// Suffixes of the columns ingest derives from a typed column `c` (`c__raw`, `c__issue`,
/// `c__simplified`, `c__key`, `c__kind`): reserved, so no mapped column may end with one, and
/// left out where a person reads the business columns.
pub const DERIVED_SUFFIXES: [&str; 5] = ["__raw", "__issue", "__simplified", "__key", "__kind"];

/// True for a derived bookkeeping column (see [`DERIVED_SUFFIXES`]).
pub fn is_derived_column(name: &str) -> bool {
    DERIVED_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// What the dictionary proposes for one header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    /// The proposed column name: a standard English name, or the cleaned header itself.
    pub name: String,
    /// The proposed type.
    pub field_type: FieldType,
    /// For amount columns, a unit stated in the header (`金额(万元)`).
    pub unit: Option<AmountUnit>,
    /// False when nothing in the dictionary matched and the column is kept as text.
    pub recognised: bool,
}

/// Exact headers (after clean-up) with a standard name and type.
const EXACT: &[(&str, &str, FieldType)] = &[
    ("身份证号", "person_id", FieldType::PersonId),
    ("身份证号码", "person_id", FieldType::PersonId),
    ("公民身份号码", "person_id", FieldType::PersonId),
    ("公民身份证号码", "person_id", FieldType::PersonId),
    ("居民身份证号", "person_id", FieldType::PersonId),
    ("居民身份证号码", "person_id", FieldType::PersonId),
    ("证件号码", "person_id", FieldType::PersonId),
    ("证件号", "person_id", FieldType::PersonId),
    ("身份号码", "person_id", FieldType::PersonId),
    ("社会保障号码", "person_id", FieldType::PersonId),
    ("社会保障号", "person_id", FieldType::PersonId),
    ("统一社会信用代码", "org_id", FieldType::OrgId),
    ("社会信用代码", "org_id", FieldType::OrgId),
    ("信用代码", "org_id", FieldType::OrgId),
    ("组织机构代码", "org_id", FieldType::OrgId),
    ("统一代码", "org_id", FieldType::OrgId),
    ("姓名", "name", FieldType::Name),
    ("名字", "name", FieldType::Name),
    ("被告人", "name", FieldType::Name),
    ("犯罪嫌疑人", "name", FieldType::Name),
    ("嫌疑人", "name", FieldType::Name),
    ("当事人", "name", FieldType::Name),
    ("驾驶人", "name", FieldType::Name),
    ("被处罚人", "name", FieldType::Name),
    ("违法行为人", "name", FieldType::Name),
    ("违法人", "name", FieldType::Name),
    ("罪犯", "name", FieldType::Name),
    ("被执行人", "name", FieldType::Name),
    ("领取人", "name", FieldType::Name),
    ("矫正对象", "name", FieldType::Name),
    ("单位名称", "org_name", FieldType::OrgName),
    ("企业名称", "org_name", FieldType::OrgName),
    ("公司名称", "org_name", FieldType::OrgName),
    ("机构名称", "org_name", FieldType::OrgName),
    ("纳税人名称", "org_name", FieldType::OrgName),
    ("被处罚单位", "org_name", FieldType::OrgName),
    ("市场主体名称", "org_name", FieldType::OrgName),
    ("性别", "gender", FieldType::Gender),
    ("出生日期", "birth_date", FieldType::Date),
    ("出生年月日", "birth_date", FieldType::Date),
    ("生日", "birth_date", FieldType::Date),
    ("死亡日期", "death_date", FieldType::Date),
    ("死亡时间", "death_date", FieldType::Date),
    ("注销日期", "deregistration_date", FieldType::Date),
    ("户籍注销日期", "deregistration_date", FieldType::Date),
    ("火化日期", "cremation_date", FieldType::Date),
    ("判决日期", "judgment_date", FieldType::Date),
    ("裁判日期", "judgment_date", FieldType::Date),
    ("生效日期", "effective_date", FieldType::Date),
    ("判决生效日期", "effective_date", FieldType::Date),
    ("刑事判决生效日期", "effective_date", FieldType::Date),
    ("裁判生效日期", "effective_date", FieldType::Date),
    ("立案日期", "filing_date", FieldType::Date),
    ("立案时间", "filing_date", FieldType::Date),
    ("受理日期", "accept_date", FieldType::Date),
    ("结案日期", "closing_date", FieldType::Date),
    ("处罚日期", "penalty_date", FieldType::Date),
    ("处罚决定日期", "penalty_date", FieldType::Date),
    ("决定日期", "decision_date", FieldType::Date),
    ("违法日期", "violation_date", FieldType::Date),
    ("违法时间", "violation_time", FieldType::DateTime),
    ("违法行为日期", "violation_date", FieldType::Date),
    ("案发日期", "incident_date", FieldType::Date),
    ("发案日期", "incident_date", FieldType::Date),
    ("案发时间", "incident_time", FieldType::DateTime),
    ("入所日期", "custody_start", FieldType::Date),
    ("收监日期", "custody_start", FieldType::Date),
    ("入监日期", "custody_start", FieldType::Date),
    ("羁押日期", "custody_start", FieldType::Date),
    ("出所日期", "custody_end", FieldType::Date),
    ("释放日期", "custody_end", FieldType::Date),
    ("刑满释放日期", "custody_end", FieldType::Date),
    ("出监日期", "custody_end", FieldType::Date),
    ("刑期起始日期", "sentence_start", FieldType::Date),
    ("刑期开始日期", "sentence_start", FieldType::Date),
    ("刑期截止日期", "sentence_end", FieldType::Date),
    ("刑期结束日期", "sentence_end", FieldType::Date),
    ("报到日期", "report_date", FieldType::Date),
    ("入矫日期", "report_date", FieldType::Date),
    ("入矫报到日期", "report_date", FieldType::Date),
    ("入矫报到时间", "report_date", FieldType::Date),
    ("矫正开始日期", "correction_start", FieldType::Date),
    ("矫正起始日期", "correction_start", FieldType::Date),
    ("矫正结束日期", "correction_end", FieldType::Date),
    ("矫正终止日期", "correction_end", FieldType::Date),
    ("矫正期满日期", "correction_end", FieldType::Date),
    ("请假开始日期", "leave_start", FieldType::Date),
    ("请假结束日期", "leave_end", FieldType::Date),
    ("离开日期", "leave_start", FieldType::Date),
    ("返回日期", "leave_end", FieldType::Date),
    ("入住日期", "checkin_date", FieldType::Date),
    ("入住时间", "checkin_time", FieldType::DateTime),
    ("离店日期", "checkout_date", FieldType::Date),
    ("出行日期", "travel_date", FieldType::Date),
    ("乘车日期", "travel_date", FieldType::Date),
    ("吊销日期", "revocation_date", FieldType::Date),
    ("状态日期", "status_date", FieldType::Date),
    ("状态变更日期", "status_date", FieldType::Date),
    ("起诉日期", "prosecution_date", FieldType::Date),
    ("移送起诉日期", "prosecution_date", FieldType::Date),
    ("逮捕日期", "arrest_date", FieldType::Date),
    ("拘留日期", "detention_date", FieldType::Date),
    ("移送日期", "transfer_date", FieldType::Date),
    ("执行立案日期", "execution_filing_date", FieldType::Date),
    ("缴纳日期", "payment_date", FieldType::Date),
    ("发放日期", "pay_date", FieldType::Date),
    ("登记日期", "registration_date", FieldType::Date),
    ("成立日期", "establishment_date", FieldType::Date),
    ("起诉时间", "prosecution_date", FieldType::Date),
    ("发放年月", "pay_month", FieldType::Month),
    ("发放月份", "pay_month", FieldType::Month),
    ("待遇年月", "pay_month", FieldType::Month),
    ("待遇发放年月", "pay_month", FieldType::Month),
    ("费款所属期", "period_month", FieldType::Month),
    ("所属期", "period_month", FieldType::Month),
    ("所属年月", "period_month", FieldType::Month),
    ("年月", "month", FieldType::Month),
    ("月份", "month", FieldType::Month),
    ("补贴年月", "pay_month", FieldType::Month),
    ("救助年月", "pay_month", FieldType::Month),
    ("金额", "amount", FieldType::Amount),
    ("发放金额", "amount", FieldType::Amount),
    ("发放额", "amount", FieldType::Amount),
    ("待遇金额", "amount", FieldType::Amount),
    ("养老金金额", "amount", FieldType::Amount),
    ("救助金额", "amount", FieldType::Amount),
    ("罚款金额", "fine_amount", FieldType::Amount),
    ("罚款数额", "fine_amount", FieldType::Amount),
    ("罚款", "fine_amount", FieldType::Amount),
    ("罚金", "criminal_fine", FieldType::Amount),
    ("罚金数额", "criminal_fine", FieldType::Amount),
    ("罚金金额", "criminal_fine", FieldType::Amount),
    ("补贴金额", "subsidy_amount", FieldType::Amount),
    ("补助金额", "subsidy_amount", FieldType::Amount),
    ("借款金额", "loan_amount", FieldType::Amount),
    ("标的额", "claim_amount", FieldType::Amount),
    ("诉讼标的额", "claim_amount", FieldType::Amount),
    ("涉案金额", "involved_amount", FieldType::Amount),
    ("执行到位金额", "executed_amount", FieldType::Amount),
    ("已缴金额", "paid_amount", FieldType::Amount),
    ("未履行金额", "unpaid_amount", FieldType::Amount),
    ("血液酒精含量", "bac", FieldType::Number),
    ("酒精含量", "bac", FieldType::Number),
    ("血醇浓度", "bac", FieldType::Number),
    ("血液酒精浓度", "bac", FieldType::Number),
    ("数量", "quantity", FieldType::Number),
    ("天数", "days", FieldType::Number),
    ("次数", "count", FieldType::Number),
    ("车牌号", "plate", FieldType::Plate),
    ("车牌号码", "plate", FieldType::Plate),
    ("号牌号码", "plate", FieldType::Plate),
    ("号牌", "plate", FieldType::Plate),
    ("车牌", "plate", FieldType::Plate),
    ("机动车号牌", "plate", FieldType::Plate),
    ("电话", "phone", FieldType::Phone),
    ("手机", "phone", FieldType::Phone),
    ("手机号", "phone", FieldType::Phone),
    ("手机号码", "phone", FieldType::Phone),
    ("联系电话", "phone", FieldType::Phone),
    ("联系方式", "phone", FieldType::Phone),
    ("电话号码", "phone", FieldType::Phone),
    ("行政区划代码", "region_code", FieldType::RegionCode),
    ("户籍地区划", "region_code", FieldType::RegionCode),
    ("户籍地区划代码", "region_code", FieldType::RegionCode),
    ("区划代码", "region_code", FieldType::RegionCode),
    ("地区代码", "region_code", FieldType::RegionCode),
    ("案号", "case_no", FieldType::CaseNumber),
    ("案件编号", "case_no", FieldType::CaseNumber),
    ("案件号", "case_no", FieldType::CaseNumber),
    ("执行案号", "execution_case_no", FieldType::CaseNumber),
    ("原审案号", "original_case_no", FieldType::CaseNumber),
    ("刑事案号", "criminal_case_no", FieldType::CaseNumber),
    ("文号", "document_no", FieldType::CaseNumber),
    ("决定书文号", "document_no", FieldType::CaseNumber),
    ("处罚决定书文号", "document_no", FieldType::CaseNumber),
    ("文书编号", "document_no", FieldType::CaseNumber),
    ("户主身份证号", "householder_id", FieldType::PersonId),
    ("户主身份证号码", "householder_id", FieldType::PersonId),
    ("户主姓名", "householder_name", FieldType::Name),
    ("被执行人身份证号", "person_id", FieldType::PersonId),
    ("原告身份证号", "plaintiff_id", FieldType::PersonId),
    ("原告证件号", "plaintiff_id", FieldType::PartyId),
    ("原告证件号码", "plaintiff_id", FieldType::PartyId),
    ("原告证照号码", "plaintiff_id", FieldType::PartyId),
    ("起诉人证件号码", "plaintiff_id", FieldType::PartyId),
    ("被告证件号", "defendant_id", FieldType::PartyId),
    ("被告证件号码", "defendant_id", FieldType::PartyId),
    ("当事人证件号", "party_id", FieldType::PartyId),
    ("当事人证件号码", "party_id", FieldType::PartyId),
    ("当事人证照号码", "party_id", FieldType::PartyId),
    ("当事人身份证件号码", "party_id", FieldType::PartyId),
    ("证照号码", "party_id", FieldType::PartyId),
    ("证件号码/统一社会信用代码", "party_id", FieldType::PartyId),
    ("身份证号/统一社会信用代码", "party_id", FieldType::PartyId),
    ("原告", "plaintiff", FieldType::Name),
    ("被告身份证号", "defendant_id", FieldType::PersonId),
    ("被告", "defendant", FieldType::Name),
    ("涉案企业统一社会信用代码", "org_id", FieldType::OrgId),
    ("涉案企业名称", "org_name", FieldType::OrgName),
    ("案件名称", "case_name", FieldType::Text),
    ("最后侦查活动日期", "last_activity_date", FieldType::Date),
    ("注销原因", "deregistration_reason", FieldType::Text),
    ("经办机构", "agency", FieldType::Text),
    ("羁押类型", "custody_type", FieldType::Text),
    ("保障人数", "household_size", FieldType::Number),
    ("执行地区划代码", "execution_region", FieldType::RegionCode),
    ("旅馆名称", "hotel_name", FieldType::Text),
    ("旅馆所在地区划代码", "hotel_region", FieldType::RegionCode),
    ("目的地", "destination", FieldType::Text),
    ("违法类型", "violation_type", FieldType::Text),
    ("补贴项目", "subsidy_program", FieldType::Text),
    ("入院日期", "admission_date", FieldType::Date),
    ("诊断", "diagnosis", FieldType::Text),
    ("医保统筹支付金额", "insurance_paid", FieldType::Amount),
    ("统筹支付金额", "insurance_paid", FieldType::Amount),
    ("统筹基金支付金额", "insurance_paid", FieldType::Amount),
    ("基金支付金额", "insurance_paid", FieldType::Amount),
    ("医保基金支付金额", "insurance_paid", FieldType::Amount),
    ("医疗总费用", "total_cost", FieldType::Amount),
    ("医疗费用总额", "total_cost", FieldType::Amount),
    ("总费用", "total_cost", FieldType::Amount),
    ("事故编号", "accident_no", FieldType::CaseNumber),
    ("事故日期", "accident_date", FieldType::Date),
    ("责任认定", "liability", FieldType::Text),
    ("采购日期", "purchase_date", FieldType::Date),
    ("采购数量", "purchase_quantity", FieldType::Number),
    ("申报日期", "declaration_date", FieldType::Date),
    ("申报数量", "declared_quantity", FieldType::Number),
    ("罪名", "charge", FieldType::Text),
    ("案由", "cause", FieldType::Text),
    ("刑种", "sentence_type", FieldType::Text),
    ("刑罚", "sentence", FieldType::Text),
    ("判处刑罚", "sentence", FieldType::Text),
    ("处罚种类", "penalty_type", FieldType::Text),
    ("处罚结果", "penalty_type", FieldType::Text),
    ("处罚决定", "penalty_type", FieldType::Text),
    ("违法行为", "violation", FieldType::Text),
    ("状态", "status", FieldType::Text),
    ("驾驶证状态", "licence_status", FieldType::Text),
    ("案件状态", "case_status", FieldType::Text),
    ("地址", "address", FieldType::Text),
    ("住址", "address", FieldType::Text),
    ("户籍地址", "address", FieldType::Text),
    ("户籍地", "address", FieldType::Text),
    ("居住地址", "address", FieldType::Text),
    ("办案单位", "handling_unit", FieldType::Text),
    ("执行地", "execution_place", FieldType::Text),
    ("地点", "place", FieldType::Text),
    ("所在地", "place", FieldType::Text),
    ("民族", "ethnicity", FieldType::Text),
    ("备注", "note", FieldType::Text),
];

/// Cleans a header for matching and for use as a column name: NFKC, invisible characters
/// removed, a trailing unit in brackets removed (`金额(万元)` → `金额`), `*` required-markers
/// dropped.
pub fn clean_header(header: &str) -> String {
    let normalized: String = header.nfkc().filter(|c| !text::is_invisible(*c)).collect();
    let mut cleaned = normalized.trim_matches(['*', '※', ':']).to_owned();
    for (open, close) in [('(', ')'), ('[', ']'), ('【', '】'), ('〔', '〕')] {
        if cleaned.ends_with(close)
            && let Some(start) = cleaned.rfind(open)
            && start > 0
        {
            cleaned.truncate(start);
        }
    }
    cleaned
}

/// Proposes a name and type for a header.
pub fn recognise_header(header: &str) -> HeaderMatch {
    let cleaned = clean_header(header);
    let unit = amount::unit_from_header(header);
    let found = |name: &str, field_type: FieldType| HeaderMatch {
        name: name.to_owned(),
        field_type,
        unit,
        recognised: true,
    };
    if let Some((_, name, field_type)) = EXACT.iter().find(|(zh, _, _)| *zh == cleaned) {
        return found(name, *field_type);
    }
    // Prefixed forms keep their own header as the name but get the type: `户主身份证号`,
    // `被告人姓名`, `审批日期`, `补发金额`.
    let keep = |field_type: FieldType| HeaderMatch {
        name: cleaned.clone(),
        field_type,
        unit,
        recognised: true,
    };
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| cleaned.ends_with(s));
    let contains = |parts: &[&str]| parts.iter().any(|s| cleaned.contains(s));
    // A party's number (原告, 被告, 当事人, 申请人, 被执行人 … 证件号码) may be a person's or a
    // company's; so may a header that names both (`证件号码/统一社会信用代码`).
    let names_party = contains(&[
        "当事人",
        "原告",
        "被告",
        "申请人",
        "起诉人",
        "上诉人",
        "第三人",
        "出借人",
        "借款人",
        "债权人",
        "债务人",
        "被执行人",
        "执行人",
    ]) && !contains(&["被告人"]);
    let names_person_id = contains(&["身份证", "身份号码", "公民身份"]);
    let names_org_id = contains(&["信用代码", "组织机构代码"]);
    if (names_person_id && names_org_id)
        || (ends(&["证件号码", "证件号", "证照号码", "证件编号"])
            && names_party
            && !names_person_id)
    {
        return keep(FieldType::PartyId);
    }
    if names_person_id || ends(&["证件号码", "证件号"]) {
        return keep(FieldType::PersonId);
    }
    if contains(&["信用代码", "组织机构代码"]) {
        return keep(FieldType::OrgId);
    }
    if ends(&["姓名"]) {
        return keep(FieldType::Name);
    }
    if ends(&["单位名称", "企业名称", "公司名称", "机构名称"]) {
        return keep(FieldType::OrgName);
    }
    if ends(&["年月", "月份"]) {
        return keep(FieldType::Month);
    }
    if ends(&["日期", "日"]) {
        return keep(FieldType::Date);
    }
    if ends(&["时间"]) {
        return keep(FieldType::DateTime);
    }
    if unit.is_some()
        || contains(&["金额", "罚款", "罚金", "数额", "款额"])
        || ends(&["额", "费用", "费"])
    {
        return keep(FieldType::Amount);
    }
    if ends(&["车牌号", "号牌号码", "车牌号码"]) {
        return keep(FieldType::Plate);
    }
    if ends(&["电话", "手机号", "手机号码", "手机"]) {
        return keep(FieldType::Phone);
    }
    if ends(&["案号", "文号"]) {
        return keep(FieldType::CaseNumber);
    }
    HeaderMatch {
        name: cleaned,
        field_type: FieldType::Text,
        unit,
        recognised: false,
    }
}

/// What a normaliser needs besides the cell text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormalizeContext {
    /// Bounds birth dates in ID numbers.
    pub today: NaiveDate,
    /// For amount columns: the unit from the header or the mapping.
    pub unit: AmountUnit,
    /// For Excel serial numbers (in date, datetime and month columns alike): the workbook's
    /// date system, or the 1900 system for text files.
    pub excel_dates: ExcelDateSystem,
}

/// One normalised cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Canonical text (IDs, names, codes, plates, phones, gender, text).
    Text(String),
    /// A date (also a month, as its first day).
    Date(NaiveDate),
    /// A date with a time of day.
    DateTime(NaiveDateTime),
    /// Money.
    Amount(Amount),
    /// A number.
    Number(f64),
}

/// A cell that could not be normalised: a stable code, a Chinese label, and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueIssue {
    /// Stable snake_case reason, e.g. `bad_check_digit`, `ambiguous`.
    pub code: &'static str,
    /// The human-readable reason.
    pub message: String,
}

/// A person name, with its simplified form for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameValue {
    /// NFKC, no spaces, middle dot unified.
    pub normalized: String,
    /// Traditional characters converted to simplified.
    pub simplified: String,
}

/// Normalises one non-empty cell of a column of type `field_type`.
///
/// Empty cells are the caller's business (they are nulls, not issues). The result for a
/// person ID is its canonical 18-character form; use [`normalize_person_id`] for the details.
pub fn normalize(
    field_type: FieldType,
    raw: &str,
    context: &NormalizeContext,
) -> Result<Value, ValueIssue> {
    let issue = |code: &'static str, message: String| ValueIssue { code, message };
    match field_type {
        FieldType::PersonId => normalize_person_id(raw, context.today)
            .map(|id| Value::Text(id.into_string()))
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::OrgId => org_id::parse_org_id(raw)
            .map(|id| Value::Text(id.into_string()))
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::PartyId => party_id::parse_party_id(raw, context.today)
            .map(|id| Value::Text(id.into_string()))
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::Name => name::normalize_name(raw)
            .map(|n| Value::Text(n.normalized))
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::OrgName => {
            let cleaned = normalize_org_name(raw);
            if cleaned.is_empty() {
                Err(issue("empty", "empty".into()))
            } else {
                Ok(Value::Text(cleaned))
            }
        }
        FieldType::Gender => normalize_gender(raw)
            .map(|g| Value::Text(g.to_owned()))
            .ok_or_else(|| issue("unrecognised", format!("not a gender: `{raw}`"))),
        FieldType::Date => match date::parse_date(raw, context.excel_dates) {
            Ok(parsed) => Ok(Value::Date(parsed.date)),
            Err(e) => Err(issue(e.code(), e.to_string())),
        },
        FieldType::DateTime => match date::parse_date(raw, context.excel_dates) {
            Ok(parsed) => Ok(Value::DateTime(
                parsed.date.and_time(parsed.time.unwrap_or_default()),
            )),
            Err(e) => Err(issue(e.code(), e.to_string())),
        },
        FieldType::Month => date::parse_month_in(raw, context.excel_dates)
            .map(Value::Date)
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::Amount => amount::parse_amount(raw, context.unit)
            .map(Value::Amount)
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::Number => parse_number(raw)
            .map(Value::Number)
            .ok_or_else(|| issue("unrecognised", format!("not a number: `{raw}`"))),
        FieldType::Plate => plate::parse_plate(raw)
            .map(|p| Value::Text(p.canonical))
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::Phone => phone::parse_phone(raw)
            .map(|p| Value::Text(p.canonical()))
            .map_err(|e| issue(e.code(), e.to_string())),
        FieldType::RegionCode => {
            let code = text::compact(raw);
            if region::is_known(&code) {
                Ok(Value::Text(code))
            } else {
                Err(issue(
                    "unknown_region",
                    format!("`{raw}` is not a GB/T 2260 region code"),
                ))
            }
        }
        // The value keeps the number as issued (〔2023〕 stays); joins use the `__key` column.
        FieldType::CaseNumber => case_no_display(raw)
            .map(Value::Text)
            .ok_or_else(|| issue("empty", "empty".into())),
        FieldType::Text => Ok(Value::Text(text::trim_invisible(raw).to_owned())),
    }
}

/// [`person_id::parse_person_id`], named here so that callers of this module need one import.
pub fn normalize_person_id(
    raw: &str,
    today: NaiveDate,
) -> Result<PersonId, person_id::PersonIdError> {
    person_id::parse_person_id(raw, today)
}

/// `男`/`女` from the spellings agencies use: 男/女, 男性/女性, M/F, male/female, and the
/// GB/T 2261.1 codes 1 (male) / 2 (female).
pub fn normalize_gender(raw: &str) -> Option<&'static str> {
    let cleaned = text::compact(raw).to_lowercase();
    match cleaned.as_str() {
        "男" | "男性" | "m" | "male" | "1" | "先生" => Some("男"),
        "女" | "女性" | "f" | "female" | "2" | "女士" => Some("女"),
        _ => None,
    }
}

/// 案号 / 文号 canonical form: half-width, no spaces, every bracket pair as `(` `)`.
/// `（2023）浙0602刑初123号` and `(2023)浙0602刑初123号` become the same string.
pub fn normalize_case_number(raw: &str) -> String {
    text::compact(raw)
        .chars()
        .map(|c| match c {
            '（' | '〔' | '［' | '【' | '[' | '〖' | '｛' | '{' => '(',
            '）' | '〕' | '］' | '】' | ']' | '〗' | '｝' | '}' => ')',
            other => other,
        })
        .collect()
}

/// The match key of a 案号 / 文号: what two spellings of the same number have in common, for
/// joining records of different agencies. NFKC (full-width letters, digits and brackets to
/// half-width), ASCII letters in upper case, every whitespace and invisible character removed,
/// and every bracket pair (`()（）〔〕[]【】［］〖〗{}`) written `(` `)`. So `（2023）浙0602刑初
/// 123号`, `〔2023〕浙0602刑初１２３号` and `(2023)浙0602刑初123号` share a key, as do
/// `a3201 2023` and `Ａ32012023`. `None` when nothing is left. The key is for comparing, not for
/// showing: [`case_no_display`] keeps what the document wrote.
pub fn case_no_key(raw: &str) -> Option<String> {
    let key: String = raw
        .nfkc()
        .filter(|c| !c.is_whitespace() && !text::is_invisible(*c))
        .map(|c| match c {
            '（' | '〔' | '［' | '【' | '[' | '〖' | '｛' | '{' => '(',
            '）' | '〕' | '］' | '】' | ']' | '〗' | '｝' | '}' => ')',
            other => other.to_ascii_uppercase(),
        })
        .collect();
    (!key.is_empty()).then_some(key)
}

/// A 案号 / 文号 for display: trimmed, full-width digits and Latin letters made half-width,
/// and nothing else changed. The official brackets `〔2023〕` of a 文号 and the spaces inside
/// stay as written, because the number is quoted in documents as issued. `None` when only
/// invisible characters are left.
pub fn case_no_display(raw: &str) -> Option<String> {
    let shown: String = text::trim_invisible(raw)
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => text::half_width_char(c),
            other => other,
        })
        .collect();
    (!shown.is_empty()).then_some(shown)
}

/// An organisation name for comparison: NFKC, no spaces, brackets unified.
pub fn normalize_org_name(raw: &str) -> String {
    raw.nfkc()
        .filter(|c| !text::is_invisible(*c))
        .map(|c| match c {
            '（' | '[' | '【' => '(',
            '）' | ']' | '】' => ')',
            other => other,
        })
        .collect()
}

/// An organisation name reduced for matching: [`normalize_org_name`], then leading place names
/// stripped (`浙江省绍兴市越城区恒达汽修有限公司` → `恒达汽修有限公司`), legal-form variants
/// unified (`有限责任公司` → `有限公司`) and brackets removed (`（绍兴）` parts kept as text).
pub fn org_match_name(raw: &str) -> String {
    let mut name = normalize_org_name(raw);
    while let Some(place) = region::place_names()
        .iter()
        .find(|p| name.starts_with(p.as_str()) && name.len() > p.len())
    {
        name = name[place.len()..].to_owned();
    }
    name.replace("有限责任公司", "有限公司")
        .replace(['(', ')'], "")
}

/// A plain number: full-width digits, thousands separators and a trailing unit word allowed
/// (`80`, `1,234.5`, `85.3mg/100ml`).
pub fn parse_number(raw: &str) -> Option<f64> {
    let compact = text::compact(raw).replace([',', '，'], "");
    let end = compact
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))))
        .map_or(compact.len(), |(i, _)| i);
    let number = &compact[..end];
    if number.is_empty() || number == "-" || number == "+" {
        return None;
    }
    number.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_header(header: &str, name: &str, field_type: FieldType) {
        let found = recognise_header(header);
        assert_eq!(
            (found.name.as_str(), found.field_type),
            (name, field_type),
            "header {header:?}"
        );
    }

    #[test]
    fn person_id_headers() {
        for header in [
            "身份证号",
            "公民身份号码",
            "证件号码",
            "身份证号码",
            " 身份证号 ",
            "*身份证号",
        ] {
            check_header(header, "person_id", FieldType::PersonId);
        }
        check_header("户主身份证号", "householder_id", FieldType::PersonId);
        check_header("嫌疑人身份证号", "嫌疑人身份证号", FieldType::PersonId);
        check_header("身份证号(18位)", "person_id", FieldType::PersonId);
    }

    #[test]
    fn name_headers() {
        for header in ["姓名", "被告人", "犯罪嫌疑人"] {
            check_header(header, "name", FieldType::Name);
        }
        check_header("嫌疑人姓名", "嫌疑人姓名", FieldType::Name);
    }

    #[test]
    fn amount_header_with_unit() {
        let found = recognise_header("金额(万元)");
        assert_eq!(found.name, "amount");
        assert_eq!(found.field_type, FieldType::Amount);
        assert_eq!(found.unit, Some(AmountUnit::Wan));
        let found = recognise_header("罚款金额（元）");
        assert_eq!(found.name, "fine_amount");
        assert_eq!(found.unit, Some(AmountUnit::Yuan));
    }

    #[test]
    fn dates_months_and_unknowns() {
        check_header("死亡日期", "death_date", FieldType::Date);
        check_header("审批日期", "审批日期", FieldType::Date);
        check_header("发放年月", "pay_month", FieldType::Month);
        check_header("统一社会信用代码", "org_id", FieldType::OrgId);
        check_header("医疗总费用", "total_cost", FieldType::Amount);
        check_header("统筹支付金额", "insurance_paid", FieldType::Amount);
        check_header("诉讼费", "诉讼费", FieldType::Amount);
        check_header("血液酒精含量(mg/100ml)", "bac", FieldType::Number);
        let unknown = recognise_header("经办人意见");
        assert!(!unknown.recognised);
        assert_eq!(unknown.field_type, FieldType::Text);
    }

    #[test]
    fn party_headers_hold_persons_and_companies() {
        check_header("原告证件号", "plaintiff_id", FieldType::PartyId);
        check_header("当事人证件号码", "party_id", FieldType::PartyId);
        check_header("被执行人证照号码", "被执行人证照号码", FieldType::PartyId);
        check_header(
            "申请执行人证件号码",
            "申请执行人证件号码",
            FieldType::PartyId,
        );
        check_header("证件号码/统一社会信用代码", "party_id", FieldType::PartyId);
        check_header(
            "身份证号或社会信用代码",
            "身份证号或社会信用代码",
            FieldType::PartyId,
        );
        // A person's number stays a person ID: a 被告人 is always a person, and a header
        // that says 身份证 means one.
        check_header("原告身份证号", "plaintiff_id", FieldType::PersonId);
        check_header("被告人证件号码", "被告人证件号码", FieldType::PersonId);
        check_header("出借人身份证号码", "出借人身份证号码", FieldType::PersonId);
        check_header("证件号码", "person_id", FieldType::PersonId);
    }

    #[test]
    fn party_values_keep_their_kind() {
        let context = NormalizeContext {
            today: NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
            unit: AmountUnit::Yuan,
            excel_dates: ExcelDateSystem::default(),
        };
        assert_eq!(
            normalize(FieldType::PartyId, "91110108-ma01abcd5t", &context),
            Ok(Value::Text("91110108MA01ABCD5T".into()))
        );
        assert_eq!(
            normalize(FieldType::PartyId, "91110108MA01ABCD5U", &context)
                .unwrap_err()
                .code,
            "bad_check_digit"
        );
    }

    #[test]
    fn field_type_codes_round_trip() {
        for field_type in FieldType::ALL {
            assert_eq!(field_type.code().parse::<FieldType>(), Ok(field_type));
        }
        assert!("nonsense".parse::<FieldType>().is_err());
    }

    #[test]
    fn case_numbers_unify_brackets() {
        assert_eq!(
            normalize_case_number("（2023）浙0602刑初１２３号"),
            "(2023)浙0602刑初123号"
        );
        assert_eq!(
            normalize_case_number("绍越公（交）决字〔2023〕第 5 号"),
            "绍越公(交)决字(2023)第5号"
        );
    }

    #[track_caller]
    fn check_same_key(variants: &[&str]) {
        let keys: Vec<Option<String>> = variants.iter().map(|v| case_no_key(v)).collect();
        assert!(keys[0].is_some(), "{variants:?}");
        assert!(
            keys.iter().all(|k| *k == keys[0]),
            "{variants:?} → {keys:?}"
        );
    }

    #[test]
    fn case_no_key_unifies_brackets_widths_case_and_spaces() {
        check_same_key(&[
            "(2023)浙0602刑初123号",
            "（2023）浙0602刑初123号",
            "〔2023〕浙0602刑初１２３号",
            "【2023】浙0602刑初123号",
            "[2023]浙0602刑初123号",
            "［２０２３］浙0602 刑初 123 号",
            " (2023)浙0602刑初123号\u{3000}",
            "(2023)浙0602刑初\u{200B}123号",
        ]);
        check_same_key(&[
            "A3201002023",
            "a3201002023",
            "Ａ３２０１００２０２３",
            "a3201 002023",
        ]);
        assert_eq!(
            case_no_key("绍越公（交）决字〔2023〕第 5 号").as_deref(),
            Some("绍越公(交)决字(2023)第5号")
        );
        assert_eq!(case_no_key("a3201").as_deref(), Some("A3201"));
    }

    #[test]
    fn case_no_key_keeps_different_numbers_apart() {
        assert_ne!(
            case_no_key("(2023)浙0602刑初123号"),
            case_no_key("(2023)浙0602刑初124号")
        );
        assert_ne!(
            case_no_key("(2023)浙0602刑初123号"),
            case_no_key("(2022)浙0602刑初123号")
        );
        assert_ne!(case_no_key("A3201"), case_no_key("B3201"));
        assert_eq!(case_no_key(""), None);
        assert_eq!(case_no_key(" \u{3000}\u{200B}"), None);
    }

    #[test]
    fn case_no_display_keeps_official_brackets() {
        assert_eq!(
            case_no_display(" 浙政办发〔２０２３〕５号 ").as_deref(),
            Some("浙政办发〔2023〕5号")
        );
        assert_eq!(
            case_no_display("（2023）浙0602刑初123号").as_deref(),
            Some("（2023）浙0602刑初123号")
        );
        assert_eq!(
            case_no_display("ａ3201 002023").as_deref(),
            Some("a3201 002023")
        );
        assert_eq!(case_no_display("\u{3000}"), None);
    }

    #[test]
    fn org_names_match_without_places_and_legal_form_variants() {
        assert_eq!(
            org_match_name("浙江省绍兴市越城区恒达汽车维修有限责任公司"),
            "恒达汽车维修有限公司"
        );
        assert_eq!(
            org_match_name("绍兴恒达汽车维修有限公司"),
            "恒达汽车维修有限公司"
        );
        assert_eq!(
            org_match_name(" 恒达汽车维修（绍兴）有限公司 "),
            "恒达汽车维修绍兴有限公司"
        );
    }

    #[test]
    fn date_month_and_datetime_read_the_same_serial() {
        let context = |excel_dates| NormalizeContext {
            today: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            unit: AmountUnit::Yuan,
            excel_dates,
        };
        let june = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let c1900 = context(ExcelDateSystem::Excel1900);
        assert_eq!(
            normalize(FieldType::Date, "45444", &c1900),
            Ok(Value::Date(june))
        );
        assert_eq!(
            normalize(FieldType::Month, "45444", &c1900),
            Ok(Value::Date(june))
        );
        assert_eq!(
            normalize(FieldType::DateTime, "45444.5", &c1900),
            Ok(Value::DateTime(june.and_hms_opt(12, 0, 0).unwrap()))
        );
        let c1904 = context(ExcelDateSystem::Excel1904);
        assert_eq!(
            normalize(FieldType::Month, "43982", &c1904),
            Ok(Value::Date(june))
        );
        assert_eq!(
            normalize(FieldType::Date, "43982", &c1904),
            Ok(Value::Date(june))
        );
        let issue = normalize(FieldType::Month, "2024", &c1900).unwrap_err();
        assert_eq!(issue.code, "unrecognised");
        assert_eq!(
            normalize(FieldType::Date, "2024", &c1900).unwrap_err().code,
            "unrecognised"
        );
    }

    #[test]
    fn genders() {
        assert_eq!(normalize_gender(" 男 "), Some("男"));
        assert_eq!(normalize_gender("F"), Some("女"));
        assert_eq!(normalize_gender("2"), Some("女"));
        assert_eq!(normalize_gender("未知"), None);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("85.3mg/100ml"), Some(85.3));
        assert_eq!(parse_number("１,２３４"), Some(1234.0));
        assert_eq!(parse_number("-3"), Some(-3.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("-"), None);
    }
}
