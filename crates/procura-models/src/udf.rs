//! Procura's Chinese-data functions for DataFusion SQL: ID numbers, USCCs, region codes,
//! Chinese dates, months and amounts, names (normalised, simplified, pinyin, similarity),
//! case numbers, plates and phones. They are the `procura_core` parsers, row by row, so SQL
//! and ingest agree on every value.

use std::sync::Arc;

use chrono::NaiveDate;
use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Builder, Float64Array, StringArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use procura_core::{amount, date, field, name, org_id, person_id, phone, plate, region};

/// Every function, for registration in a session.
pub fn all(today: NaiveDate) -> Vec<ScalarUDF> {
    let id = move |text: &str| person_id::parse_person_id(text, today);
    vec![
        text_fn("normalize_id", move |s| {
            id(s).ok().map(person_id::PersonId::into_string)
        }),
        bool_fn("id_valid", move |s| id(s).is_ok()),
        text_fn("id_issue", move |s| {
            id(s).err().map(|e| e.code().to_owned())
        }),
        date_fn("id_birth_date", move |s| id(s).ok().map(|p| p.birth_date)),
        text_fn("id_gender", move |s| {
            id(s).ok().map(|p| p.gender.zh().to_owned())
        }),
        text_fn("id_region", move |s| id(s).ok().map(|p| p.region_code)),
        text_fn("region_name", |s| {
            region::lookup(s.trim(), None).map(|r| r.full_name())
        }),
        text_fn("region_province", |s| {
            region::province_name(s.trim()).map(str::to_owned)
        }),
        bool_fn("uscc_valid", |s| {
            org_id::parse_org_id(s)
                .is_ok_and(|o| o.kind == org_id::OrgIdKind::Uscc && o.warnings.is_empty())
        }),
        text_fn("normalize_uscc", |s| {
            org_id::parse_org_id(s).ok().map(org_id::OrgId::into_string)
        }),
        date_fn("cn_date", |s| {
            date::parse_date(s, date::ExcelDateSystem::Excel1900)
                .ok()
                .map(|d| d.date)
        }),
        date_fn("cn_month", |s| date::parse_month(s).ok()),
        // 案号 / 文号 match key: width, case, spaces and bracket variants ignored.
        text_fn("case_no_key", field::case_no_key),
        amount_fn("cn_amount"),
        text_fn("normalize_name", |s| {
            name::normalize_name(s).ok().map(|n| n.normalized)
        }),
        text_fn("name_simplified", |s| {
            name::normalize_name(s).ok().map(|n| n.simplified)
        }),
        text_fn("name_pinyin", |s| Some(name::name_pinyin(s))),
        text_fn("name_surname", |s| {
            let normalized = name::normalize_name(s).ok()?;
            name::surname(&normalized.simplified).map(str::to_owned)
        }),
        text_fn("normalize_case_no", |s| {
            Some(field::normalize_case_number(s))
        }),
        text_fn("normalize_plate", |s| {
            plate::parse_plate(s).ok().map(|p| p.canonical)
        }),
        text_fn("normalize_phone", |s| {
            phone::parse_phone(s).ok().map(|p| p.canonical())
        }),
        similarity_fn("jaro_winkler", strsim_jaro_winkler),
        similarity_fn("name_similarity", name_similarity),
    ]
}

/// Similarity of two names in [0, 1]: the better of Jaro-Winkler on the simplified forms and
/// on the pinyin (so homophones and traditional characters score high).
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (Ok(a), Ok(b)) = (name::normalize_name(a), name::normalize_name(b)) else {
        return 0.0;
    };
    let characters = strsim_jaro_winkler(&a.simplified, &b.simplified);
    let sounds = strsim_jaro_winkler(
        &name::name_pinyin(&a.simplified),
        &name::name_pinyin(&b.simplified),
    );
    characters.max(sounds)
}

fn strsim_jaro_winkler(a: &str, b: &str) -> f64 {
    procura_core::similarity::jaro_winkler(a, b)
}

fn strings(args: &[ColumnarValue], index: usize) -> DfResult<(StringArray, bool)> {
    let value = args
        .get(index)
        .ok_or_else(|| DataFusionError::Internal(format!("missing argument {index}")))?;
    let scalar = matches!(value, ColumnarValue::Scalar(_));
    let array = value.to_array(1)?;
    let text = cast(&array, &DataType::Utf8)?;
    let strings = text
        .as_any()
        .downcast_ref::<StringArray>()
        .cloned()
        .ok_or_else(|| DataFusionError::Internal("cast to Utf8 gave another type".into()))?;
    Ok((strings, scalar))
}

fn output(array: ArrayRef, scalar: bool) -> DfResult<ColumnarValue> {
    if scalar {
        Ok(ColumnarValue::Scalar(
            datafusion::scalar::ScalarValue::try_from_array(&array, 0)?,
        ))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

fn broadcast(args: &[ColumnarValue]) -> usize {
    args.iter()
        .filter_map(|a| match a {
            ColumnarValue::Array(array) => Some(array.len()),
            ColumnarValue::Scalar(_) => None,
        })
        .max()
        .unwrap_or(1)
}

fn text_fn(name: &str, f: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (input, scalar) = strings(args, 0)?;
            let out: StringArray = input.iter().map(|v| v.and_then(&f)).collect();
            output(Arc::new(out), scalar)
        }),
    )
}

fn bool_fn(name: &str, f: impl Fn(&str) -> bool + Send + Sync + 'static) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Boolean,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (input, scalar) = strings(args, 0)?;
            let out: BooleanArray = input.iter().map(|v| v.map(&f)).collect();
            output(Arc::new(out), scalar)
        }),
    )
}

fn date_fn(name: &str, f: impl Fn(&str) -> Option<NaiveDate> + Send + Sync + 'static) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Date32,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (input, scalar) = strings(args, 0)?;
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            let out: Date32Array = input
                .iter()
                .map(|v| v.and_then(&f).map(|d| (d - epoch).num_days() as i32))
                .collect();
            output(Arc::new(out), scalar)
        }),
    )
}

fn amount_fn(name: &str) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8],
        DataType::Decimal128(18, 2),
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let (input, scalar) = strings(args, 0)?;
            let mut builder =
                Decimal128Builder::with_capacity(input.len()).with_precision_and_scale(18, 2)?;
            for value in input.iter() {
                match value.and_then(|s| amount::parse_amount(s, amount::AmountUnit::Yuan).ok()) {
                    Some(parsed) => builder.append_value(i128::from(parsed.fen())),
                    None => builder.append_null(),
                }
            }
            output(Arc::new(builder.finish()), scalar)
        }),
    )
}

fn similarity_fn(name: &str, f: impl Fn(&str, &str) -> f64 + Send + Sync + 'static) -> ScalarUDF {
    create_udf(
        name,
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(move |args: &[ColumnarValue]| {
            let rows = broadcast(args);
            let scalar = rows == 1 && args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
            let (left, _) = strings(args, 0)?;
            let (right, _) = strings(args, 1)?;
            let value = |array: &StringArray, i: usize| {
                let i = if array.len() == 1 { 0 } else { i };
                (!array.is_null(i)).then(|| array.value(i).to_owned())
            };
            let out: Float64Array = (0..rows)
                .map(|i| match (value(&left, i), value(&right, i)) {
                    (Some(a), Some(b)) => Some(f(&a, &b)),
                    _ => None,
                })
                .collect();
            output(Arc::new(out), scalar)
        }),
    )
}
