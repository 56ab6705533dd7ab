//! Files for the ingest benchmark: a large GBK CSV and an xlsx of the same shape, with the
//! identifier, date, amount, name and text columns an ingest must normalise, in the spellings
//! agencies use (15-digit and full-width IDs, typos, three date spellings, thousands
//! separators, 万元). Written streaming, so a million rows need little memory.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Days, NaiveDate};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::Error;

/// The header of both files.
pub const HEADER: [&str; 6] = [
    "序号",
    "姓名",
    "身份证号",
    "处罚日期",
    "罚款金额(元)",
    "违法事实",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "郑", "欧阳",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "桂英", "建华", "志强", "晓东",
];
const FACTS: &[&str] = &[
    "驾驶机动车在高速公路上超速行驶超过规定时速百分之二十以上",
    "饮酒后驾驶机动车，经呼气酒精检测",
    "在禁止停车路段停放机动车影响其他车辆通行",
    "未按规定取得危险废物经营许可证从事收集、贮存活动",
    "超过国家规定的排放标准排放大气污染物",
];

/// Writes `rows` rows as a GBK CSV and `xlsx_rows` rows as an xlsx into `out`; returns the two
/// paths.
pub fn write(
    out: &Path,
    rows: u64,
    xlsx_rows: u64,
    seed: u64,
) -> Result<(PathBuf, PathBuf), Error> {
    std::fs::create_dir_all(out).map_err(Error::io(out))?;
    let csv_path = out.join("penalties_gbk.csv");
    let xlsx_path = out.join("penalties.xlsx");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let file = File::create(&csv_path).map_err(Error::io(&csv_path))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut line = String::with_capacity(256);
    line.push_str(&HEADER.join(","));
    line.push_str("\r\n");
    for index in 1..=rows {
        let row = row(&mut rng, index);
        line.push_str(&format!(
            "{},{},{},{},\"{}\",{}\r\n",
            index, row.name, row.id, row.date, row.amount, row.fact
        ));
        if line.len() > 60_000 {
            let (bytes, _, _) = encoding_rs::GBK.encode(&line);
            writer.write_all(&bytes).map_err(Error::io(&csv_path))?;
            line.clear();
        }
    }
    let (bytes, _, _) = encoding_rs::GBK.encode(&line);
    writer.write_all(&bytes).map_err(Error::io(&csv_path))?;
    writer.flush().map_err(Error::io(&csv_path))?;

    let mut workbook = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(Error::xlsx(&xlsx_path))?;
    let xlsx_error = |e: rust_xlsxwriter::XlsxError| Error::xlsx(&xlsx_path)(e);
    for (column, title) in HEADER.iter().enumerate() {
        sheet
            .write_string(0, column as u16, *title)
            .map_err(xlsx_error)?;
    }
    let epoch = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default();
    for index in 1..=xlsx_rows {
        let row = row(&mut rng, index);
        let r = index as u32;
        sheet.write_number(r, 0, index as f64).map_err(xlsx_error)?;
        sheet.write_string(r, 1, &row.name).map_err(xlsx_error)?;
        sheet.write_string(r, 2, &row.id).map_err(xlsx_error)?;
        let date = epoch + Days::new(row.day);
        let cell = rust_xlsxwriter::ExcelDateTime::from_ymd(
            chrono::Datelike::year(&date) as u16,
            chrono::Datelike::month(&date) as u8,
            chrono::Datelike::day(&date) as u8,
        )
        .map_err(xlsx_error)?;
        sheet
            .write_datetime_with_format(r, 3, &cell, &date_format)
            .map_err(xlsx_error)?;
        sheet
            .write_number(r, 4, row.amount_number)
            .map_err(xlsx_error)?;
        sheet.write_string(r, 5, row.fact).map_err(xlsx_error)?;
    }
    workbook.save(&xlsx_path).map_err(Error::xlsx(&xlsx_path))?;
    Ok((csv_path, xlsx_path))
}

struct Row {
    name: String,
    id: String,
    day: u64,
    date: String,
    amount: String,
    amount_number: f64,
    fact: &'static str,
}

fn row(rng: &mut ChaCha8Rng, index: u64) -> Row {
    let pick = |rng: &mut ChaCha8Rng, list: &[&'static str]| list[rng.random_range(0..list.len())];
    let name = format!("{}{}", pick(rng, SURNAMES), pick(rng, GIVEN));
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default()
        + Days::new(rng.random_range(0..18_000));
    let region =
        ["330602", "330603", "330604", "110101", "440308", "510104"][rng.random_range(0..6)];
    let sequence = rng.random_range(0..1000);
    let first17 = format!("{region}{}{sequence:03}", birth.format("%Y%m%d"));
    let check = procura_core::person_id::check_character(&first17).unwrap_or('0');
    let roll = rng.random_range(0..100);
    let id = if roll < 5 && chrono::Datelike::year(&birth) < 2000 {
        // Legacy 15-digit number.
        format!("{region}{}{sequence:03}", birth.format("%y%m%d"))
    } else if roll < 7 {
        format!("{first17}{check}")
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect()
    } else if roll < 9 {
        // A typo: the check character no longer matches.
        format!("{first17}{}", if check == '0' { '1' } else { '0' })
    } else {
        format!("{first17}{check}").to_lowercase()
    };
    let day = rng.random_range(0..1600);
    let date = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default() + Days::new(day);
    let date_text = match index % 10 {
        0..=4 => date.format("%Y-%m-%d").to_string(),
        5..=7 => date.format("%Y/%-m/%-d").to_string(),
        _ => date.format("%Y年%-m月%-d日").to_string(),
    };
    let fen: u64 = rng.random_range(5_000..2_000_000);
    let amount_number = fen as f64 / 100.0;
    let amount = if index.is_multiple_of(20) {
        format!("{}万元", fen as f64 / 1_000_000.0)
    } else {
        let yuan = fen / 100;
        let grouped = if yuan >= 1000 {
            format!("{},{:03}", yuan / 1000, yuan % 1000)
        } else {
            yuan.to_string()
        };
        format!("{grouped}.{:02}", fen % 100)
    };
    Row {
        name,
        id,
        day,
        date: date_text,
        amount,
        amount_number,
        fact: FACTS[(index % FACTS.len() as u64) as usize],
    }
}
