#!/usr/bin/env python3
"""An independent generator of messy agency exports, with its own ground truth.

    python3 tools/agency_exports/generate.py --out DIR --seed N [--persons N]

Writes into DIR one file per dataset that Procura's built-in models read (the `dataset` names
of every manifest's `[inputs.*]`), `truth.json` (per model: the exact clue keys expected, computed
here from each model's rule as its manifest states it) and `bind.json` (per file: the dataset
name, the duplicates policy a user would choose, the `--bind` options a user needs, written
`role.field=<header as the file shows it>` (a user passes the dataset column the product made of
that header, which `procura datasets show` lists beside it), and what every header means).
Only three binds are listed: a free-text diagnosis column among several text columns, a region
code in a text column among several, and the police case number in the procuratorate's file,
which also has its own 部门受案号. Every other field is left to the product's header
recognition (or its binding by type).

Written without reading or reusing procura-demo (the team's own generator): other people, other
files, another noise process. Python 3.9+ standard library only; xlsx files are SpreadsheetML
written by hand with `zipfile`. Deterministic for a seed.

The county
----------
A synthetic population of `--persons` residents (default 3000) of 绍兴 and neighbouring counties,
born 1935-2018, with valid 18-character ID numbers (GB 11643; region codes that existed when
issued, 330621 绍兴县 for some older residents), plus 120 car-repair companies and 40
manufacturers with valid 统一社会信用代码 (GB 32100 with a valid GB 11714 inner code). The data
window is 2022-01 .. 2025-07; the exports were taken on 2025-07-05 and the models are run with
`reference_date = 2025-06-30` (REF below), so records dated 2025-07-01 .. 07-04 exist and must be
ignored by every rule that limits events to the reference date.

The noise process (per cell unless stated; the rates are this generator's own)
-----------------------------------------------------------------------------
Identifiers (person IDs; rates per dataset in NOISE[...]):
  * old 15-digit form for residents born 1900-1999 (0-15 %: high in 看守所, 交管 and 法院 files);
  * lower-case `x` check character (30-60 % of IDs ending in X);
  * full-width digits `３３０６…` (1-3 %);
  * spaces inside or around (`330602 19800101 1234`, trailing blanks, U+3000; 2-4 %);
  * a leading tab or apostrophe that an export adds to keep Excel from turning the ID into a
    number (CSV only, 2-5 %), or the Excel text formula `="330602…"` (hotel register and
    licence CSVs 3 %, and organisation numbers in the environmental penalties CSV 5 %);
  * an old 15-digit ID typed into an xlsx General (number) cell: exact, since 15 digits fit a
    double (half of the 15-digit IDs in the court and traffic workbooks); an ID in a formula
    cell (`=TRIM(Z5)`, `t="str"`, the cached text counts; 3 % in the 低保 roll);
  * DISTRACTORS that cannot match: a wrong check character (about 1 %, and planted on records
    that would otherwise make or break a clue), and Excel-damaged `3.30602E+17` (CSV only,
    0.3 %). Truth treats both as "no ID": the record meets nobody.
  * foreign passports in the hotel register's 证件号码 column (not person IDs; meet nobody);
  * companies as plaintiffs in civil cases, their USCC in the plaintiff's ID column (meet nobody).
Organisation IDs: lower-case letters (10 %), spaces (3 %), full-width (2 %); wrong check
character on planted distractors.
Case numbers (案号/文号): `(2024)浙0602刑初12号` as `（2024）…`, `〔2024〕…`, with spaces or
full-width digits in the other agency's file; police case numbers with a lower-case `a` or spaces.
Dates: `2024-03-05`, `2024-3-5`, `2024/3/5`, `2024年3月5日`, `2024.3.5`, `20240305`,
`2024-03-05 00:00:00` (a DATE column exported as a timestamp), an Excel serial left as text in a
CSV (`45292`, 5 % of the licence dates), in xlsx Excel serial numbers with a custom date format
or zh-CN Excel's built-in 31 / 57 (no numFmt entry), `20240305` typed as a number (10-15 % in
the two workbooks with text dates), `t="d"` ISO cells (20 % of one workbook), and one workbook
in the 1904 date system. Datetimes: `2024-03-05 22:40:00`, `2024/3/5 22:40`,
`2024-03-05T22:40:00`, `2024-03-05 22:40:00.0` (java.sql.Timestamp), `2024年3月5日 22:40`,
serials with a fraction (in xlsx, and as text in one CSV). Months: `2024-03`, `202403`,
`2024年3月`, `2024年03月`, `2024.03`, `2024/03`, `2024-03-01`, `202403` typed as a number, and
serials of the first day formatted `yyyy年m月`. Amounts: `3000.00`, `3,000.00`, `3000元`,
`3,000.00元`, `￥3,000.00`, `1.5万元` (8 % of the fines), numeric cells; one column in 万元 (the
unit only in the header `补助金额（万元）`). Quantities: `1200`, `1,200`, `1200升`, `85.3mg/100ml`.
Text: a trailing or leading blank on some 罪名/案由/状态 cells (2 %); an address with a comma or a
line break inside the quoted CSV cell.
Layout: a title row above the header (merged across the columns in xlsx), a second line with the
exporting unit and date, a blank row before the header, a 序号 column, blank rows (0.3 %), a 合计
summary row at the end of the files with amounts (a `SUBTOTAL` formula in one workbook) and a
制表人/审核人 signature line, a worksheet continued on `明细(2)` (and `明细(3)`) with the same
header, a `填表说明` sheet after the data or before it, a two-row header (花名册: 户主信息 /
保障成员信息 over their columns, the others merged down), a header with a line break inside
(`发放金额⏎(元)`), headers spaced out (`姓  名`) or with a trailing blank, GBK CSV, UTF-8 CSV with
a BOM, a CSV whose every line ends with an extra comma, a CSV that repeats its header on each
export page, a CSV that leaves out trailing empty fields (the death register: 信息来源 is empty
for the police's own records), xlsx with shared strings, with inline strings (as Apache POI's
streaming writer) and with no `r` references on rows and cells (optional in ECMA-376).
Duplicates: exact copies of rows where a paged export overlaps (the last 1-3 rows of a page
repeated at the top of the next; 25 % of pages) in admin_penalties, civil_cases and
oil_purchases. Each record there carries its own 序号 and document/invoice number, so identical
rows are certainly export copies: `bind.json` says `duplicates = "drop"` for these three, and
truth counts each record once. pensions and hotel_stays also hold a few exact copies; they do not
change any clue key, and they are kept (the default).

Planted cases and near misses per model (on top of random background records; truth is computed
by brute force over the records, so background coincidences are counted too):
  M01/M05 pension/低保 paid during custody: custody from the 1st (the month of entry is not a
    clue), release on the 1st (that month is a clue) or on the last day (next month is not),
    still in custody (limited by REF; July 2025 payments do not count), suspended payments,
    custody rows with a wrong check digit.
  M03 pension after death: death on the 1st with that month paid (not a clue), death on the last
    day and next month paid (a clue), two death records per person, death in June 2025 with only
    the July payment after it (not a clue: after REF).
  M06 probation reporting: day 10 (in time), day 11 (late), never, a report for an earlier case
    only, a report whose ID has a wrong check digit (so: never), judgments whose 10 days have not
    passed by REF (REF-10 exactly: not yet).
  M07 travel without leave: stays on the first and last day of correction, the day before/after,
    in the home county, covered by a leave up to and including its end day, the day after a leave.
  M10 fines: execution filed on day 90 (in time), day 91 (late), never, no fine (0, blank, 无),
    the original case number written another way in the court's execution file, REF-90 exactly.
  M11 licences: 吊销/注销 on day 90, day 91, only 暂扣, revoked before the judgment took effect
    (outside the rule's window, so still a clue), other charges.
  M13 repeated theft: 3 thefts within exactly 730 days, 731 days, 2 thefts plus an export copy,
    already filed as a 盗窃 case, filed only for another cause, third theft after REF.
  M14 pending cases: 侦查中 for exactly 730 days (not a clue) and 731 (a clue), other statuses.
  M20 lenders: 5 suits within 730 days, 4 suits plus an export copy, 5 over 731 days, 5 with one
    of another 案由, company plaintiffs.
  M27 injuries: admitted the same day, the next day, 2 days later, the day before; 本人全责 and
    other liabilities; 多发伤 (no 外伤 in the diagnosis); accident on REF and admission the day
    after (a clue).
  M30 waste oil: ratio exactly 0.3 (not a clue), purchases exactly 1000 (a clue) and 999 (not),
    nothing declared, a declaration whose USCC has a wrong check character (so a clue).
  M35 drunk driving: BAC 80 exactly (counts), 79.9 (not), filing on day 180 (in time) and 181,
    a filing before the violation only, violations whose 180 days have not passed.
  M36 subsidies: paid on the penalty day, at +1095 days (a clue: end inclusive, the manifest's
    default), at +1096 and the day before (not), after REF.
"""

import argparse
import csv
import io
import json
import os
import random
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from xml.sax.saxutils import escape

REF = date(2025, 6, 30)
EXPORTED = date(2025, 7, 5)
FIRST_MONTH = date(2024, 1, 1)
LAST_MONTH = date(2025, 7, 1)

# ---------------------------------------------------------------------------------------------
# Identifiers
# ---------------------------------------------------------------------------------------------

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"


def id_check(first17):
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def wrong_check(id18):
    right = id18[17]
    choices = [c for c in "0123456789X" if c != right]
    # deterministic: the next character in the cycle
    return id18[:17] + choices[(int(id18[14:17]) + 3) % len(choices)]


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_code(body8):
    s = sum(int(c) * w for c, w in zip(body8, ORG_WEIGHTS))
    c = 11 - s % 11
    return body8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def uscc(region, body8):
    first17 = "91" + region + org_code(body8)
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return first17 + USCC_CHARS[(31 - s % 31) % 31]


def uscc_wrong(code):
    i = USCC_CHARS.index(code[17])
    return code[:17] + USCC_CHARS[(i + 7) % 31]


FULL = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def fullwidth(s):
    return "".join(FULL.get(c, c) for c in s)


def case_key(s):
    """The key a case number is matched on: half-width, no blanks, brackets as (), upper case."""
    out = []
    for c in s:
        if c in FULL.values():
            c = chr(ord(c) - 0xFEE0)
        if c.isspace():
            continue
        if c in "（〔［【[〖｛{":
            c = "("
        elif c in "）〕］】]〗｝}":
            c = ")"
        out.append(c.upper() if c.isascii() else c)
    return "".join(out)


# Region codes for ID numbers (birth registration) and for places.
HOME_REGIONS = ["330602", "330602", "330602", "330621", "330624", "330681", "330683"]
OTHER_REGIONS = ["330102", "330105", "330106", "330203", "330381", "330782", "310101", "310104",
                 "320106", "110105", "110108", "420106", "610113", "370202", "350203"]
COUNTIES = ["330602", "330603", "330604", "330624", "330681", "330683"]
TRAVEL_REGIONS = ["310101", "310104", "310115", "330106", "330102", "330212", "320583", "320106",
                  "110105", "440305", "350203"]
COUNTY_NAME = {"330602": "越城区", "330603": "柯桥区", "330604": "上虞区", "330624": "新昌县",
               "330681": "诸暨市", "330683": "嵊州市"}
COURT = {"330602": "浙0602", "330603": "浙0603", "330604": "浙0604", "330624": "浙0624",
         "330681": "浙0681", "330683": "浙0683"}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
            "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文玉兰海波春梅金凤德龙云飞"
         "国强建华小红秀珍子涵浩然思远欣怡宇轩雨桐梓萱俊杰晨阳佳琪晓东卫东建平永强根生阿毛")

# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def d(y, m, day):
    return date(y, m, day)


def add_days(x, n):
    return x + timedelta(days=n)


def month_start(x):
    return date(x.year, x.month, 1)


def next_month(x):
    return date(x.year + (x.month == 12), x.month % 12 + 1, 1)


def months(first, last):
    out, m = [], first
    while m <= last:
        out.append(m)
        m = next_month(m)
    return out


def last_day(x):
    return add_days(next_month(x), -1)


def serial(value, date1904=False):
    epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    if isinstance(value, datetime):
        delta = value - epoch
        return delta.days + delta.seconds / 86400
    return (value - epoch.date()).days


