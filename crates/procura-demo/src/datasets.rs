//! The 23 agency exports: file, layout, title rows and headers exactly as the catalog and the
//! built-in models expect them. Generators refer to these specs and never spell a header.
//!
//! Files from systems that register a person (household, social security, custody, courts,
//! police penalties, medical insurance, correction) declare the person's 出生日期 and 性别 right
//! after the ID number, as those systems print them; record linkage compares on them.

use crate::write::{Layout, TableSpec};

pub(crate) static DEATHS: TableSpec = TableSpec {
    name: "deaths",
    path: "deaths.csv",
    folder: false,
    layout: Layout::GbkCsv,
    titles: &["某县公安局户籍注销（死亡）人员信息"],
    headers: &[
        "序号",
        "姓名",
        "身份证号",
        "出生日期",
        "性别",
        "死亡日期",
        "注销日期",
        "注销原因",
    ],
    description_zh: "公安户籍注销（死亡）人员信息",
};

pub(crate) static PENSIONS: TableSpec = TableSpec {
    name: "pensions",
    path: "pensions",
    folder: true,
    layout: Layout::GbkCsv,
    titles: &["某县社会保险事业管理中心养老金发放明细", "单位：元"],
    headers: &[
        "身份证号",
        "出生日期",
        "性别",
        "姓名",
        "发放年月",
        "发放金额",
        "经办机构",
    ],
    description_zh: "社保中心城乡居民/职工基本养老金逐月发放明细（每月一个文件）",
};

pub(crate) static CUSTODY: TableSpec = TableSpec {
    name: "custody",
    path: "custody.xlsx",
    folder: false,
    layout: Layout::Xlsx("在押人员"),
    titles: &["某县看守所、监狱在押人员信息"],
    headers: &[
        "姓名",
        "身份证号",
        "出生日期",
        "性别",
        "羁押类型",
        "入所日期",
        "出所日期",
    ],
    description_zh: "看守所、监狱在押人员信息",
};

pub(crate) static DIBAO: TableSpec = TableSpec {
    name: "dibao",
    path: "dibao.csv",
    folder: false,
    layout: Layout::GbkCsv,
    titles: &[],
    headers: &[
        "户主身份证号",
        "户主姓名",
        "姓名",
        "身份证号",
        "出生日期",
        "性别",
        "保障人数",
        "发放月份",
        "发放金额",
    ],
    description_zh: "民政最低生活保障金逐月发放明细（按家庭成员）",
};

pub(crate) static PROBATION_JUDGMENTS: TableSpec = TableSpec {
    name: "probation_judgments",
    path: "probation_judgments.csv",
    folder: false,
    layout: Layout::Utf8BomCsv,
    titles: &[],
    headers: &[
        "案号",
        "被告人",
        "身份证号",
        "出生日期",
        "性别",
        "罪名",
        "刑罚",
        "判决生效日期",
    ],
    description_zh: "法院判处缓刑的刑事判决信息",
};

pub(crate) static CORRECTION_REPORTS: TableSpec = TableSpec {
    name: "correction_reports",
    path: "correction_reports.xlsx",
    folder: false,
    layout: Layout::Xlsx("入矫报到"),
    titles: &[],
    headers: &["姓名", "身份证号", "入矫报到日期"],
    description_zh: "司法局社区矫正对象入矫报到记录",
};

pub(crate) static CORRECTION_ROSTER: TableSpec = TableSpec {
    name: "correction_roster",
    path: "correction_roster.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &[
        "姓名",
        "身份证号",
        "出生日期",
        "性别",
        "矫正开始日期",
        "矫正结束日期",
        "执行地区划代码",
    ],
    description_zh: "社区矫正对象名册（矫正期间与执行地）",
};

pub(crate) static HOTEL_STAYS: TableSpec = TableSpec {
    name: "hotel_stays",
    path: "hotel_stays.ndjson",
    folder: false,
    layout: Layout::Ndjson,
    titles: &[],
    headers: &[
        "姓名",
        "身份证号",
        "入住时间",
        "旅馆名称",
        "旅馆所在地区划代码",
    ],
    description_zh: "公安旅馆业住宿登记信息",
};

pub(crate) static LEAVE_RECORDS: TableSpec = TableSpec {
    name: "leave_records",
    path: "leave_records.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &["身份证号", "请假开始日期", "请假结束日期", "目的地"],
    description_zh: "社区矫正对象外出请假审批记录",
};

pub(crate) static CRIMINAL_JUDGMENTS: TableSpec = TableSpec {
    name: "criminal_judgments",
    path: "criminal_judgments.xlsx",
    folder: false,
    layout: Layout::Xlsx("刑事判决"),
    titles: &[
        "某县人民法院刑事判决信息（检察业务应用系统导出）",
        "导出日期：2025年6月30日",
    ],
    headers: &[
        "案号",
        "被告人",
        "身份证号",
        "出生日期",
        "性别",
        "罪名",
        "判处刑罚",
        "罚金(元)",
        "判决生效日期",
    ],
    description_zh: "法院刑事判决信息（含罚金）",
};