class World:
    def __init__(self, seed, n):
        self.rng = random.Random(seed)
        self.n = n
        self.persons = []
        self.used_ids = set()
        for _ in range(n):
            self.new_person()
        self.orgs = []
        self.used_org = set()
        self.tables = {}

    # -- people and companies --
    def new_person(self, born_from=1935, born_to=2004, region=None):
        rng = self.rng
        while True:
            y = rng.randint(born_from, born_to)
            birth = add_days(date(y, 1, 1), rng.randint(0, 364))
            reg = region or (rng.choice(HOME_REGIONS) if rng.random() < 0.85 else rng.choice(OTHER_REGIONS))
            seq = rng.randint(10, 995)
            first17 = reg + birth.strftime("%Y%m%d") + "%03d" % seq
            pid = first17 + id_check(first17)
            if pid not in self.used_ids:
                break
        self.used_ids.add(pid)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        person = {"id": pid, "name": name, "birth": birth,
                  "county": rng.choice(COUNTIES) if rng.random() < 0.3 else "330602"}
        self.persons.append(person)
        return person

    def sample(self, k, pred=None, exclude=None):
        pool = [p for p in self.persons if (pred is None or pred(p)) and (exclude is None or p["id"] not in exclude)]
        return self.rng.sample(pool, min(k, len(pool)))

    def new_org(self, kind):
        rng = self.rng
        while True:
            code = uscc(rng.choice(["330602", "330603", "330604", "330624"]), "%08d" % rng.randint(10000000, 99999999))
            if code not in self.used_org:
                break
        self.used_org.add(code)
        words = "恒达 永顺 东方 鑫源 华通 顺发 宏远 金马 兴旺 大众 通达 利民 新城 百捷 车之道 安驰 途锐 骏马 凯越 万和".split()
        place = rng.choice(["绍兴市越城区", "绍兴市柯桥区", "绍兴市", "绍兴"])
        if kind == "repair":
            name = place + rng.choice(words) + rng.choice(["汽车维修有限公司", "汽修厂", "汽车服务有限公司", "汽车修理有限责任公司"])
        else:
            name = place + rng.choice(words) + rng.choice(["印染有限公司", "化工有限公司", "纺织有限公司", "电镀厂", "铸造有限公司"])
        org = {"id": code, "name": name, "kind": kind}
        self.orgs.append(org)
        return org


# ---------------------------------------------------------------------------------------------
# Tables: semantic rows, and how an agency writes them
# ---------------------------------------------------------------------------------------------


class Col:
    def __init__(self, field, header, kind):
        self.field, self.header, self.kind = field, header, kind


class Table:
    """One agency export: columns (field, header, kind), semantic rows and a noise profile.

    Row values are semantic: date/datetime objects, Decimal amounts, canonical IDs. A row's
    `_bad` maps a field to `wrong_check` or `excel`: the file shows an ID that cannot match,
    and truth sees no ID there.
    """

    def __init__(self, dataset, filename, fmt, columns, title=None, subtitle=None, **noise):
        self.dataset, self.filename, self.fmt = dataset, filename, fmt
        self.columns = columns
        self.title, self.subtitle = title, subtitle
        self.rows = []
        self.noise = dict(
            old15=0.0, lower_x=0.4, full=0.01, spaces=0.02, lead=0.0, excel=0.0, org_lower=0.1,
            org_spaces=0.03, org_full=0.02, case_variants=0.0, text_blank=0.0, blank_rows=0.003,
            copies=0.0, keep_copies=0.0, summary=None, date_styles=(("iso", 1),),
            datetime_styles=(("iso", 1),), month_styles=(("dash", 1),), amount_styles=(("plain", 1),),
            number_styles=(("plain", 1),), sheet_rows=None, date1904=False, notes_sheet=False,
            serial_dates=False, number_unit="升", id15_number=0.0, wan=0.0, inline_strings=False,
            repeat_header=0.0, signature=False, formula_total=False, two_row_header=None, typed_numbers=0.0,
            text_serials=0.0, excel_text=0.0, ragged=0.0, trailing_comma=0, formula_ids=0.0,
            gap_before_header=False, no_refs=False, iso_cells=0.0,
            header_breaks=(),
        )
        self.noise.update(noise)
        self.duplicates = "drop" if self.noise["copies"] else "keep"
        self.bind = []

    def add(self, **row):
        self.rows.append(row)
        return row


def pick(rng, styles):
    total = sum(w for _, w in styles)
    x = rng.random() * total
    for s, w in styles:
        x -= w
        if x < 0:
            return s
    return styles[-1][0]


def fmt_date(rng, value, styles):
    s = pick(rng, styles)
    y, m, dd = value.year, value.month, value.day
    return {
        "iso": "%04d-%02d-%02d" % (y, m, dd),
        "slash": "%d/%d/%d" % (y, m, dd),
        "cn": "%d年%d月%d日" % (y, m, dd),
        "dot": "%d.%d.%d" % (y, m, dd),
        "compact": "%04d%02d%02d" % (y, m, dd),
        "short": "%d-%d-%d" % (y, m, dd),
        "midnight": "%04d-%02d-%02d 00:00:00" % (y, m, dd),   # a DATE exported as a timestamp
        "serial": None,
    }[s]


def fmt_datetime(rng, value, styles):
    s = pick(rng, styles)
    if s == "iso":
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if s == "slash":
        return "%d/%d/%d %d:%02d" % (value.year, value.month, value.day, value.hour, value.minute)
    if s == "isoT":
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if s == "ms":       # java.sql.Timestamp.toString()
        return value.strftime("%Y-%m-%d %H:%M:%S") + ".0"
    if s == "cn":
        return "%d年%d月%d日 %d:%02d" % (value.year, value.month, value.day, value.hour, value.minute)
    return None  # serial


def fmt_month(rng, value, styles):
    s = pick(rng, styles)
    y, m = value.year, value.month
    return {"dash": "%04d-%02d" % (y, m), "compact": "%04d%02d" % (y, m), "cn": "%d年%d月" % (y, m),
            "cn0": "%d年%02d月" % (y, m), "dot": "%04d.%02d" % (y, m), "slash": "%04d/%02d" % (y, m),
            "first": "%04d-%02d-01" % (y, m), "serial": None}[s]


def fmt_amount(rng, value, styles):
    s = pick(rng, styles)
    q = value.quantize(Decimal("0.01"))
    comma = "{:,.2f}".format(q)
    return {"plain": str(q), "comma": comma, "yuan": ("%s元" % q) if q != q.to_integral() else ("%d元" % q),
            "cny": "￥" + comma, "comma_yuan": comma + "元", "int": str(int(q)) if q == q.to_integral() else str(q),
            "cell": None}[s]


def render_id(rng, pid, noise, bad, csv_file):
    if bad == "wrong_check":
        s = wrong_check(pid)
    elif bad == "excel":
        return "%.5E" % int(pid[:17] + "0")  # 3.30602E+17: what Excel shows for a number cell
    else:
        s = pid
        birth_year = int(pid[6:10])
        if 1900 <= birth_year <= 1999 and rng.random() < noise["old15"]:
            s = pid[:6] + pid[8:17]
    if s.endswith("X") and rng.random() < noise["lower_x"]:
        s = s[:-1] + "x"
    r = rng.random()
    if r < noise["full"]:
        s = fullwidth(s)
    elif r < noise["full"] + noise["spaces"]:
        k = rng.choice((0, 1, 2))
        if k == 0 and len(s) == 18:
            s = s[:6] + " " + s[6:14] + " " + s[14:]
        elif k == 1:
            s = s + rng.choice(("  ", "\u3000"))
        else:
            s = rng.choice((" ", "\u3000")) + s
    if csv_file and rng.random() < noise["lead"]:
        s = rng.choice(("\t", "'")) + s
    elif csv_file and rng.random() < noise["excel_text"]:
        s = '="%s"' % s     # the export's trick to keep Excel from turning it into a number
    return s


def render_org(rng, code, noise, bad, csv_file=False):
    s = uscc_wrong(code) if bad == "wrong_check" else code
    if csv_file and rng.random() < noise["excel_text"]:
        return '="%s"' % s
    r = rng.random()
    if r < noise["org_lower"]:
        s = s.lower()
    elif r < noise["org_lower"] + noise["org_spaces"]:
        s = s[:2] + " " + s[2:8] + " " + s[8:]
    elif r < noise["org_lower"] + noise["org_spaces"] + noise["org_full"]:
        s = fullwidth(s)
    return s


def render_case(rng, canonical, noise):
    if rng.random() >= noise["case_variants"]:
        return canonical
    v = rng.choice(("full", "hex", "space", "fulldigits"))
    if canonical.startswith("("):
        if v == "full":
            return canonical.replace("(", "（").replace(")", "）")
        if v == "hex":
            return canonical.replace("(", "〔").replace(")", "〕")
        if v == "space":
            return canonical.replace(")", ") ", 1) + " "
        return canonical.replace("(", "（").replace(")", "）")[:1] + fullwidth(canonical[1:5]) + canonical.replace("(", "（").replace(")", "）")[5:]
    # police numbers: A3306…
    if v in ("full", "hex"):
        return canonical.lower()
    return canonical[:1] + " " + canonical[1:13] + " " + canonical[13:]


def render_rows(table, rng, xlsx):
    """Rows of cells (str, None, or ('n', number, style)) plus the header; with copies, blanks,
    the 合计 row."""
    n = table.noise
    out = []
    for i, row in enumerate(table.rows, 1):
        cells = []
        bad = row.get("_bad", {})
        for col in table.columns:
            v = row.get(col.field)
            if col.field == "seq":
                cells.append(("n", i, 0) if xlsx else str(i))
                continue
            if v is None:
                cells.append(row.get("_raw", {}).get(col.field, ""))
                continue
            k = col.kind
            if k == "party":   # a person's ID or a company's USCC in one column
                k = "org" if not v[:17].isdigit() else "id"
            if k == "id":
                shown = render_id(rng, v, n, bad.get(col.field), not xlsx)
                if xlsx and len(shown) == 15 and shown.isdigit() and rng.random() < n["id15_number"]:
                    cells.append(("n", int(shown), 0))   # typed into a General cell: still exact
                elif xlsx and rng.random() < n["formula_ids"]:
                    cells.append(("fs", "TRIM(Z%d)" % (i + 4), shown))   # a formula; its cached text
                else:
                    cells.append(shown)
            elif k == "org":
                cells.append(render_org(rng, v, n, bad.get(col.field), not xlsx))
            elif k == "case":
                cells.append(render_case(rng, v, n))
            elif k == "date":
                if xlsx and rng.random() < n["iso_cells"]:
                    cells.append(("d", v.isoformat() + "T00:00:00"))     # <c t="d">: an ISO 8601 date cell
                elif xlsx and n["serial_dates"]:
                    # 31 and 57: zh-CN Excel's built-in 年月日 / 年月 formats (no numFmt entry)
                    cells.append(("n", serial(v, n["date1904"]), rng.choice((1, 2, 4, 9))))
                elif xlsx and rng.random() < n["typed_numbers"]:
                    cells.append(("n", int(v.strftime("%Y%m%d")), 0))   # 20240305 typed as a number
                elif not xlsx and rng.random() < n["text_serials"]:
                    cells.append(str(serial(v)))                        # a General cell saved as CSV
                else:
                    cells.append(fmt_date(rng, v, n["date_styles"]))
            elif k == "datetime":
                if xlsx and n["serial_dates"]:
                    cells.append(("n", serial(v, n["date1904"]), 5))
                elif not xlsx and rng.random() < n["text_serials"]:
                    cells.append(repr(serial(v)))
                else:
                    cells.append(fmt_datetime(rng, v, n["datetime_styles"]))
            elif k == "month":
                if xlsx and n["serial_dates"]:
                    cells.append(("n", serial(v, n["date1904"]), rng.choice((3, 8, 10))))
                elif xlsx and rng.random() < n["typed_numbers"]:
                    cells.append(("n", v.year * 100 + v.month, 0))       # 202403 typed as a number
                else:
                    cells.append(fmt_month(rng, v, n["month_styles"]))
            elif k == "amount":
                if rng.random() < n["wan"] and v >= 1000 and v % 100 == 0:
                    cells.append("%s万元" % (v / 10000).normalize())
                elif xlsx and pick(rng, n["amount_styles"]) == "cell":
                    cells.append(("n", float(v), 7))
                else:
                    cells.append(fmt_amount(rng, v, tuple((s, w) for s, w in n["amount_styles"] if s != "cell") or (("plain", 1),)))
            elif k == "number":
                s = pick(rng, n["number_styles"])
                if xlsx and s == "cell":
                    cells.append(("n", float(v), 0))
                elif s == "comma":
                    cells.append("{:,}".format(v) if not isinstance(v, Decimal) or v == v.to_integral() else "{:,}".format(v))
                elif s == "unit":
                    cells.append("%s%s" % (v, n["number_unit"]))
                else:
                    cells.append(str(v))
            elif k == "text":
                s = str(v)
                if rng.random() < n["text_blank"]:
                    s = rng.choice((s + " ", " " + s, s + "\u3000"))
                cells.append(s)
            else:
                cells.append(str(v))
        out.append(cells)
    # exact copies where a paged export overlaps
    final = []
    page = 40
    for start in range(0, len(out), page):
        chunk = out[start:start + page]
        if start > 0 and rng.random() < (n["copies"] or n["keep_copies"]):
            overlap = out[start - rng.randint(1, 3):start]
            final.extend([list(c) for c in overlap])
        for j, cells in enumerate(chunk):
            final.append(cells)
            if table.rows[start + j].get("_copy"):
                final.append(list(cells))   # the same record exported twice
            if rng.random() < n["blank_rows"]:
                final.append([""] * len(table.columns))
    if n["summary"]:
        total = sum((r[n["summary"]] for r in table.rows if r.get(n["summary"]) is not None), Decimal(0))
        cells = [""] * len(table.columns)
        cells[0] = "合计"
        j = [c.field for c in table.columns].index(n["summary"])
        cells[j] = ("n", float(total), 7) if xlsx else "{:.2f}".format(total)
        final.append(cells)
    return final


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def write_csv(table, path, rng):
    encoding = "gbk" if table.fmt == "csv-gbk" else "utf-8-sig"
    rows = render_rows(table, rng, xlsx=False)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    width = len(table.columns)
    if table.title:
        w.writerow([table.title] + [""] * (width - 1))
    if table.subtitle:
        w.writerow([table.subtitle] + [""] * (width - 1))
    w.writerow([c.header for c in table.columns] + [""] * table.noise["trailing_comma"])
    for i, r in enumerate(rows):
        if i and i % 100 == 0 and rng.random() < table.noise["repeat_header"]:
            w.writerow([c.header for c in table.columns])   # each page of the export repeats it
        cells = ["" if c is None else (c if isinstance(c, str) else str(c[1])) for c in r]
        if table.noise["ragged"] and rng.random() < table.noise["ragged"]:
            while len(cells) > 1 and cells[-1] == "":
                cells.pop()                                  # trailing empty fields left out
        w.writerow(cells + [""] * table.noise["trailing_comma"])
    if table.noise["signature"]:
        w.writerow(["制表人：王芳", "", "审核人：李明", "", "填报日期：2025年7月5日"] + [""] * (width - 5))
    with open(path, "wb") as f:
        f.write(buf.getvalue().encode(encoding))