pub(crate) static EXECUTION_CASES: TableSpec = TableSpec {
    name: "execution_cases",
    path: "execution_cases.csv",
    folder: false,
    layout: Layout::GbkCsv,
    titles: &[],
    headers: &[
        "执行案号",
        "原审案号",
        "被执行人身份证号",
        "执行立案日期",
        "执行到位金额",
    ],
    description_zh: "法院执行立案信息（含财产刑移送执行）",
};

pub(crate) static LICENCE_STATUS: TableSpec = TableSpec {
    name: "licence_status",
    path: "licence_status.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &["身份证号", "姓名", "驾驶证状态", "状态日期"],
    description_zh: "公安交管驾驶证状态变更记录",
};

pub(crate) static TRAFFIC_PENALTIES: TableSpec = TableSpec {
    name: "traffic_penalties",
    path: "traffic_penalties.csv",
    folder: false,
    layout: Layout::GbkCsv,
    titles: &[
        "某县公安局交通管理大队酒驾违法处理信息",
        "统计区间：2023年1月1日至2025年6月30日",
    ],
    headers: &[
        "处罚决定书文号",
        "姓名",
        "身份证号",
        "出生日期",
        "性别",
        "违法时间",
        "违法行为",
        "血液酒精含量(mg/100ml)",
        "号牌号码",
    ],
    description_zh: "交警酒后驾驶违法行政处罚信息",
};

pub(crate) static CRIMINAL_FILINGS: TableSpec = TableSpec {
    name: "criminal_filings",
    path: "criminal_filings.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &["案件编号", "身份证号", "姓名", "案由", "立案日期"],
    description_zh: "公安刑事案件立案信息（按犯罪嫌疑人）",
};

pub(crate) static ADMIN_PENALTIES: TableSpec = TableSpec {
    name: "admin_penalties",
    path: "admin_penalties.xlsx",
    folder: false,
    layout: Layout::Xlsx("治安处罚"),
    titles: &[],
    headers: &[
        "处罚决定书文号",
        "姓名",
        "身份证号",
        "出生日期",
        "性别",
        "违法行为",
        "处罚日期",
        "涉案金额",
    ],
    description_zh: "公安治安管理处罚信息",
};

pub(crate) static POLICE_CASES: TableSpec = TableSpec {
    name: "police_cases",
    path: "police_cases.csv",
    folder: false,
    layout: Layout::GbkCsv,
    titles: &["某县公安局涉企刑事案件办理情况"],
    headers: &[
        "案件编号",
        "案件名称",
        "立案日期",
        "案件状态",
        "涉案企业统一社会信用代码",
        "涉案企业名称",
        "办案单位",
        "最后侦查活动日期",
    ],
    description_zh: "公安涉企刑事案件办理情况",
};

pub(crate) static CIVIL_CASES: TableSpec = TableSpec {
    name: "civil_cases",
    path: "civil_cases.json",
    folder: false,
    layout: Layout::JsonArray,
    titles: &[],
    headers: &[
        "案号",
        "案由",
        "原告",
        "原告身份证号",
        "被告",
        "被告身份证号",
        "立案日期",
        "标的额(万元)",
    ],
    description_zh: "法院民事案件立案信息",
};

pub(crate) static ENV_PENALTIES: TableSpec = TableSpec {
    name: "env_penalties",
    path: "env_penalties.xlsx",
    folder: false,
    layout: Layout::Xlsx("环境行政处罚"),
    titles: &["某市生态环境局行政处罚信息"],
    headers: &[
        "统一社会信用代码",
        "企业名称",
        "处罚决定书文号",
        "违法类型",
        "处罚日期",
        "罚款金额(万元)",
    ],
    description_zh: "生态环境部门行政处罚信息",
};

pub(crate) static SUBSIDIES: TableSpec = TableSpec {
    name: "subsidies",
    path: "subsidies.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &[
        "统一社会信用代码",
        "企业名称",
        "补贴项目",
        "发放日期",
        "补贴金额",
    ],
    description_zh: "财政环保类补贴发放信息",
};

pub(crate) static MEDICAL_CLAIMS: TableSpec = TableSpec {
    name: "medical_claims",
    path: "medical_claims.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &[
        "身份证号",
        "出生日期",
        "性别",
        "姓名",
        "入院日期",
        "诊断",
        "医保统筹支付金额",
    ],
    description_zh: "医保住院结算信息",
};

pub(crate) static TRAFFIC_ACCIDENTS: TableSpec = TableSpec {
    name: "traffic_accidents",
    path: "traffic_accidents.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &["事故编号", "身份证号", "事故日期", "责任认定"],
    description_zh: "交警道路交通事故责任认定信息",
};

pub(crate) static OIL_PURCHASES: TableSpec = TableSpec {
    name: "oil_purchases",
    path: "oil_purchases.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &["统一社会信用代码", "企业名称", "采购日期", "采购数量(升)"],
    description_zh: "汽修企业机油采购记录",
};

pub(crate) static WASTE_OIL: TableSpec = TableSpec {
    name: "waste_oil",
    path: "waste_oil.csv",
    folder: false,
    layout: Layout::Utf8Csv,
    titles: &[],
    headers: &["统一社会信用代码", "企业名称", "申报日期", "申报数量(升)"],
    description_zh: "汽修企业废机油（危险废物）产生申报记录",
};