def col_letter(i):
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="5">
<numFmt numFmtId="176" formatCode="yyyy\\-mm\\-dd"/>
<numFmt numFmtId="177" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>
<numFmt numFmtId="178" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/>
<numFmt numFmtId="179" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/>
<numFmt numFmtId="180" formatCode="yyyy\\-mm"/>
</numFmts>
<fonts count="2"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font><font><b/><sz val="14"/><name val="黑体"/><charset val="134"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="11">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="177" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="178" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="179" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="180" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="31" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="57" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>
"""


def write_xlsx(path, sheets, date1904=False, inline=False, no_refs=False):
    """sheets: [(name, rows, merges)]; a cell is None/'' (empty), str, ('n', value, style) or
    ('f', formula, cached value, style). `inline`: strings as inlineStr (as Apache POI's
    streaming writer does) instead of the shared-string table."""
    strings, index = [], {}

    def sst(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    sheet_xml = []
    for name, rows, merges in sheets:
        parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                 '<sheetFormatPr defaultRowHeight="13.5"/><sheetData>']
        for r, row in enumerate(rows, 1):
            cells = []
            for c, cell in enumerate(row):
                ref = "%s%d" % (col_letter(c), r)
                if cell is None or cell == "":
                    if no_refs:
                        cells.append('<c r="%s"/>' % ref)   # keeps the position of what follows
                    continue
                if isinstance(cell, tuple) and cell[0] == "d":
                    cells.append('<c r="%s" t="d" s="1"><v>%s</v></c>' % (ref, cell[1]))
                    continue
                if isinstance(cell, tuple) and cell[0] == "fs":
                    _, formula, value = cell
                    cells.append('<c r="%s" t="str"><f>%s</f><v>%s</v></c>' % (ref, escape(formula), escape(value)))
                    continue
                if isinstance(cell, tuple) and cell[0] == "f":
                    _, formula, value, style = cell
                    cells.append('<c r="%s" s="%d"><f>%s</f><v>%s</v></c>' % (ref, style, escape(formula), repr(value)))
                    continue
                if isinstance(cell, tuple):
                    _, value, style = cell
                    text = repr(value) if isinstance(value, float) else str(value)
                    if text.endswith(".0"):
                        text = text[:-2]
                    cells.append('<c r="%s"%s><v>%s</v></c>' % (ref, ' s="%d"' % style if style else "", text))
                else:
                    style = ' s="6"' if r == 1 and merges else ""
                    if inline:
                        cells.append('<c r="%s" t="inlineStr"%s><is><t xml:space="preserve">%s</t></is></c>'
                                     % (ref, style, escape(cell).replace("\n", "&#10;")))
                    else:
                        cells.append('<c r="%s" t="s"%s><v>%d</v></c>' % (ref, style, sst(cell)))
            if no_refs:     # r is optional on rows and cells (ECMA-376 §18.3.1.4, §18.3.1.73)
                cells = [re.sub(r'^<c r="[A-Z]+\d+"', "<c", c) for c in cells]
                parts.append('<row>%s</row>' % "".join(cells))
            else:
                parts.append('<row r="%d">%s</row>' % (r, "".join(cells)))
        parts.append("</sheetData>")
        if merges:
            parts.append('<mergeCells count="%d">%s</mergeCells>' % (len(merges), "".join('<mergeCell ref="%s"/>' % m for m in merges)))
        parts.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
        sheet_xml.append("".join(parts))

    sst_xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>'
               % (len(strings), len(strings), "".join(
                   '<si><t xml:space="preserve">%s</t></si>' % escape(s).replace("\t", "&#9;").replace("\n", "&#10;")
                   for s in strings)))
    workbook = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<workbookPr%s/><sheets>%s</sheets></workbook>'
                % (' date1904="1"' if date1904 else "",
                   "".join('<sheet name="%s" sheetId="%d" r:id="rId%d"/>' % (escape(s[0]), i + 1, i + 1) for i, s in enumerate(sheets))))
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">%s'
            '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>'
            % ("".join('<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>' % (i + 1, i + 1) for i in range(len(sheets))),
               len(sheets) + 1, len(sheets) + 2))
    content_types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                     '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                     '%s'
                     '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                     '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                     '</Types>'
                     % "".join('<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' % (i + 1) for i in range(len(sheets))))
    root_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                 '</Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content_types)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/sharedStrings.xml", sst_xml)
        for i, xml in enumerate(sheet_xml):
            z.writestr("xl/worksheets/sheet%d.xml" % (i + 1), xml)


def write_table_xlsx(table, path, rng):
    rows = render_rows(table, rng, xlsx=True)
    width = len(table.columns)
    header = [c.header.replace(b, b + "\n") if b else c.header
              for c in table.columns for b in [next((x for x in table.noise["header_breaks"] if x in c.header), None)]]
    top, merges = [], []
    if table.title:
        top.append([table.title] + [""] * (width - 1))
        merges.append("A1:%s1" % col_letter(width - 1))
    if table.subtitle:
        top.append([table.subtitle] + [""] * (width - 1))
        merges.append("A2:%s2" % col_letter(width - 1))
    if table.noise["gap_before_header"]:
        top.append([""] * width)
    if table.noise["formula_total"] and rows and rows[-1][0] == "合计":
        j = next(i for i, c in enumerate(rows[-1]) if isinstance(c, tuple))
        first = len(top) + 2
        rows[-1][j] = ("f", "SUBTOTAL(9,%s%d:%s%d)" % (col_letter(j), first, col_letter(j), first + len(rows) - 2),
                       rows[-1][j][1], 7)
    if table.noise["signature"]:
        rows.append(["制表人：" + rng.choice(("王芳", "陈静", "李娜")), "", "", "审核人：" + rng.choice(("张伟", "刘洋"))])
    groups = table.noise["two_row_header"]
    if groups:
        # 花名册 style: group labels over some columns, the others merged down over both rows
        r1, r2 = len(top) + 1, len(top) + 2
        upper = []
        for i, c in enumerate(table.columns):
            group = next((g for g, fields in groups if c.field in fields), None)
            if group is None:
                upper.append(header[i])
                merges.append("%s%d:%s%d" % (col_letter(i), r1, col_letter(i), r2))
            else:
                first_of_group = i == 0 or next((g for g, fs in groups if table.columns[i - 1].field in fs), None) != group
                upper.append(group if first_of_group else "")
                if first_of_group:
                    span = sum(1 for c2 in table.columns if c2.field in dict(groups)[group])
                    merges.append("%s%d:%s%d" % (col_letter(i), r1, col_letter(i + span - 1), r1))
        lower = [header[i] if any(c.field in fs for _, fs in groups) else "" for i, c in enumerate(table.columns)]
        top = top + [upper]
        header = lower
    limit = table.noise["sheet_rows"]
    sheets = []
    if limit and len(rows) > limit:
        sheets.append(("明细", top + [header] + rows[:limit], merges))
        k = 2
        for start in range(limit, len(rows), limit):
            sheets.append(("明细(%d)" % k, [header] + rows[start:start + limit], []))
            k += 1
    else:
        sheets.append(("Sheet1", top + [header] + rows, merges))
    notes = ("填表说明", [["填表说明"], ["1. 本表由系统导出，金额单位为元。"], ["2. 如有疑问请联系信息科。"]], [])
    if table.noise["notes_sheet"] == "first":
        sheets.insert(0, notes)
    elif table.noise["notes_sheet"]:
        sheets.append(notes)
    write_xlsx(path, sheets, table.noise["date1904"], table.noise["inline_strings"], table.noise["no_refs"])


# ---------------------------------------------------------------------------------------------
# The agencies
# ---------------------------------------------------------------------------------------------


def rand_date(rng, first, last):
    return add_days(first, rng.randint(0, (last - first).days))


def at_time(rng, day, hours=(0, 23)):
    return datetime(day.year, day.month, day.day, rng.randint(*hours), rng.randint(0, 59), rng.choice((0, 0, 12, 37)))


def money(rng, lo, hi, step=1):
    return Decimal(rng.randrange(lo, hi, step))


def social(w):
    """人社 pensions, 公安 deaths, 看守所 custody, 民政 低保."""
    rng = w.rng
    pensions = Table("pensions", "养老金发放明细_2024-2025.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("person_id", "身份证号码", "id"),
        Col("pay_month", "发放年月", "month"), Col("amount", "发放金额(元)", "amount"),
        Col("agency", "经办机构", "text")],
        title="绍兴市越城区城镇职工基本养老金发放明细（2024年1月—2025年7月）",
        subtitle="制表单位：越城区社会保险事业管理服务中心    导出日期：2025年7月5日",
        serial_dates=True, amount_styles=(("cell", 8), ("comma", 1)), sheet_rows=6000,
        notes_sheet=True, keep_copies=0.1, summary="amount", lower_x=0.3, header_breaks=("发放金额",),
        formula_total=True, signature=True)
    deaths = Table("deaths", "户籍注销_死亡人员.csv", "csv-bom", [
        Col("seq", "序号", "seq"), Col("name", "姓  名", "name"), Col("gender", "性  别", "text"),
        Col("person_id", "公民身份号码", "id"), Col("death_date", "死亡日期", "date"),
        Col("reason", "注销原因", "text"), Col("source", "信息来源", "text")],
        title="越城区户籍注销（死亡）人员名单", date_styles=(("iso", 6), ("cn", 2), ("slash", 1), ("compact", 1), ("short", 1)),
        old15=0.03, lower_x=0.5, lead=0.03, spaces=0.03, excel=0.004, ragged=1.0)
    custody = Table("custody", "看守所在押人员.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("person_id", "证件号码 ", "id"),
        Col("custody_type", "羁押类型", "text"), Col("custody_start", "入所日期", "date"),
        Col("custody_end", "出所日期", "date"), Col("cause", "案由", "text"), Col("unit", "办案单位", "text")],
        title="绍兴市看守所在押（含已出所）人员信息", subtitle="统计时间：2023年1月1日至2025年7月4日",
        date_styles=(("compact", 5), ("dot", 2), ("iso", 2), ("cn", 1), ("midnight", 1), ("short", 1)), old15=0.15,
        lower_x=0.6, lead=0.05, spaces=0.03, full=0.02, signature=True)
    dibao = Table("dibao", "低保发放明细.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("town", "乡镇（街道）", "text"), Col("householder_name", "户主姓名", "name"),
        Col("householder_id", "户主身份证号码", "id"), Col("name", "成员姓名", "name"),
        Col("person_id", "成员身份证号码", "id"), Col("relation", "与户主关系", "text"),
        Col("household_size", "保障人数", "text"), Col("pay_month", "发放年月", "month"),
        Col("amount", "发放金额", "amount")],
        title="越城区最低生活保障金发放花名册", serial_dates=False, typed_numbers=0.1,
        month_styles=(("cn", 4), ("compact", 3), ("dash", 2), ("cn0", 1), ("dot", 1), ("first", 1), ("slash", 1)),
        amount_styles=(("yuan", 2), ("plain", 3), ("cny", 1), ("comma_yuan", 1), ("cell", 4)), summary="amount",
        lower_x=0.5, full=0.03, formula_ids=0.03,
        two_row_header=[("户主信息", ("householder_name", "householder_id")),
                        ("保障成员信息", ("name", "person_id", "relation"))])

    agencies = ["越城区社保中心", "越城区社保中心", "城南街道社保所", "府山街道社保所"]
    all_months = months(FIRST_MONTH, LAST_MONTH)

    def pension_rows(p, base, start=FIRST_MONTH, stop=LAST_MONTH, skip=()):
        agency = rng.choice(agencies)
        for m in all_months:
            if m < start or m > stop or m in skip:
                continue
            amount = base * (Decimal("1.03") if m >= date(2025, 1, 1) else 1)
            pensions.add(name=p["name"], person_id=p["id"], pay_month=m,
                         amount=amount.quantize(Decimal("0.01")), agency=agency)

    elderly = lambda p: p["birth"].year <= 1962
    pensioners = w.sample(int(w.n * 0.2), elderly)
    pension_plan = {}
    for p in pensioners:
        start = FIRST_MONTH if rng.random() < 0.92 else rng.choice(all_months[:12])
        pension_plan[p["id"]] = dict(p=p, base=money(rng, 1800, 6500), start=start, stop=LAST_MONTH, skip=set())

    # -- deaths --
    def death_row(p, when, bad=None, source=None):
        row = deaths.add(name=p["name"], gender="男" if int(p["id"][16]) % 2 else "女", person_id=p["id"],
                         death_date=when, reason="死亡", source=source)   # no source: the police's own record
        if bad:
            row["_bad"] = {"person_id": bad}

    dying = rng.sample(pensioners, int(len(pensioners) * 0.12))
    for i, p in enumerate(dying):
        plan = pension_plan[p["id"]]
        kind = i % 10
        when = rand_date(rng, date(2024, 1, 5), date(2025, 5, 20))
        if kind in (0, 1, 2):          # stopped after the death month: legal
            plan["stop"] = month_start(when)
        elif kind == 3:                # died on the 1st, that month paid, then stopped
            when = month_start(when)
            plan["stop"] = when
        elif kind == 4:                # stopped before death
            plan["stop"] = add_days(month_start(when), -40).replace(day=1)
        elif kind in (5, 6):           # paid 1..5 months after death: a clue
            plan["stop"] = month_start(add_days(when, 31 * rng.randint(1, 5)))
        elif kind == 7:                # died on the last day of a month, next month paid: a clue
            when = last_day(when)
            plan["stop"] = next_month(when)
        elif kind == 8:                # died in June 2025; only July paid after: after REF
            when = d(2025, 6, rng.randint(2, 28))
            plan["stop"] = LAST_MONTH
        else:                          # paid on, but the death record's ID has a wrong check digit
            plan["stop"] = month_start(add_days(when, 31 * rng.randint(1, 3)))
        death_row(p, when, bad="wrong_check" if kind == 9 else None)
        if rng.random() < 0.25 and kind != 9:  # a second record from another agency, a day or two later
            death_row(p, add_days(when, rng.randint(1, 3)), source=rng.choice(("卫健死亡医学证明", "民政火化记录")))
    for p in w.sample(int(w.n * 0.015), lambda p: p["id"] not in pension_plan):
        death_row(p, rand_date(rng, date(2023, 1, 1), date(2025, 7, 3)))

    # -- custody --
    types = ["刑事拘留", "逮捕", "判处有期徒刑", "判处拘役"]
    causes = ["盗窃", "诈骗", "危险驾驶", "故意伤害", "开设赌场", "寻衅滋事", "贩卖毒品"]

    def custody_row(p, start, end, bad=None):
        row = custody.add(name=p["name"], person_id=p["id"], custody_type=rng.choice(types),
                          custody_start=start, custody_end=end, cause=rng.choice(causes),
                          unit=rng.choice(["越城分局刑侦大队", "越城分局城南派出所", "柯桥分局", "绍兴市公安局"]))
        if bad:
            row["_bad"] = {"person_id": bad}
        return row

    def custody_period(kind):
        start = rand_date(rng, date(2023, 6, 1), date(2025, 6, 20))
        if kind == "first":
            start = month_start(start)
        end = None
        if rng.random() < 0.6:
            end = add_days(start, rng.randint(15, 420))
            if kind == "end_first":
                end = month_start(end)
            elif kind == "end_last":
                end = last_day(end)
            if end > date(2025, 7, 4):
                end = None
        return start, end

    def in_window(m, start, end):
        return m > start and (end is None or m <= end)

    jailed = [p for p in pensioners if p not in dying]
    jailed = rng.sample(jailed, int(len(pensioners) * 0.08))
    for i, p in enumerate(jailed):
        kind = ("first", "end_first", "end_last", "any")[i % 4]
        start, end = custody_period(kind)
        plan = pension_plan[p["id"]]
        mode = i % 5
        if mode in (0, 1):       # 社保 suspended the pension for the custody months: no clue
            plan["skip"] |= {m for m in all_months if in_window(m, start, end)}
        elif mode == 2 and end is not None and end.day == 1:
            # suspended, but resumed in the month of release (on the 1st): that month is a clue
            plan["skip"] |= {m for m in all_months if in_window(m, start, end) and m != end}
        custody_row(p, start, end, bad="wrong_check" if mode == 4 and i % 3 == 0 else None)
    # ordinary detainees, some with two custody episodes
    for p in w.sample(int(w.n * 0.03), lambda p: p["birth"].year > 1962 and p["birth"].year < 2006):
        start, end = custody_period("any")
        custody_row(p, start, end)
        if end and rng.random() < 0.1 and end < date(2025, 3, 1):
            custody_row(p, add_days(end, rng.randint(30, 90)), None)

    for plan in pension_plan.values():
        pension_rows(plan["p"], plan["base"], plan["start"], plan["stop"], plan["skip"])
    rng.shuffle(pensions.rows)
    pensions.rows.sort(key=lambda r: r["pay_month"])

    # -- 低保 households --
    towns = ["府山街道", "塔山街道", "北海街道", "城南街道", "东湖街道", "鉴湖街道", "灵芝街道", "东浦街道"]
    households = []
    adults = [p for p in w.persons if 1950 <= p["birth"].year <= 2000]
    for _ in range(int(w.n * 0.035)):
        head = rng.choice(adults)
        members = [(head, "本人")]
        for rel in rng.sample(["配偶", "子", "女", "母亲"], rng.choice((0, 0, 1, 1, 2, 3))):
            if rel in ("子", "女"):
                m = w.new_person(2006, 2018, region=head["id"][:6])
            else:
                m = rng.choice(adults)
            members.append((m, rel))
        if len({m["id"] for m, _ in members}) < len(members):
            continue
        households.append(dict(head=head, members=members, town=rng.choice(towns),
                               per=money(rng, 640, 910, 10), start=rng.choice(all_months[:10]),
                               skip={}))
    dibao_jailed = rng.sample(households, int(len(households) * 0.15))
    for i, h in enumerate(dibao_jailed):
        member, _ = rng.choice(h["members"])
        if member["birth"].year > 2005:
            member = h["head"]
        kind = ("first", "end_first", "end_last", "any")[i % 4]
        start, end = custody_period(kind)
        mode = i % 4
        if mode == 0:   # 动态管理: the member left the roll during custody
            h["skip"][member["id"]] = {m for m in all_months if in_window(m, start, end)}
        custody_row(member, start, end, bad="wrong_check" if mode == 3 and i % 2 == 0 else None)
    for h in households:
        size = len(h["members"])
        for m in all_months:
            if m < h["start"]:
                continue
            present = [(p, rel) for p, rel in h["members"] if m not in h["skip"].get(p["id"], ())]
            for p, rel in present:
                row = dibao.add(town=h["town"], householder_name=h["head"]["name"], householder_id=h["head"]["id"],
                                name=p["name"], person_id=p["id"], relation=rel, household_size=str(len(present)),
                                pay_month=m, amount=h["per"])
                if rng.random() < 0.004:
                    row["_bad"] = {"person_id": "wrong_check"}
    dibao.rows.sort(key=lambda r: (r["pay_month"], r["town"]))
    rng.shuffle(custody.rows)
    return [pensions, deaths, custody, dibao]


def case_number(year, court, kind, n):
    return "(%d)%s%s%d号" % (year, court, kind, n)


def corrections(w):
    """检察业务应用系统 probation judgments, 社区矫正 reports, roster, leave; 公安 hotel register."""
    rng = w.rng
    judgments = Table("probation_judgments", "缓刑判决生效信息.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("case_no", "案号", "case"), Col("name", "被告人", "name"),
        Col("person_id", "公民身份号码", "id"), Col("sentence", "判处刑罚", "text"),
        Col("effective_date", "判决生效日期", "date"), Col("court", "审判法院", "text")],
        title="已生效缓刑判决（检察业务应用系统导出）", serial_dates=True, old15=0.08, lower_x=0.5, case_variants=0.2,
        id15_number=0.5)
    reports = Table("correction_reports", "入矫报到登记.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("name", "矫正对象", "name"), Col("person_id", "身份证号", "id"),
        Col("report_date", "报到日期", "date"), Col("office", "司法所", "text"), Col("kind", "矫正类别", "text")],
        title="社区矫正对象入矫报到登记表", date_styles=(("iso", 3), ("slash", 3), ("cn", 2), ("dot", 1)),
        old15=0.1, lower_x=0.5, lead=0.03, spaces=0.03)
    roster = Table("correction_roster", "社区矫正对象名册.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("person_id", "身份证号码", "id"),
        Col("kind", "矫正类别", "text"), Col("correction_start", "矫正起始日期", "date"),
        Col("correction_end", "矫正期满日期", "date"), Col("execution_region", "执行地行政区划代码", "text"),
        Col("office", "负责司法所", "text")],
        title="社区矫正对象名册", subtitle="填报单位：绍兴市司法局社区矫正管理局", serial_dates=True, date1904=True,
        lower_x=0.3)
    roster.bind = ["correction_roster.execution_region=执行地行政区划代码"]   # a text column among others
    leaves = Table("leave_records", "请销假记录.csv", "csv-bom", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("person_id", "身份证号码", "id"),
        Col("destination", "外出目的地", "text"), Col("reason", "请假事由", "text"),
        Col("leave_start", "请假开始日期", "date"), Col("leave_end", "请假结束日期", "date"),
        Col("approver", "审批人", "text")],
        date_styles=(("iso", 4), ("cn", 2), ("compact", 1)), lower_x=0.4, trailing_comma=1)
    hotels = Table("hotel_stays", "旅馆业住宿登记.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("id_type", "证件类型", "text"),
        Col("person_id", "证件号码", "id"), Col("hotel_name", "旅馆名称", "text"),
        Col("hotel_region", "旅馆所在地区划代码", "text"), Col("checkin_time", "入住时间", "datetime"),
        Col("checkout_time", "退房时间", "datetime"), Col("address", "住址", "text")],
        title="旅馆业治安管理信息系统 住宿登记查询结果",
        datetime_styles=(("iso", 6), ("slash", 3), ("isoT", 1), ("ms", 2)), old15=0.0, lower_x=0.6, lead=0.04,
        excel_text=0.03,
        spaces=0.02, full=0.01, keep_copies=0.05)

    courts = list(COURT.items())
    case_no_seen = set()

    def new_case(eff, kind="刑初"):
        county, court = rng.choice(courts)
        year = eff.year if eff.month > 2 else eff.year - 1
        while True:
            c = case_number(year, court, kind, rng.randint(1, 1800))
            if c not in case_no_seen:
                case_no_seen.add(c)
                return c, county

    offices = ["府山司法所", "塔山司法所", "城南司法所", "东湖司法所", "鉴湖司法所"]

    def report(p, day, bad=None):
        row = reports.add(name=p["name"], person_id=p["id"], report_date=day, office=rng.choice(offices), kind="缓刑")
        if bad:
            row["_bad"] = {"person_id": bad}

    probationers = w.sample(int(w.n * 0.05), lambda p: 1950 <= p["birth"].year <= 2005)
    roster_people = []
    for i, p in enumerate(probationers):
        kind = i % 12
        eff = rand_date(rng, date(2023, 1, 10), date(2025, 6, 10))
        if kind == 10:
            eff = add_days(REF, -10)            # deadline == REF: not yet overdue
        elif kind == 11:
            eff = add_days(REF, -rng.randint(11, 12))   # deadline just passed
        case_no, county = new_case(eff)
        months_ = rng.choice((3, 6, 12, 24, 36))
        judgments.add(case_no=case_no, name=p["name"], person_id=p["id"],
                      sentence="有期徒刑%s，缓刑%s" % (rng.choice(("六个月", "一年", "八个月")), rng.choice(("一年", "二年", "三年"))),
                      effective_date=eff, court=COUNTY_NAME[county] + "人民法院")
        reported = None
        if kind in (0, 1, 2, 3):
            reported = add_days(eff, rng.randint(0, 9))
        elif kind == 4:
            reported = add_days(eff, 10)        # the tenth day: in time
        elif kind == 5:
            reported = add_days(eff, 11)        # the eleventh day: late
        elif kind == 6:
            reported = add_days(eff, rng.randint(12, 60))
        elif kind == 7:                         # never reported
            pass
        elif kind == 8:                         # reported only for an earlier case
            report(p, add_days(eff, -rng.randint(200, 700)))
        elif kind == 9:                         # reported in time, but the ID was keyed wrongly
            report(p, add_days(eff, rng.randint(1, 8)), bad="wrong_check")
        elif kind == 11:
            reported = None if rng.random() < 0.5 else add_days(eff, rng.randint(0, 9))
        if reported is not None and reported <= date(2025, 7, 4):
            report(p, reported)
        if reported is not None and reported <= REF:
            roster_people.append((p, reported, add_days(reported, 30 * months_), county))

    # -- roster, stays, leave (M07) --
    for p in w.sample(int(w.n * 0.01), lambda p: 1950 <= p["birth"].year <= 2000):
        start = rand_date(rng, date(2022, 6, 1), date(2025, 3, 1))
        roster_people.append((p, start, add_days(start, rng.randint(180, 900)), rng.choice(COUNTIES)))
    hotel_names = ["如家酒店", "汉庭酒店", "锦江之星", "7天连锁酒店", "维也纳酒店", "全季酒店", "速8酒店", "格林豪泰"]

    def stay(p, day, region, id_type="居民身份证"):
        t = at_time(rng, day, (12, 23))
        return hotels.add(name=p["name"], id_type=id_type, person_id=p["id"],
                          hotel_name=rng.choice(hotel_names) + "（%s店）" % rng.choice(("火车站", "城东", "开发区", "人民路")),
                          hotel_region=region, checkin_time=t, checkout_time=t + timedelta(hours=rng.randint(10, 40)),
                          address=address(p))

    def address(p):
        street = rng.choice(("解放北路", "胜利西路", "中兴中路", "环城西路", "人民中路")) + "%d号" % rng.randint(1, 400)
        room = "%d幢%d室" % (rng.randint(1, 30), rng.randint(101, 2504))
        # a line break typed inside the cell: the CSV quotes it
        return "浙江省绍兴市" + COUNTY_NAME.get(p["county"], "越城区") + street + rng.choice(("\n", ",", "", "", "")) + room

    def leave(p, start, end):
        leaves.add(name=p["name"], person_id=p["id"], destination=rng.choice(("上海", "杭州", "宁波", "南京", "北京")),
                   reason=rng.choice(("就医", "探亲", "务工", "处理家事")), leave_start=start, leave_end=end,
                   approver=rng.choice(("王所长", "李科长", "陈所长")))

    for i, (p, start, end, county) in enumerate(roster_people):
        has_end = rng.random() < 0.85
        roster.add(name=p["name"], person_id=p["id"], kind="缓刑", correction_start=start,
                   correction_end=end if has_end else None, execution_region=county, office=rng.choice(offices))
        away = [r for r in TRAVEL_REGIONS + COUNTIES if r != county]
        upto = min(end, date(2025, 7, 3))
        if upto <= start:
            continue
        kind = i % 9
        if kind == 0:                           # away, no leave: a clue
            stay(p, rand_date(rng, start, upto), rng.choice(away))
        elif kind == 1:                         # away, covered by a leave up to and including its end day
            day = rand_date(rng, start, upto)
            leave(p, add_days(day, -rng.randint(0, 3)), day)
            stay(p, day, rng.choice(away))
        elif kind == 2:                         # away the day after a leave ended: a clue
            day = rand_date(rng, add_days(start, 5), upto) if (upto - start).days > 6 else upto
            leave(p, add_days(day, -4), add_days(day, -1))
            stay(p, day, rng.choice(away))
        elif kind == 3:                         # home county only
            for _ in range(rng.randint(1, 3)):
                stay(p, rand_date(rng, start, upto), county)
        elif kind == 4:                         # the day before the correction starts
            stay(p, add_days(start, -1), rng.choice(away))
        elif kind == 5:                         # on the first day of the correction: a clue
            stay(p, start, rng.choice(away))
        elif kind == 6 and has_end and end <= date(2025, 7, 3):   # on the last day (a clue) / the day after
            stay(p, end if rng.random() < 0.5 else add_days(end, 1), rng.choice(away))
        elif kind == 7:                         # a leave starting that day, open-ended end: same-day cover
            day = rand_date(rng, start, upto)
            leaves.add(name=p["name"], person_id=p["id"], destination="杭州", reason="就医",
                       leave_start=day, leave_end=day, approver="王所长")
            stay(p, day, rng.choice(away))
        elif kind == 8:                         # away after REF only
            if end >= d(2025, 7, 3):
                stay(p, d(2025, 7, rng.randint(1, 3)), rng.choice(away))
    # everybody else travels too
    for _ in range(int(w.n * 0.6)):
        p = rng.choice(w.persons)
        stay(p, rand_date(rng, date(2023, 1, 1), date(2025, 7, 3)), rng.choice(TRAVEL_REGIONS + COUNTIES))
    for _ in range(int(w.n * 0.01)):
        t = at_time(rng, rand_date(rng, date(2024, 1, 1), date(2025, 7, 3)), (12, 23))
        hotels.add(name=rng.choice(("JOHN SMITH", "KIM MINSU", "TANAKA YUKI")), id_type="护照",
                   person_id=None, hotel_name=rng.choice(hotel_names), hotel_region=rng.choice(TRAVEL_REGIONS),
                   checkin_time=t, checkout_time=t + timedelta(hours=20),
                   _raw={"person_id": rng.choice(("E%08d", "M%08d", "TR%07d")) % rng.randint(1000000, 9999999)})
    hotels.rows.sort(key=lambda r: r["checkin_time"])
    rng.shuffle(roster.rows)
    reports.rows.sort(key=lambda r: r["report_date"])
    return [judgments, reports, roster, leaves, hotels], case_no_seen


def criminal(w, case_no_seen):
    """Criminal judgments with fines and charges; court execution cases; 交管 licence status."""
    rng = w.rng
    judgments = Table("criminal_judgments", "刑事判决生效信息.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("case_no", "案号", "case"), Col("name", "被告人", "name"),
        Col("person_id", "公民身份号码", "id"), Col("charge", "罪名", "text"), Col("sentence", "判处刑罚", "text"),
        Col("criminal_fine", "罚金(元)", "amount"), Col("effective_date", "判决生效日期", "date")],
        title="刑事判决生效信息（检察业务应用系统）", subtitle="导出范围：2023-01-01至2025-07-04", serial_dates=True,
        amount_styles=(("cell", 6), ("plain", 2), ("yuan", 1)), old15=0.08, lower_x=0.5, text_blank=0.02,
        summary="criminal_fine", notes_sheet=True, case_variants=0.2, id15_number=0.5, wan=0.08, inline_strings=True)
    executions = Table("execution_cases", "财产刑执行立案.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("execution_case_no", "执行案号", "case"),
        Col("original_case_no", "原审案号", "case"), Col("name", "被执行人", "name"),
        Col("person_id", "被执行人身份证号", "id"), Col("execution_filing_date", "立案日期", "date"),
        Col("amount", "执行标的(元)", "amount")],
        title="财产刑执行案件立案信息", date_styles=(("cn", 3), ("iso", 3), ("slash", 1), ("midnight", 1)), case_variants=0.5,
        amount_styles=(("comma", 2), ("plain", 1)), old15=0.1)
    licences = Table("licence_status", "驾驶证状态变更.csv", "csv-bom", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("person_id", "身份证明号码", "id"),
        Col("file_no", "档案编号", "text"), Col("class", "准驾车型", "text"),
        Col("licence_status", "驾驶证状态", "text"), Col("status_date", "状态变更日期", "date")],
        date_styles=(("iso", 5), ("slash", 2), ("compact", 2), ("midnight", 1), ("short", 1)), old15=0.1, lower_x=0.4,
        lead=0.02, text_serials=0.05, excel_text=0.03)

    charges = [("危险驾驶罪", 40), ("盗窃罪", 20), ("交通肇事罪", 10), ("诈骗罪", 10), ("故意伤害罪", 8),
               ("帮助信息网络犯罪活动罪", 7), ("寻衅滋事罪", 5)]
    fined = {"危险驾驶罪": (1000, 20000), "盗窃罪": (1000, 10000), "诈骗罪": (2000, 50000),
             "帮助信息网络犯罪活动罪": (2000, 20000)}
    raw_zero = ["", "0", "0.00", "无"]
    exec_seen = set()

    def new_case(eff):
        county, court = rng.choice(list(COURT.items()))
        year = eff.year if eff.month > 2 else eff.year - 1
        while True:
            c = case_number(year, court, "刑初", rng.randint(1, 1800))
            if c not in case_no_seen:
                case_no_seen.add(c)
                return c, court

    def execute(case_no, court, p, day, fine):
        while True:
            e = case_number(day.year, court, "执", rng.randint(1, 3000))
            if e not in exec_seen:
                exec_seen.add(e)
                break
        executions.add(execution_case_no=e, original_case_no=case_no, name=p["name"], person_id=p["id"],
                       execution_filing_date=day, amount=fine)

    adults = lambda p: 1955 <= p["birth"].year <= 2005
    defendants = w.sample(int(w.n * 0.1), adults)
    for i, p in enumerate(defendants):
        charge = pick(rng, charges)
        eff = rand_date(rng, date(2023, 1, 5), date(2025, 6, 25))
        if i % 40 == 0:
            eff = add_days(REF, -90)        # M10: deadline == REF, not overdue
        elif i % 40 == 1:
            eff = add_days(REF, -91)
        case_no, court = new_case(eff)
        fine = money(rng, *fined[charge], 500) if charge in fined else None
        row = judgments.add(case_no=case_no, name=p["name"], person_id=p["id"], charge=charge,
                            sentence=rng.choice(("拘役二个月", "拘役三个月", "有期徒刑六个月", "有期徒刑一年")) +
                            ("，并处罚金" if fine else ""), criminal_fine=fine, effective_date=eff)
        if fine is None:
            row["_raw"] = {"criminal_fine": rng.choice(raw_zero)}
        defendants_here = [(p, row)]
        if rng.random() < 0.05:             # a co-defendant in the same case
            q = rng.choice(w.persons)
            r2 = judgments.add(case_no=case_no, name=q["name"], person_id=q["id"], charge=charge,
                               sentence=row["sentence"], criminal_fine=fine, effective_date=eff,
                               _raw=dict(row.get("_raw", {})))
            defendants_here.append((q, r2))
        # M10: transfer for execution
        if fine:
            k = i % 10
            if k <= 5:
                day = add_days(eff, rng.randint(3, 89))
            elif k == 6:
                day = add_days(eff, 90)
            elif k == 7:
                day = add_days(eff, 91)
            elif k == 8:
                day = add_days(eff, rng.randint(92, 300))
            else:
                day = None
            if day is not None and day <= date(2025, 7, 4):
                execute(case_no, court, p, day, fine)
        # M11: licence revocation after a driving crime
        if charge in ("危险驾驶罪", "交通肇事罪"):
            k = i % 11
            status, day = "吊销", None
            if k <= 4:
                day = add_days(eff, rng.randint(0, 89))
            elif k == 5:
                day = add_days(eff, 90)
            elif k == 6:
                day = add_days(eff, 91)
            elif k == 7:
                status, day = "暂扣", add_days(eff, rng.randint(1, 30))
            elif k == 8:
                status, day = "注销", add_days(eff, rng.randint(1, 60))
            elif k == 9:
                day = add_days(eff, -rng.randint(20, 120))     # revoked at the accident, before the judgment
            if day is not None and day <= date(2025, 7, 4):
                licences.add(name=p["name"], person_id=p["id"], file_no="3306%08d" % rng.randint(0, 99999999),
                             **{"class": rng.choice(("C1", "C1", "B2", "A2", "C2"))}, licence_status=status, status_date=day)
    # other licence events
    for p in w.sample(int(w.n * 0.05), adults):
        licences.add(name=p["name"], person_id=p["id"], file_no="3306%08d" % rng.randint(0, 99999999),
                     **{"class": "C1"}, licence_status=rng.choice(("正常", "暂扣", "违法未处理", "注销", "满分学习")),
                     status_date=rand_date(rng, date(2023, 1, 1), date(2025, 7, 4)))
    judgments.rows.sort(key=lambda r: r["effective_date"])
    executions.rows.sort(key=lambda r: r["execution_filing_date"])
    licences.rows.sort(key=lambda r: r["status_date"])
    return [judgments, executions, licences]


def police(w):
    """治安处罚, 刑事立案, 受立案台账, 酒驾, 交通事故; 医保结算."""
    rng = w.rng
    penalties = Table("admin_penalties", "治安行政处罚.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("document_no", "决定书文号", "case"), Col("name", "违法行为人", "name"),
        Col("person_id", "身份证号码", "id"), Col("violation", "违法行为", "text"),
        Col("penalty_type", "处罚结果", "text"), Col("involved_amount", "涉案金额(元)", "amount"),
        Col("penalty_date", "处罚决定日期", "date")],
        title="越城分局治安行政处罚信息", date_styles=(("iso", 3), ("cn", 2), ("compact", 2), ("dot", 1)),
        amount_styles=(("plain", 3), ("yuan", 1)), copies=0.25, old15=0.05, lower_x=0.5, lead=0.03,
        repeat_header=0.5, signature=True)
    filings = Table("criminal_filings", "刑事案件立案.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("case_no", "案件编号", "case"), Col("cause", "案由", "text"),
        Col("name", "犯罪嫌疑人", "name"), Col("person_id", "身份证号码", "id"), Col("filing_date", "立案日期", "date")],
        title="刑事案件立案信息（警综平台）", serial_dates=True, text_blank=0.02, lower_x=0.5, gap_before_header=True)
    cases = Table("police_cases", "受立案台账.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("case_no", "案件编号", "case"), Col("case_name", "案件名称", "text"),
        Col("case_status", "案件状态", "text"), Col("filing_date", "立案日期", "date"),
        Col("handling_unit", "办案单位", "text"), Col("org_name", "涉案企业名称", "text"),
        Col("org_id", "涉案企业统一社会信用代码", "org")],
        title="刑事案件受立案台账", subtitle="截至2025年7月4日", serial_dates=False, typed_numbers=0.15,
        date_styles=(("iso", 3), ("cn", 2), ("slash", 1), ("short", 1)), case_variants=0.15, text_blank=0.02)
    received = Table("procuratorate_cases", "检察机关受理案件.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("own_no", "部门受案号", "text"), Col("case_name", "案件名称", "text"),
        Col("sender", "移送单位", "text"), Col("case_no", "公安机关案件编号", "case"),
        Col("accepted", "受理日期", "date"), Col("kind", "案件类别", "text")],
        title="越城区人民检察院受理审查逮捕、审查起诉案件", serial_dates=True, case_variants=0.3)
    received.bind = ["procuratorate_cases.case_no=公安机关案件编号"]   # not its own 部门受案号
    drunk = Table("traffic_penalties", "酒驾违法处理.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("document_no", "文书编号", "case"), Col("name", "当事人", "name"),
        Col("person_id", "身份证明号码", "id"), Col("plate", "号牌号码", "text"),
        Col("violation_time", "违法时间", "datetime"), Col("place", "违法地点", "text"),
        Col("bac", "血液酒精含量(mg/100ml)", "number"), Col("outcome", "处理结果", "text")],
        title="饮酒、醉酒驾驶机动车违法处理信息", serial_dates=True,
        number_styles=(("cell", 5), ("plain", 2), ("unit", 1)), number_unit="mg/100ml", old15=0.08, lower_x=0.5,
        id15_number=0.5)
    accidents = Table("traffic_accidents", "道路交通事故当事人.csv", "csv-bom", [
        Col("seq", "序号", "seq"), Col("accident_no", "事故编号", "case"), Col("accident_date", "事故发生时间", "datetime"),
        Col("place", "事故地点", "text"), Col("name", "当事人", "name"), Col("person_id", "身份证明号码", "id"),
        Col("liability", "责任认定", "text"), Col("injury", "伤情", "text")],
        title="道路交通事故当事人信息", datetime_styles=(("iso", 3), ("slash", 2), ("ms", 2), ("cn", 1)), old15=0.05,
        lower_x=0.5, text_serials=0.03,
        lead=0.03)
    claims = Table("medical_claims", "医保住院结算.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("name", "姓名", "name"), Col("person_id", "公民身份号码", "id"),
        Col("hospital", "定点医疗机构", "text"), Col("admission_date", "入院日期", "date"),
        Col("discharge_date", "出院日期", "date"), Col("diagnosis", "出院诊断", "text"),
        Col("total", "医疗总费用", "amount"), Col("insurance_paid", "统筹支付金额", "amount")],
        title="越城区职工及城乡居民医保住院结算明细", date_styles=(("compact", 4), ("iso", 3), ("slash", 1), ("midnight", 2)),
        amount_styles=(("plain", 4), ("comma", 2)), lower_x=0.5, lead=0.02, excel=0.004, summary="insurance_paid")
    claims.bind = ["medical_claims.diagnosis=出院诊断"]   # free text: no product can guess which

    adults = lambda p: 1950 <= p["birth"].year <= 2005
    doc_seq = [1000]

    def doc(day):
        doc_seq[0] += rng.randint(1, 9)
        return "越公(治)行罚决字〔%d〕%d号" % (day.year, doc_seq[0])

    police_seq = [0]

    def police_no(day):
        police_seq[0] += rng.randint(1, 5)
        return "A330602%05d%04d%02d%04d" % (rng.choice((50000, 51000, 52000)), day.year, day.month, police_seq[0] % 10000)

    def penalty(p, day, violation="盗窃", bad=None):
        row = penalties.add(document_no=doc(day), name=p["name"], person_id=p["id"], violation=violation,
                            penalty_type=rng.choice(("行政拘留十日", "行政拘留五日", "罚款500元", "警告")),
                            involved_amount=money(rng, 50, 3000, 10) if "盗窃" in violation else None,
                            penalty_date=day)
        if bad:
            row["_bad"] = {"person_id": bad}
        return row

    def filing(p, day, cause):
        filings.add(case_no=police_no(day), cause=cause, name=p["name"], person_id=p["id"], filing_date=day)

    theft_words = ["盗窃", "盗窃", "盗窃（扒窃）", "入户盗窃"]
    # M13: thieves
    for i, p in enumerate(w.sample(int(w.n * 0.012), adults)):
        k = i % 9
        first = rand_date(rng, date(2022, 3, 1), date(2024, 6, 1))
        if k in (0, 1):                 # 3-4 thefts inside two years: a clue
            days = sorted(rng.sample(range(1, 700), rng.choice((2, 3))))
            dates = [first] + [add_days(first, x) for x in days]
        elif k == 2:                    # exactly 730 days from first to third: a clue
            dates = [first, add_days(first, rng.randint(100, 600)), add_days(first, 730)]
        elif k == 3:                    # 731 days: not
            dates = [first, add_days(first, rng.randint(100, 600)), add_days(first, 731)]
        elif k == 4:                    # two thefts (their export copies must not count)
            dates = [first, add_days(first, rng.randint(20, 400))]
        elif k == 5:                    # three, but filed as a 盗窃 case: not
            dates = [first, add_days(first, 50), add_days(first, 300)]
            filing(p, add_days(first, 320), rng.choice(("盗窃案", "盗窃案", "入户盗窃案")))
        elif k == 6:                    # three, filed only for another cause: a clue
            dates = [first, add_days(first, 90), add_days(first, 200)]
            filing(p, add_days(first, 250), "故意伤害案")
        elif k == 7:                    # the third after REF: not
            first = d(2025, 1, rng.randint(2, 28))
            dates = [first, add_days(first, 60), d(2025, 7, rng.randint(1, 4))]
        else:                           # three, one of them keyed with a wrong check digit: not
            dates = [first, add_days(first, 40), add_days(first, 400)]
        for j, day in enumerate(dates):
            row = penalty(p, day, rng.choice(theft_words), bad="wrong_check" if k == 8 and j == 1 else None)
            if k == 4 and j == 1:
                row["_copy"] = True     # two thefts and an export copy: three rows, two records
        if rng.random() < 0.5:
            penalty(p, rand_date(rng, date(2022, 1, 1), date(2025, 7, 4)), rng.choice(("殴打他人", "赌博")))
    others = ["殴打他人", "故意损毁财物", "赌博", "吸食毒品", "扰乱公共秩序", "寻衅滋事", "诈骗", "盗窃"]
    for p in w.sample(int(w.n * 0.12), adults):
        penalty(p, rand_date(rng, date(2022, 1, 1), date(2025, 7, 4)), rng.choice(others))
    penalties.rows.sort(key=lambda r: r["penalty_date"])

    # M35: drunk driving
    places = ["解放北路与环城北路交叉口", "329国道越城段", "中兴中路", "二环北路", "镜湖大道", "胜利东路"]
    plate_letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    drink_seq = [0]
    for i, p in enumerate(w.sample(int(w.n * 0.07), adults)):
        k = i % 12
        t = at_time(rng, rand_date(rng, date(2023, 1, 1), date(2025, 6, 28)), (0, 23))
        bac = Decimal(rng.randint(200, 790)) / 10 if k in (0, 1, 2) else Decimal(rng.randint(800, 2500)) / 10
        if k == 3:
            bac = Decimal("80")
        elif k == 4:
            bac = Decimal("79.9")
        if k == 11:
            t = at_time(rng, add_days(REF, -rng.randint(170, 180)), (0, 23))   # 180 days not passed
        day = t.date()
        if bac >= 80:
            kk = i % 7
            if kk in (0, 1, 2):
                filing(p, add_days(day, rng.randint(0, 30)), "危险驾驶案")
            elif kk == 3:
                filing(p, add_days(day, 180), "危险驾驶案")
            elif kk == 4:
                if add_days(day, 181) <= date(2025, 7, 4):
                    filing(p, add_days(day, 181), "危险驾驶案")
            elif kk == 5:
                filing(p, add_days(day, -rng.randint(100, 500)), "盗窃案")  # an older case only
        drink_seq[0] += 1
        drunk.add(document_no="3306021%09d" % (drink_seq[0] * 7 + 100000), name=p["name"], person_id=p["id"],
                  plate="浙D%s%04d" % (rng.choice(plate_letters), rng.randint(0, 9999)), violation_time=t,
                  place=rng.choice(places), bac=bac,
                  outcome="移送刑事立案" if bac >= 80 else rng.choice(("罚款1000元，暂扣驾驶证六个月", "罚款1500元")))
    for p in w.sample(int(w.n * 0.03), adults):
        filing(p, rand_date(rng, date(2022, 1, 1), date(2025, 7, 4)),
               rng.choice(("诈骗案", "故意伤害案", "盗窃案", "开设赌场案", "帮助信息网络犯罪活动案")))
    filings.rows.sort(key=lambda r: r["filing_date"])
    drunk.rows.sort(key=lambda r: r["violation_time"])

    # M14: the case register
    statuses = [("侦查中", 5), ("已移送审查起诉", 4), ("已撤案", 2), ("已破案", 2), ("终止侦查", 1)]
    case_names = ["合同诈骗案", "职务侵占案", "非法吸收公众存款案", "虚开增值税专用发票案", "重大责任事故案", "盗窃案", "污染环境案"]
    for i in range(int(w.n * 0.05)):
        k = i % 10
        day = rand_date(rng, date(2019, 1, 1), date(2025, 6, 1))
        status = pick(rng, statuses)
        if k == 0:
            day, status = add_days(REF, -730), "侦查中"
        elif k == 1:
            day, status = add_days(REF, -731), "侦查中"
        org = w.new_org("repair") if rng.random() < 0.5 else None
        row = cases.add(case_no=police_no(day), case_name=(org["name"] if org else "") + rng.choice(case_names),
                        case_status=status, filing_date=day,
                        handling_unit=rng.choice(("越城分局经侦大队", "越城分局刑侦大队", "柯桥分局经侦大队")),
                        org_name=org["name"] if org else None, org_id=org["id"] if org else None)
        # The procuratorate's own register: cases transferred for arrest review or prosecution,
        # with the police case number. A stale 侦查中 in the police register is then no 挂案.
        transferred = (status == "已移送审查起诉" and rng.random() < 0.8) or (status == "侦查中" and i % 4 == 3)
        if transferred:
            accepted = add_days(day, rng.randint(60, 700))
            if accepted <= date(2025, 7, 4):
                received.add(own_no="绍越检刑诉受〔%d〕330602000%03d号" % (accepted.year, len(received.rows) + 1),
                             case_name=row["case_name"], sender=row["handling_unit"], case_no=row["case_no"],
                             accepted=accepted, kind=rng.choice(("审查起诉", "审查逮捕")))
    for _ in range(int(w.n * 0.01)):       # cases of other police offices
        day = rand_date(rng, date(2022, 1, 1), date(2025, 5, 1))
        received.add(own_no="绍越检刑诉受〔%d〕330602000%03d号" % (day.year, len(received.rows) + 1),
                     case_name=rng.choice(case_names), sender="柯桥分局刑侦大队",
                     case_no="A330603%05d%04d%02d%04d" % (51000, day.year, day.month, rng.randint(0, 9999)),
                     accepted=add_days(day, 90), kind="审查起诉")

    received.rows.sort(key=lambda r: r["accepted"])

    # M27: accidents and medical claims
    hospitals = ["绍兴市人民医院", "绍兴市中心医院", "越城区人民医院", "绍兴第二医院", "绍兴市中医院"]
    injuries = ["外伤性骨折", "头部外伤", "外伤性脾破裂", "左下肢外伤", "闭合性颅脑外伤"]
    acc_seq = [0]

    def claim(p, day, diagnosis):
        total = money(rng, 3000, 80000, 10)
        claims.add(name=p["name"], person_id=p["id"], hospital=rng.choice(hospitals), admission_date=day,
                   discharge_date=add_days(day, rng.randint(2, 20)), diagnosis=diagnosis, total=total,
                   insurance_paid=(total * Decimal("0.7")).quantize(Decimal("0.01")))

    liabilities = [("对方全责", 5), ("本人全责", 2), ("同等责任", 2), ("对方主责", 1), ("本人主责", 1)]
    for i, p in enumerate(w.sample(int(w.n * 0.07), adults)):
        k = i % 10
        day = rand_date(rng, date(2023, 1, 1), date(2025, 6, 28))
        if k == 9:
            day = REF
        liability = "对方全责" if k < 7 or k == 9 else pick(rng, liabilities[1:])
        acc_seq[0] += 1
        accidents.add(accident_no="330602%04d%06d" % (day.year, acc_seq[0]), accident_date=at_time(rng, day, (6, 22)),
                      place=rng.choice(places), name=p["name"], person_id=p["id"], liability=liability,
                      injury=rng.choice(("轻伤", "轻微伤", "重伤")))
        other = rng.choice(w.persons)
        accidents.add(accident_no="330602%04d%06d" % (day.year, acc_seq[0]), accident_date=at_time(rng, day, (6, 22)),
                      place=rng.choice(places), name=other["name"], person_id=other["id"],
                      liability={"对方全责": "本人全责", "本人全责": "对方全责"}.get(liability, "同等责任"), injury="无")
        if k in (0, 1, 2, 7):
            claim(p, day, rng.choice(injuries))               # the same day
        elif k in (3, 9):
            claim(p, add_days(day, 1), rng.choice(injuries))  # the next day
        elif k == 4:
            claim(p, add_days(day, 2), rng.choice(injuries))  # two days later: not
        elif k == 5:
            claim(p, day, "多发伤")                            # no 外伤 in the diagnosis: not
        elif k == 6:
            claim(p, add_days(day, -1), rng.choice(injuries))  # the day before: not
        else:
            claim(p, day, rng.choice(injuries))               # 本人全责 etc.: not
    illnesses = ["社区获得性肺炎", "高血压病3级", "2型糖尿病", "冠状动脉粥样硬化性心脏病", "急性阑尾炎", "腰椎间盘突出症",
                 "头部外伤", "外伤性骨折"]
    for _ in range(int(w.n * 0.3)):
        claim(rng.choice(w.persons), rand_date(rng, date(2023, 1, 1), date(2025, 7, 3)), rng.choice(illnesses))
    claims.rows.sort(key=lambda r: r["admission_date"])
    accidents.rows.sort(key=lambda r: r["accident_date"])
    return [penalties, filings, cases, received, drunk, accidents, claims]


def civil(w):
    rng = w.rng
    cases = Table("civil_cases", "民事案件收案.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("case_no", "案号", "case"), Col("cause", "案由", "text"),
        Col("plaintiff", "原告", "name"), Col("plaintiff_id", "原告证件号码", "party"),
        Col("defendant", "被告", "name"), Col("defendant_id", "被告证件号码", "id"),
        Col("claim_amount", "诉讼标的额(元)", "amount"), Col("filing_date", "立案日期", "date")],
        title="越城区人民法院民事案件收案信息", subtitle="立案日期：2022年1月1日至2025年7月4日", serial_dates=True,
        amount_styles=(("cell", 5), ("comma", 1)), copies=0.25, old15=0.08, lower_x=0.5, text_blank=0.02,
        sheet_rows=500, id15_number=0.5, inline_strings=True)
    seen = set()

    def suit(plaintiff, day, cause, defendant=None, company=None):
        while True:
            c = case_number(day.year, "浙0602", "民初", rng.randint(1, 12000))
            if c not in seen:
                seen.add(c)
                break
        defendant = defendant or rng.choice(w.persons)
        return cases.add(case_no=c, cause=cause, plaintiff=company["name"] if company else plaintiff["name"],
                         plaintiff_id=company["id"] if company else plaintiff["id"], defendant=defendant["name"],
                         defendant_id=defendant["id"], claim_amount=money(rng, 5000, 500000, 1000), filing_date=day)

    adults = lambda p: 1950 <= p["birth"].year <= 2000
    for i, p in enumerate(w.sample(int(w.n * 0.01), adults)):
        k = i % 6
        first = rand_date(rng, date(2022, 1, 1), date(2024, 12, 1))
        if k in (0, 1):                     # 5-9 suits within two years: a clue
            days = [first] + [add_days(first, x) for x in sorted(rng.sample(range(1, 700), rng.randint(4, 8)))]
            causes = ["民间借贷纠纷"] * len(days)
        elif k == 2:                        # fifth exactly 730 days after the first: a clue
            days = [first] + [add_days(first, x) for x in sorted(rng.sample(range(1, 729), 3))] + [add_days(first, 730)]
            causes = ["民间借贷纠纷"] * 5
        elif k == 3:                        # 731 days: not
            days = [first] + [add_days(first, x) for x in sorted(rng.sample(range(1, 729), 3))] + [add_days(first, 731)]
            causes = ["民间借贷纠纷"] * 5
        elif k == 4:                        # four (and export copies of them): not
            days = [first] + [add_days(first, x) for x in sorted(rng.sample(range(1, 700), 3))]
            causes = ["民间借贷纠纷"] * 4
        else:                               # five suits, one a 金融借款合同纠纷: not
            days = [first] + [add_days(first, x) for x in sorted(rng.sample(range(1, 700), 4))]
            causes = ["民间借贷纠纷"] * 4 + ["金融借款合同纠纷"]
            rng.shuffle(causes)
        for j, (day, cause) in enumerate(zip(days, causes)):
            if day <= date(2025, 7, 4):
                row = suit(p, day, cause)
                if k == 4 and j == 2:
                    row["_copy"] = True     # four suits and an export copy: five rows, four records
    # small-loan companies sue too; the plaintiff's 证件号码 is then their USCC (M20 counts parties:
    # persons and companies alike). One sues 6-12 times (a clue), one 4 times (not), one 5 times
    # with one of the five keyed with a wrong check character (not).
    for j, brand in enumerate(("鑫诚", "汇通", "金桥")):
        company = w.new_org("lender")
        company["name"] = "绍兴市越城区" + brand + "小额贷款有限公司"
        first = rand_date(rng, date(2023, 1, 1), date(2023, 6, 1))
        n = (rng.randint(6, 12), 4, 5)[j]
        for i, x in enumerate(sorted(rng.sample(range(0, 700), n))):
            row = suit(None, add_days(first, x), "民间借贷纠纷", company=company)
            if j == 2 and i == 2:
                row["_bad"] = {"plaintiff_id": "wrong_check"}
    causes = [("民间借贷纠纷", 3), ("离婚纠纷", 4), ("买卖合同纠纷", 3), ("机动车交通事故责任纠纷", 2), ("劳务合同纠纷", 1),
              ("金融借款合同纠纷", 2), ("物业服务合同纠纷", 1)]
    for _ in range(int(w.n * 0.2)):
        suit(rng.choice(w.persons), rand_date(rng, date(2022, 1, 1), date(2025, 7, 4)), pick(rng, causes))
    cases.rows.sort(key=lambda r: r["filing_date"])
    return [cases]


def enterprise(w):
    rng = w.rng
    purchases = Table("oil_purchases", "机油采购记录.csv", "csv-bom", [
        Col("seq", "序号", "seq"), Col("invoice", "发票号码", "text"), Col("purchase_date", "采购日期", "date"),
        Col("org_name", "企业名称", "text"), Col("org_id", "统一社会信用代码", "org"), Col("product", "商品名称", "text"),
        Col("purchase_quantity", "采购数量(升)", "number"), Col("amount", "金额(元)", "amount")],
        date_styles=(("iso", 3), ("slash", 1)), number_styles=(("plain", 4), ("comma", 1), ("unit", 1)),
        amount_styles=(("plain", 2), ("comma", 1)), copies=0.25, summary="amount")
    waste = Table("waste_oil", "危险废物申报.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("org_name", "产废单位名称", "text"), Col("org_id", "统一社会信用代码", "org"),
        Col("waste_code", "废物代码", "text"), Col("declaration_date", "申报日期", "date"),
        Col("declared_quantity", "申报数量(升)", "number")],
        title="危险废物产生申报信息（HW08 废矿物油）", serial_dates=True, number_styles=(("cell", 3), ("plain", 1)),
        notes_sheet="first")
    subsidies = Table("subsidies", "环保专项补助拨付.xlsx", "xlsx", [
        Col("seq", "序号", "seq"), Col("org_name", "企业名称", "text"), Col("org_id", "统一社会信用代码", "org"),
        Col("subsidy_program", "补贴项目", "text"), Col("subsidy_amount", "补助金额（万元）", "amount"),
        Col("pay_date", "拨付日期", "date")],
        title="环保专项资金补助拨付明细", subtitle="单位：万元", serial_dates=True, no_refs=True, iso_cells=0.2,
        amount_styles=(("cell", 3), ("plain", 1)))
    env = Table("env_penalties", "环境行政处罚.csv", "csv-gbk", [
        Col("seq", "序号", "seq"), Col("document_no", "行政处罚决定书文号", "case"), Col("org_name", "单位名称", "text"),
        Col("org_id", "统一社会信用代码", "org"), Col("violation_type", "违法类型", "text"),
        Col("penalty_date", "处罚日期", "date"), Col("fine", "罚款金额(万元)", "amount")],
        title="绍兴市生态环境局越城分局行政处罚信息", date_styles=(("cn", 3), ("iso", 2), ("dot", 1)),
        amount_styles=(("plain", 1),), excel_text=0.05)

    repairs = [w.new_org("repair") for _ in range(120)]
    invoice = [44000000]
    products = ["全合成机油 5W-30", "半合成机油 10W-40", "柴机油 CI-4 15W-40", "矿物机油 SN 5W-30"]

    def buy(org, qty, bad=None):
        invoice[0] += rng.randint(1, 400)
        row = purchases.add(invoice="%08d" % invoice[0], purchase_date=rand_date(rng, date(2024, 1, 1), date(2024, 12, 31)),
                            org_name=org["name"], org_id=org["id"], product=rng.choice(products),
                            purchase_quantity=qty, amount=Decimal(qty) * Decimal(rng.choice((28, 35, 46))))
        if bad:
            row["_bad"] = {"org_id": bad}
        return row

    def declare(org, qty, bad=None):
        row = waste.add(org_name=org["name"], org_id=org["id"], waste_code="900-214-08",
                        declaration_date=rand_date(rng, date(2024, 1, 15), date(2025, 1, 31)), declared_quantity=qty)
        if bad:
            row["_bad"] = {"org_id": bad}

    def split(total, parts):
        cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
        return [b - a for a, b in zip([0] + cuts, cuts + [total])]

    for i, org in enumerate(repairs):
        k = i % 10
        total = rng.randint(1200, 20000)
        if k in (0, 1, 2, 3, 4):
            ratio = Fraction(rng.randint(40, 85), 100)
        elif k == 5:
            ratio = Fraction(rng.randint(0, 25), 100)         # too little declared: a clue
        elif k == 6:
            ratio = None                                       # nothing declared: a clue
        elif k == 7:
            total, ratio = 2000, Fraction(3, 10)               # exactly 0.3: not
        elif k == 8:
            total, ratio = rng.choice(((1000, Fraction(1, 10)), (999, None)))   # 1000: a clue; 999: not
        else:
            ratio = "bad"                                      # a declaration with a wrong check character
        for j, qty in enumerate(split(total, rng.randint(1, 5))):
            row = buy(org, qty)
            if k == 8 and j == 0:
                row["_copy"] = True     # 999 litres and an export copy of one invoice: still 999
        if ratio == "bad":
            declare(org, total // 5)
            declare(org, total // 4, bad="wrong_check")        # the 25 % that would have made it 0.45
        elif ratio:
            declared = int(total * ratio)
            if k == 7:
                declared = 600
            for qty in split(declared, rng.randint(1, 3)) if declared > 2 else [declared]:
                if qty:
                    declare(org, qty)
    purchases.rows.sort(key=lambda r: r["purchase_date"])
    waste.rows.sort(key=lambda r: r["declaration_date"])

    # M36
    makers = [w.new_org("maker") for _ in range(40)]
    programs = ["VOCs治理专项补助", "清洁生产审核奖励", "危险废物规范化管理奖补", "污水处理设施提标补助"]
    violations = ["超标排放", "未批先建", "危险废物贮存不规范", "未按规定运行污染防治设施"]
    penalty_seq = [10]

    def punish(org, day, bad=None):
        penalty_seq[0] += rng.randint(1, 6)
        row = env.add(document_no="绍市环罚〔%d〕%d号" % (day.year, penalty_seq[0]), org_name=org["name"], org_id=org["id"],
                      violation_type=rng.choice(violations), penalty_date=day,
                      fine=Decimal(rng.randint(2, 60)) / 2)
        if bad:
            row["_bad"] = {"org_id": bad}

    def grant(org, day):
        subsidies.add(org_name=org["name"], org_id=org["id"], subsidy_program=rng.choice(programs),
                      subsidy_amount=Decimal(rng.randint(10, 400)) / 10, pay_date=day)   # 万元, as the header says

    for i, org in enumerate(makers + repairs[:20]):
        k = i % 8
        pday = rand_date(rng, date(2021, 6, 1), date(2024, 12, 1))
        if k == 0:
            punish(org, pday); grant(org, add_days(pday, rng.randint(30, 900)))      # a clue
        elif k == 1:
            punish(org, pday); grant(org, pday)                                      # on the day: a clue
        elif k == 2:
            pday = rand_date(rng, date(2021, 6, 1), date(2022, 6, 1))
            punish(org, pday); grant(org, add_days(pday, 1095))                      # +1095: a clue
        elif k == 3:
            pday = rand_date(rng, date(2021, 6, 1), date(2022, 6, 1))
            punish(org, pday); grant(org, add_days(pday, 1096))                      # +1096: not
        elif k == 4:
            punish(org, pday); grant(org, add_days(pday, -1))                        # the day before: not
        elif k == 5:
            punish(org, d(2025, 6, rng.randint(1, 20))); grant(org, d(2025, 7, rng.randint(1, 4)))   # after REF
        elif k == 6:
            punish(org, pday, bad="wrong_check"); grant(org, add_days(pday, 100))   # cannot match: not
        else:
            grant(org, rand_date(rng, date(2022, 1, 1), date(2025, 6, 30)))          # never punished
        if rng.random() < 0.3:
            grant(org, rand_date(rng, date(2020, 1, 1), date(2021, 5, 1)))
    subsidies.rows.sort(key=lambda r: r["pay_date"])
    env.rows.sort(key=lambda r: r["penalty_date"])
    return [purchases, waste, subsidies, env]


# ---------------------------------------------------------------------------------------------
# Truth: each model's rule, as its manifest states it, over the records
# ---------------------------------------------------------------------------------------------


def key(row, field):
    """The value a join meets on: None when the file shows an ID that cannot match."""
    if field in row.get("_bad", {}):
        return None
    return row.get(field)


def day_of(v):
    return v.date() if isinstance(v, datetime) else v


def text(v):
    return None if v is None else str(v).strip()


def distinct(table):
    return table.rows   # export copies are made at render time; every record here is one record


def by(rows, field):
    out = {}
    for r in rows:
        k = key(r, field)
        if k is not None:
            out.setdefault(k, []).append(r)
    return out


def status_conflict(events, ev_key, ev_date, states, st_key, start, end=None, start_incl=True,
                    end_incl=True, end_offset=None):
    idx = by(states, st_key)
    hits = set()
    for e in events:
        k = key(e, ev_key)
        ed = day_of(e.get(ev_date))
        if k is None or ed is None or ed > REF:
            continue
        for s in idx.get(k, ()):
            sd = day_of(s.get(start))
            if sd is None or not (ed >= sd if start_incl else ed > sd):
                continue
            if end is not None:
                en = day_of(s.get(end))
                if en is not None:
                    en = add_days(en, end_offset or 0)
                    if not (ed <= en if end_incl else ed < en):
                        continue
            elif end_offset is not None:
                en = add_days(sd, end_offset)
                if not (ed <= en if end_incl else ed < en):
                    continue
            hits.add(k)
            break
    return hits


def missing_follow_up(triggers, t_key, t_date, follows, f_key, f_date, days, clue_field):
    idx = by(follows, f_key)
    hits = set()
    for t in triggers:
        k = key(t, t_key)
        td = day_of(t.get(t_date))
        if k is None or td is None:
            continue
        deadline = add_days(td, days)
        if not deadline < REF:
            continue
        if any(td <= day_of(f.get(f_date)) <= deadline for f in idx.get(k, ()) if f.get(f_date) is not None):
            continue
        c = key(t, clue_field)
        if c is not None:
            hits.add(c)
    return hits


def repetition(events, ev_key, ev_date, n, window, absent=frozenset()):
    dates = {}
    for e in events:
        k = key(e, ev_key)
        ed = day_of(e.get(ev_date))
        if k is None or ed is None or ed > REF or k in absent:
            continue
        dates.setdefault(k, []).append(ed)
    hits = set()
    for k, ds in dates.items():
        ds.sort()
        if any((ds[i + n - 1] - ds[i]).days <= window for i in range(len(ds) - n + 1)):
            hits.add(k)
    return hits


def truth(t):
    out = {}
    custody, pensions, deaths, dibao = t["custody"].rows, t["pensions"].rows, t["deaths"].rows, t["dibao"].rows
    out["M01"] = status_conflict(pensions, "person_id", "pay_month", custody, "person_id", "custody_start",
                                 "custody_end", start_incl=False, end_incl=True)
    out["M03"] = status_conflict(pensions, "person_id", "pay_month", deaths, "person_id", "death_date",
                                 start_incl=False)
    out["M05"] = status_conflict(dibao, "person_id", "pay_month", custody, "person_id", "custody_start",
                                 "custody_end", start_incl=False, end_incl=True)
    # M06: key is the case number (as matched: brackets/widths unified)
    pj = [dict(r, _case=case_key(r["case_no"])) for r in t["probation_judgments"].rows]
    out["M06"] = missing_follow_up(pj, "person_id", "effective_date", t["correction_reports"].rows,
                                   "person_id", "report_date", 10, "_case")
    # M07
    leaves = by(t["leave_records"].rows, "person_id")
    roster = by(t["correction_roster"].rows, "person_id")
    m07 = set()
    for s in t["hotel_stays"].rows:
        k = key(s, "person_id")
        sd = day_of(s["checkin_time"])
        if k is None or sd > REF:
            continue
        for r in roster.get(k, ()):
            if sd < r["correction_start"] or (r["correction_end"] is not None and sd > r["correction_end"]):
                continue
            if s["hotel_region"] == r["execution_region"]:
                continue
            if any(x["leave_start"] <= sd <= (x["leave_end"] or x["leave_start"]) for x in leaves.get(k, ())):
                continue
            m07.add(k)
    out["M07"] = m07
    # M10 / M11 over the criminal judgments
    cj = [dict(r, _case=case_key(r["case_no"])) for r in t["criminal_judgments"].rows]
    ex = [dict(r, _orig=case_key(r["original_case_no"])) for r in t["execution_cases"].rows]
    fined = [r for r in cj if r.get("criminal_fine") is not None and r["criminal_fine"] > 0]
    out["M10"] = missing_follow_up(fined, "_case", "effective_date", ex, "_orig", "execution_filing_date", 90, "_case")
    driving = [r for r in cj if text(r["charge"]) in ("危险驾驶罪", "交通肇事罪")]
    revoked = [r for r in t["licence_status"].rows if text(r["licence_status"]) in ("吊销", "注销")]
    out["M11"] = missing_follow_up(driving, "person_id", "effective_date", revoked, "person_id", "status_date", 90,
                                   "person_id")
    # M13
    filed_theft = {key(f, "person_id") for f in t["criminal_filings"].rows if "盗窃" in f["cause"]} - {None}
    thefts = [r for r in distinct(t["admin_penalties"]) if "盗窃" in r["violation"]]
    out["M13"] = repetition(thefts, "person_id", "penalty_date", 3, 730, filed_theft)
    # M14
    at_procuratorate = {case_key(r["case_no"]) for r in t["procuratorate_cases"].rows if r.get("case_no")}
    out["M14"] = {case_key(c["case_no"]) for c in t["police_cases"].rows
                  if text(c["case_status"]) == "侦查中" and (REF - c["filing_date"]).days > 730
                  and case_key(c["case_no"]) not in at_procuratorate}
    # M20
    loans = [r for r in distinct(t["civil_cases"]) if text(r["cause"]) == "民间借贷纠纷"]
    out["M20"] = repetition(loans, "plaintiff_id", "filing_date", 5, 730)
    # M27
    m27 = set()
    claims = by([c for c in t["medical_claims"].rows if "外伤" in c["diagnosis"]], "person_id")
    for a in t["traffic_accidents"].rows:
        k = key(a, "person_id")
        ad = day_of(a["accident_date"])
        if k is None or text(a["liability"]) != "对方全责" or ad > REF:
            continue
        if any(ad <= c["admission_date"] <= add_days(ad, 1) for c in claims.get(k, ())):
            m27.add(k)
    out["M27"] = m27
    # M30
    bought, declared = {}, {}
    for r in distinct(t["oil_purchases"]):
        k = key(r, "org_id")
        if k is not None:
            bought[k] = bought.get(k, 0) + Fraction(str(r["purchase_quantity"]))
    for r in t["waste_oil"].rows:
        k = key(r, "org_id")
        if k is not None:
            declared[k] = declared.get(k, 0) + Fraction(str(r["declared_quantity"]))
    out["M30"] = {k for k, v in bought.items() if v > 0 and v >= 1000 and declared.get(k, 0) / v < Fraction(3, 10)}
    # M35
    drunk = [r for r in t["traffic_penalties"].rows if r["bac"] >= 80]
    out["M35"] = missing_follow_up(drunk, "person_id", "violation_time", t["criminal_filings"].rows, "person_id",
                                   "filing_date", 180, "person_id")
    # M36
    out["M36"] = status_conflict(t["subsidies"].rows, "org_id", "pay_date", t["env_penalties"].rows, "org_id",
                                 "penalty_date", None, start_incl=True, end_incl=True, end_offset=1095)
    return {m: sorted(v) for m, v in sorted(out.items())}


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--persons", type=int, default=3000)
    args = parser.parse_args()
    if args.persons < 200:
        parser.error("--persons must be at least 200")
    w = World(args.seed, args.persons)
    tables = social(w)
    more, case_no_seen = corrections(w)
    tables += more
    tables += criminal(w, case_no_seen)
    tables += police(w)
    tables += civil(w)
    tables += enterprise(w)
    t = {tb.dataset: tb for tb in tables}
    # IDs that went through an Excel number cell before the CSV was saved: they meet nobody.
    for tb in tables:
        if tb.noise["excel"]:
            for row in tb.rows:
                if row.get("person_id") and "person_id" not in row.get("_bad", {}) and w.rng.random() < tb.noise["excel"]:
                    row.setdefault("_bad", {})["person_id"] = "excel"
    os.makedirs(args.out, exist_ok=True)
    render_rng = random.Random(args.seed * 7919 + 1)
    files = []
    for tb in tables:
        path = os.path.join(args.out, tb.filename)
        if tb.fmt == "xlsx":
            write_table_xlsx(tb, path, render_rng)
        else:
            write_csv(tb, path, render_rng)
        files.append({
            "file": tb.filename, "dataset": tb.dataset, "format": tb.fmt, "duplicates": tb.duplicates,
            "bind": tb.bind, "records": len(tb.rows),
            "columns": {c.field: c.header for c in tb.columns if c.field != "seq"},
            "kinds": {c.field: c.kind for c in tb.columns if c.field != "seq"},
        })
    expected = truth(t)
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "tools/agency_exports/generate.py", "seed": args.seed, "persons": args.persons,
                   "reference_date": REF.isoformat(), "exported": EXPORTED.isoformat(),
                   "models": {m: {"keys": keys} for m, keys in expected.items()}}, f, ensure_ascii=False, indent=1)
    with open(os.path.join(args.out, "bind.json"), "w", encoding="utf-8") as f:
        json.dump({"reference_date": REF.isoformat(), "files": files}, f, ensure_ascii=False, indent=1)
    print("%d files, %d records; clues expected: %s" % (
        len(files), sum(x["records"] for x in files), ", ".join("%s %d" % (m, len(k)) for m, k in expected.items())))


if __name__ == "__main__":
    main()
