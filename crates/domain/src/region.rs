//! China's administrative divisions (GB/T 2260 codes) and the areas products serve.
//!
//! The national table of provinces, prefecture-level cities and county-level divisions ships with the crate
//! (`data/regions.tsv`, 民政部 2024; compiled in by `build.rs`). A [`Division`] is a code known to that table.
//! A deployment serves a [`HomeArea`] (by default 天津市 and its sixteen districts): the districts its forms
//! offer, what 全市 and 本省 mean, and which of two divisions of one name (和平区 is in 天津 and in 沈阳) a
//! bare name means. A [`ServiceArea`] is what a product serves: 全国, a list of divisions of any level, or
//! 未说明 when its page does not say.

use crate::ValueError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

/// The level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// 省级: provinces, autonomous regions, the four municipalities (天津市), HK, Macao, Taiwan.
    Province,
    /// 地级: prefecture-level cities, prefectures, leagues, autonomous prefectures.
    City,
    /// 县级: districts, counties, county-level cities, banners.
    County,
}

impl Level {
    #[must_use]
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Province => "省级",
            Self::City => "地级",
            Self::County => "县级",
        }
    }
}

mod table {
    use super::Level;
    include!(concat!(env!("OUT_DIR"), "/regions_table.rs"));
}

/// One administrative division of the national table, by its 6-digit code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Division(u32);

/// The table's row index of a code, if the code is in the table.
fn row(code: u32) -> Option<usize> {
    table::DIVISIONS.binary_search_by_key(&code, |r| r.0).ok()
}

impl Division {
    /// The division with this code, if the national table has it.
    #[must_use]
    pub fn from_code(code: u32) -> Option<Self> {
        row(code).map(|_| Self(code))
    }

    /// Reads a 6-digit code (`120116`).
    ///
    /// # Errors
    /// Not six digits, or a code the national table does not have.
    pub fn parse_code(text: &str) -> Result<Self, ValueError> {
        let text = text.trim();
        if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::worded(
                format!("“{text}”不是 6 位行政区划代码"),
                format!("“{text}” is not a 6-digit division code"),
            ));
        }
        text.parse().ok().and_then(Self::from_code).ok_or_else(|| {
            ValueError::worded(
                format!("行政区划代码 {text} 不在全国县级以上行政区划表（民政部 2024）中"),
                format!(
                    "division code {text} is not in the national table of divisions (Ministry of Civil Affairs, 2024)"
                ),
            )
        })
    }

    fn entry(self) -> &'static (u32, &'static str, Level, u32) {
        // Every `Division` was built from a code found in the table.
        &table::DIVISIONS[row(self.0).unwrap_or_default()]
    }

    /// The 6-digit code.
    #[must_use]
    pub const fn code(self) -> u32 {
        self.0
    }

    /// The official name: `滨海新区`, `天津市`, `苏州市`.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.entry().1
    }

    #[must_use]
    pub fn level(self) -> Level {
        self.entry().2
    }

    /// The division one level up (none for a province; a municipality's districts have the municipality).
    #[must_use]
    pub fn parent(self) -> Option<Self> {
        match self.entry().3 {
            0 => None,
            code => Some(Self(code)),
        }
    }

    /// This division, then each one above it up to its province.
    pub fn with_ancestors(self) -> impl Iterator<Item = Self> {
        std::iter::successors(Some(self), |d| d.parent())
    }

    /// Whether `other` is this division or lies within it.
    #[must_use]
    pub fn contains(self, other: Self) -> bool {
        other.with_ancestors().any(|d| d == self)
    }

    /// The divisions one level down, by code.
    #[must_use]
    pub fn children(self) -> Vec<Self> {
        table::DIVISIONS.iter().filter(|r| r.3 == self.0).map(|r| Self(r.0)).collect()
    }

    /// The county-level divisions within this one (itself, if it is one), by code.
    ///
    /// Codes nest (GB/T 2260: province PP0000, city PPCC00, county PPCCXX), so only the table's rows in this
    /// division's span of codes are asked whether they lie within it, not the whole table's three thousand
    /// (which every product shown in a list paid for; a test checks both give the same for every division).
    #[must_use]
    pub fn counties(self) -> Vec<Self> {
        let span = match self.level() {
            Level::Province => 10_000,
            Level::City => 100,
            Level::County => 1,
        };
        let low = self.0 - self.0 % span;
        let rows = &table::DIVISIONS;
        let (from, to) = (rows.partition_point(|r| r.0 < low), rows.partition_point(|r| r.0 < low + span));
        rows[from..to].iter().map(|r| Self(r.0)).filter(|d| d.level() == Level::County && self.contains(*d)).collect()
    }

    /// The name with the names above it, as written on an address: `天津市和平区`, `江苏省苏州市虎丘区`.
    #[must_use]
    pub fn full_name(self) -> String {
        let mut names: Vec<&str> = self.with_ancestors().map(Self::name).collect();
        names.reverse();
        names.concat()
    }

    /// The name as seen from `home`: short within the home area (`和平区`), with its province and city
    /// elsewhere (`辽宁省沈阳市和平区`).
    #[must_use]
    pub fn name_from(self, home: &HomeArea) -> String {
        if self != home.division() && home.division().contains(self) {
            // Within the home area: the names below the home division (和平区; 苏州市虎丘区 from 江苏省).
            let mut names: Vec<&str> =
                self.with_ancestors().take_while(|d| *d != home.division()).map(Self::name).collect();
            names.reverse();
            names.concat()
        } else {
            self.full_name()
        }
    }

    /// Every division, by code.
    pub fn all() -> impl Iterator<Item = Self> {
        table::DIVISIONS.iter().map(|r| Self(r.0))
    }

    /// Resolves what people write for a division: a code (`120101`), an official name with or without the
    /// names above it (`天津市和平区`, `和平区`, `江苏省苏州市`, `苏州市`), or the name without its suffix
    /// (`桐乡` for 桐乡市, `滨海` for 滨海新区) when nothing is called exactly that. A name that several divisions
    /// share means the one within `home` when exactly one is; otherwise it must be written out.
    ///
    /// # Errors
    /// A code or name no division has, or a name several divisions share (naming each in full).
    pub fn resolve(text: &str, home: &HomeArea) -> Result<Self, ValueError> {
        Self::resolve_from(text, Some(home))
    }

    /// [`Self::resolve`] with no home area: a name several divisions share is always refused.
    ///
    /// # Errors
    /// As [`Self::resolve`].
    pub fn resolve_anywhere(text: &str) -> Result<Self, ValueError> {
        Self::resolve_from(text, None)
    }

    fn resolve_from(text: &str, home: Option<&HomeArea>) -> Result<Self, ValueError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValueError::Empty);
        }
        if text.bytes().all(|b| b.is_ascii_digit()) {
            return Self::parse_code(text);
        }
        let mut found = lookup(text, |d| d.name().to_owned());
        if found.is_empty() {
            found = lookup(&strip_suffix(text), |d| strip_suffix(d.name()));
        }
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(ValueError::worded(
                format!(
                    "“{text}”不是行政区划名称或代码：可写“全国”“全市”、省市区县的名称（如 天津市和平区、江苏省苏州市）或 6 位区划代码"
                ),
                format!(
                    "“{text}” is no division's name or code: write 全国, 全市, the name of a province, city or \
                     county (天津市和平区, 江苏省苏州市) or a 6-digit division code"
                ),
            )),
            many => {
                let at_home: Vec<Self> =
                    many.iter().copied().filter(|d| home.is_some_and(|h| h.division().contains(*d))).collect();
                if let [one] = at_home.as_slice() {
                    return Ok(*one);
                }
                let names: Vec<String> = many.iter().map(|d| d.full_name()).collect();
                Err(ValueError::worded(
                    format!("“{text}”有多个同名行政区划，请写全称：{}", names.join("、")),
                    format!("several divisions are called “{text}”; write the full name: {}", names.join(", ")),
                ))
            }
        }
    }
}

impl fmt::Debug for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.name())
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// The suffixes a division's name may be written without.
const SUFFIXES: [&str; 12] =
    ["特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "省", "市", "区", "县", "旗", "盟"];

fn strip_suffix(name: &str) -> String {
    SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s).filter(|rest| rest.chars().count() >= 2))
        .unwrap_or(name)
        .to_owned()
}

/// Divisions whose name (as `key` spells it) ends `text` after an optional chain of the names above them,
/// each written in full or left out: `天津市和平区`, `和平区`, `江苏省苏州市虎丘区`, `苏州市虎丘区`.
fn lookup(text: &str, key: impl Fn(Division) -> String) -> Vec<Division> {
    static BY_TAIL: LazyLock<HashMap<char, Vec<Division>>> = LazyLock::new(|| {
        let mut by_last: HashMap<char, Vec<Division>> = HashMap::new();
        for d in Division::all() {
            for name in [d.name().to_owned(), strip_suffix(d.name())] {
                if let Some(c) = name.chars().last() {
                    let list = by_last.entry(c).or_default();
                    if list.last() != Some(&d) {
                        list.push(d);
                    }
                }
            }
        }
        by_last
    });
    let Some(last) = text.chars().last() else { return Vec::new() };
    BY_TAIL
        .get(&last)
        .into_iter()
        .flatten()
        .copied()
        .filter(|d| {
            let own = key(*d);
            text.strip_suffix(own.as_str()).is_some_and(|above| written_above(above, *d))
        })
        .collect()
}

/// Whether `above` is the names of some of `d`'s ancestors in order (province first), each whole.
fn written_above(above: &str, d: Division) -> bool {
    let mut rest = above;
    let mut chain: Vec<&str> = d.with_ancestors().skip(1).map(Division::name).collect();
    chain.reverse();
    for name in chain {
        if let Some(r) = rest.strip_prefix(name) {
            rest = r;
        }
    }
    rest.is_empty()
}

/// The area a deployment serves: a province-level division (天津市) or a prefecture-level city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomeArea(Division);

impl Default for HomeArea {
    /// 天津市, whose sixteen districts the platform has served from the start.
    fn default() -> Self {
        Self(Division(120_000))
    }
}

impl HomeArea {
    /// # Errors
    /// A county-level division: a home area is a province or a city, whose districts the forms offer.
    pub fn new(division: Division) -> Result<Self, ValueError> {
        if division.level() == Level::County {
            return Err(ValueError::worded(
                format!("本平台服务的地区须为省级或地级行政区，“{}”是县级行政区", division.full_name()),
                format!(
                    "the area served must be a province or a city; “{}” is a county-level division",
                    division.full_name()
                ),
            ));
        }
        Ok(Self(division))
    }

    /// Reads a code or a name (`120000`, `天津市`, `江苏省苏州市`).
    ///
    /// # Errors
    /// What [`Division::resolve`] and [`HomeArea::new`] refuse.
    pub fn parse(text: &str) -> Result<Self, ValueError> {
        Self::new(Division::resolve(text, &Self::default())?)
    }

    #[must_use]
    pub const fn division(self) -> Division {
        self.0
    }

    /// The county-level divisions a firm of this area may be registered in: the choices of every form.
    #[must_use]
    pub fn districts(self) -> Vec<District> {
        self.0.counties().into_iter().map(District).collect()
    }

    /// What 全市 / 本市 means: the home division when it is a city or a municipality (a province-level
    /// division with no cities below it).
    #[must_use]
    pub fn city(self) -> Option<Division> {
        let municipality =
            self.0.level() == Level::Province && self.0.children().iter().all(|c| c.level() == Level::County);
        (self.0.level() == Level::City || municipality).then_some(self.0)
    }

    /// What 本省 means: the province the home area lies in.
    #[must_use]
    pub fn province(self) -> Division {
        self.0.with_ancestors().last().unwrap_or(self.0)
    }
}

/// A county-level division: where a firm is registered.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct District(Division);

/// The machine names the first deployment used for Tianjin's districts, read for ever (records, files and
/// links written before districts became division codes) and never written.
const LEGACY_TIANJIN: [(&str, u32); 16] = [
    ("heping", 120_101),
    ("hedong", 120_102),
    ("hexi", 120_103),
    ("nankai", 120_104),
    ("hebei", 120_105),
    ("hongqiao", 120_106),
    ("dongli", 120_110),
    ("xiqing", 120_111),
    ("jinnan", 120_112),
    ("beichen", 120_113),
    ("wuqing", 120_114),
    ("baodi", 120_115),
    ("binhai", 120_116),
    ("ninghe", 120_117),
    ("jinghai", 120_118),
    ("jizhou", 120_119),
];

impl District {
    /// # Errors
    /// A division above county level.
    pub fn new(division: Division) -> Result<Self, ValueError> {
        if division.level() == Level::County {
            Ok(Self(division))
        } else {
            Err(ValueError::worded(
                format!("“{}”不是区县级行政区，企业所在地须写到区县", division.full_name()),
                format!("“{}” is not a county-level division: name the district or county", division.full_name()),
            ))
        }
    }

    /// Reads a code, a name (resolved from `home`) or one of the first deployment's machine names (`binhai`).
    ///
    /// # Errors
    /// What [`Division::resolve`] refuses, or a division above county level.
    pub fn parse(text: &str, home: &HomeArea) -> Result<Self, ValueError> {
        if let Some((_, code)) = LEGACY_TIANJIN.iter().find(|(name, _)| *name == text.trim()) {
            return Ok(Self(Division(*code)));
        }
        Self::new(Division::resolve(text, home)?)
    }

    /// Reads a code, a first-deployment machine name, or a name as seen from the home area of
    /// [`HomeArea::reading`] (a name several divisions share is refused outside it): how data that carries
    /// districts (JSON bodies, stored profiles) is read.
    ///
    /// # Errors
    /// As [`Self::parse`].
    pub fn parse_in_scope(text: &str) -> Result<Self, ValueError> {
        if let Some((_, code)) = LEGACY_TIANJIN.iter().find(|(name, _)| *name == text.trim()) {
            return Ok(Self(Division(*code)));
        }
        let division = match READING_HOME.with(Cell::get) {
            Some(home) => Division::resolve(text, &home)?,
            None => Division::resolve_anywhere(text)?,
        };
        Self::new(division)
    }

    #[must_use]
    pub const fn division(self) -> Division {
        self.0
    }

    /// The 6-digit code as text: the stored, exported and API form.
    #[must_use]
    pub fn code(self) -> String {
        self.0.to_string()
    }

    /// The official name (`滨海新区`).
    #[must_use]
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The name without its 区 / 新区 / 县 suffix, as people say it: 滨海, 和平.
    #[must_use]
    pub fn short_zh(self) -> String {
        strip_suffix(self.name())
    }
}

impl fmt::Debug for District {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for District {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

thread_local! {
    /// The home area names in deserialized data are read from ([`HomeArea::reading`]).
    static READING_HOME: Cell<Option<HomeArea>> = const { Cell::new(None) };
}

impl HomeArea {
    /// Runs `read` with district names in deserialized data (a JSON body's `"district": "和平区"`) read as
    /// seen from this home area. Serde has no context to pass, so the home rides on the thread for the
    /// duration of `read`; outside it, codes and the first deployment's machine names still read, and a
    /// name several divisions share is refused.
    pub fn reading<R>(self, read: impl FnOnce() -> R) -> R {
        let before = READING_HOME.with(|h| h.replace(Some(self)));
        let out = read();
        READING_HOME.with(|h| h.set(before));
        out
    }
}

impl Serialize for Division {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Division {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(d)?;
        Self::parse_code(&text).map_err(|e| serde::de::Error::custom(format!("{} / {e}", e.message_zh())))
    }
}

/// A district is written as its code; it reads codes, the first deployment's machine names (`binhai`) and
/// names ([`District::parse_in_scope`]).
impl Serialize for District {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for District {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(d)?;
        Self::parse_in_scope(&text).map_err(|e| serde::de::Error::custom(format!("{} / {e}", e.message_zh())))
    }
}

/// What a product serves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "AreaJson", try_from = "AreaJson")]
pub enum ServiceArea {
    /// The page does not say (未说明): matching asks the firm to confirm with the lender.
    NotStated,
    /// 全国.
    Nationwide,
    /// These divisions, of any level; never empty, sorted by code, none within another listed one.
    Within(Vec<Division>),
}

impl ServiceArea {
    /// The area of these divisions, normalised (a division within another listed one adds nothing).
    ///
    /// # Errors
    /// An empty list.
    /// Every division all of whose children are listed stands for them (the sixteen districts of 天津市 are
    /// 天津市): the same area, written the one way.
    ///
    /// # Errors
    /// An empty list.
    pub fn within(mut divisions: Vec<Division>) -> Result<Self, ValueError> {
        divisions.sort_unstable();
        divisions.dedup();
        let mut kept: Vec<Division> = divisions
            .iter()
            .copied()
            .filter(|d| !divisions.iter().any(|other| other != d && other.contains(*d)))
            .collect();
        loop {
            let mut parents: Vec<Division> = kept.iter().filter_map(|d| d.parent()).collect();
            parents.dedup();
            parents.sort_unstable();
            parents.dedup();
            let whole: Vec<Division> = parents
                .into_iter()
                .filter(|p| kept.iter().filter(|d| d.parent() == Some(*p)).count() == child_count(*p))
                .collect();
            if whole.is_empty() {
                break;
            }
            kept.retain(|d| !d.parent().is_some_and(|p| whole.contains(&p)));
            kept.extend(whole);
            kept.sort_unstable();
        }
        if kept.is_empty() { Err(ValueError::Empty) } else { Ok(Self::Within(kept)) }
    }

    /// The divisions listed (none for 全国 and 未说明).
    #[must_use]
    pub fn divisions(&self) -> &[Division] {
        match self {
            Self::Within(list) => list,
            Self::NotStated | Self::Nationwide => &[],
        }
    }

    /// Whether a firm in `district` is served: `None` when the area is not stated.
    #[must_use]
    pub fn covers(&self, district: District) -> Option<bool> {
        match self {
            Self::NotStated => None,
            Self::Nationwide => Some(true),
            Self::Within(list) => Some(list.iter().any(|d| d.contains(district.division()))),
        }
    }

    /// Whether the whole home area is served (全市 for 天津).
    #[must_use]
    pub fn covers_home(&self, home: &HomeArea) -> bool {
        match self {
            Self::NotStated => false,
            Self::Nationwide => true,
            Self::Within(list) => list.iter().any(|d| d.contains(home.division())),
        }
    }

    /// The home area's districts this area serves, by code (all of them for a nationwide product).
    #[must_use]
    pub fn home_districts(&self, home: &HomeArea) -> Vec<District> {
        home.districts().into_iter().filter(|d| self.covers(*d) == Some(true)).collect()
    }

    /// The one text form, used by import cells and the store: `全国`; division codes separated by `|`;
    /// empty for 未说明.
    #[must_use]
    pub fn to_cell(&self) -> String {
        match self {
            Self::NotStated => String::new(),
            Self::Nationwide => NATIONWIDE.to_owned(),
            Self::Within(list) => list.iter().map(ToString::to_string).collect::<Vec<_>>().join("|"),
        }
    }

    /// Reads an area as people write it: empty or `未说明` (not stated), `全国`, `全市` / `本市` (the home
    /// city), `本省` (the home province), and names or codes of divisions separated by `|`, `、`, `，`, `,`
    /// or `；` (`天津市和平区|河西区`, `江苏省苏州市`, `120116`); the first deployment's district machine names
    /// (`binhai`) and `all` (全市) still read. Every part that cannot be read is reported at once.
    ///
    /// # Errors
    /// Each part no division has, each ambiguous name, 全市 where the home area is not a city, 全国 beside
    /// other parts.
    pub fn from_cell(text: &str, home: &HomeArea) -> Result<Self, ValueError> {
        let text = text.trim();
        if text.is_empty() || text == NOT_STATED {
            return Ok(Self::NotStated);
        }
        let parts: Vec<&str> =
            text.split(['|', '、', '，', ',', '；', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.iter().any(|p| matches!(*p, NATIONWIDE | "nationwide")) {
            return if parts.len() == 1 {
                Ok(Self::Nationwide)
            } else {
                Err(ValueError::worded(
                    "“全国”不能与其他地区同时填写",
                    "“全国” (nationwide) cannot be written with other areas",
                ))
            };
        }
        let mut divisions = Vec::new();
        let mut problems: Vec<ValueError> = Vec::new();
        for part in parts {
            let read = match part {
                "全市" | "本市" | "all" => home.city().ok_or_else(|| {
                    let home = home.division().full_name();
                    ValueError::worded(
                        format!("“{part}”只在本平台服务一个城市时可用；本平台服务{home}，请写出城市名称"),
                        format!("“{part}” means the whole city only where the platform serves one city; it serves {home}: name the city"),
                    )
                }),
                "本省" => Ok(home.province()),
                other => match LEGACY_TIANJIN.iter().find(|(name, _)| *name == other) {
                    Some((_, code)) => Ok(Division(*code)),
                    None => Division::resolve(other, home),
                },
            };
            match read {
                Ok(d) => divisions.push(d),
                Err(e) => problems.push(e),
            }
        }
        match problems.as_slice() {
            [] => Self::within(divisions),
            [one] => Err(one.clone()),
            many => Err(ValueError::worded(
                many.iter().map(ValueError::message_zh).collect::<Vec<_>>().join("；"),
                many.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            )),
        }
    }

    /// In Chinese, as seen from `home`: `全国`, `天津市全市`, `和平区、河西区`, `江苏省苏州市`, `未说明`.
    #[must_use]
    pub fn describe_zh(&self, home: &HomeArea) -> String {
        match self {
            Self::NotStated => NOT_STATED.to_owned(),
            Self::Nationwide => NATIONWIDE.to_owned(),
            Self::Within(list) => list
                .iter()
                .map(|d| if *d == home.division() { format!("{}全市", d.name()) } else { d.name_from(home) })
                .collect::<Vec<_>>()
                .join("、"),
        }
    }

    /// In English (place names stay Chinese): `Nationwide`, `All of 天津市`, `和平区, 河西区`, `Not stated`.
    #[must_use]
    pub fn describe_en(&self, home: &HomeArea) -> String {
        match self {
            Self::NotStated => "Not stated".to_owned(),
            Self::Nationwide => "Nationwide".to_owned(),
            Self::Within(list) => list
                .iter()
                .map(|d| if *d == home.division() { format!("All of {}", d.name()) } else { d.name_from(home) })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// How many divisions lie directly below `parent`.
fn child_count(parent: Division) -> usize {
    static COUNTS: LazyLock<HashMap<u32, usize>> = LazyLock::new(|| {
        let mut counts = HashMap::new();
        for r in &table::DIVISIONS {
            *counts.entry(r.3).or_default() += 1;
        }
        counts
    });
    COUNTS.get(&parent.code()).copied().unwrap_or_default()
}

/// The JSON form of a [`ServiceArea`]: `{"kind": "nationwide"}`, `{"kind": "not_stated"}`,
/// `{"kind": "within", "divisions": ["120101"]}`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
enum AreaJson {
    NotStated,
    Nationwide,
    Within { divisions: Vec<Division> },
}

impl From<ServiceArea> for AreaJson {
    fn from(area: ServiceArea) -> Self {
        match area {
            ServiceArea::NotStated => Self::NotStated,
            ServiceArea::Nationwide => Self::Nationwide,
            ServiceArea::Within(divisions) => Self::Within { divisions },
        }
    }
}

impl TryFrom<AreaJson> for ServiceArea {
    type Error = ValueError;
    fn try_from(json: AreaJson) -> Result<Self, ValueError> {
        match json {
            AreaJson::NotStated => Ok(Self::NotStated),
            AreaJson::Nationwide => Ok(Self::Nationwide),
            AreaJson::Within { divisions } => Self::within(divisions),
        }
    }
}

const NATIONWIDE: &str = "全国";
const NOT_STATED: &str = "未说明";

#[cfg(test)]
mod tests {
    #[test]
    fn counties_are_those_the_whole_table_gives() {
        use super::{Division, Level, table};
        let all: Vec<Division> = table::DIVISIONS.iter().map(|r| Division(r.0)).collect();
        for division in all.iter().filter(|d| d.level() != Level::County) {
            let whole: Vec<Division> =
                all.iter().copied().filter(|d| d.level() == Level::County && division.contains(*d)).collect();
            assert_eq!(division.counties(), whole, "{}", division.full_name());
        }
        let county = all.iter().find(|d| d.level() == Level::County).copied().expect("a county");
        assert_eq!(county.counties(), vec![county]);
    }

    use super::*;

    fn d(code: u32) -> Division {
        Division::from_code(code).unwrap()
    }

    #[test]
    fn the_national_table_is_whole() {
        let count = |level| Division::all().filter(|d| d.level() == level).count();
        assert_eq!((count(Level::Province), count(Level::City), count(Level::County)), (34, 333, 2846));
        assert_eq!(d(120_116).name(), "滨海新区");
        assert_eq!(d(120_116).parent(), Some(d(120_000)));
        assert_eq!(d(320_505).full_name(), "江苏省苏州市虎丘区");
    }

    #[test]
    fn the_default_home_is_tianjin_with_its_sixteen_districts() {
        let home = HomeArea::default();
        assert_eq!(home.division().name(), "天津市");
        let districts = home.districts();
        assert_eq!(districts.len(), 16);
        assert_eq!(districts[0].name(), "和平区");
        assert_eq!(home.city(), Some(d(120_000)));
        assert_eq!(home.province(), d(120_000));
    }

    #[test]
    fn names_resolve_as_people_write_them() {
        let home = HomeArea::default();
        let r = |t: &str| Division::resolve(t, &home).map(Division::code);
        assert_eq!(r("天津市和平区"), Ok(120_101));
        assert_eq!(r("和平区"), Ok(120_101), "the home area's 和平区, not 沈阳's");
        assert_eq!(r("辽宁省沈阳市和平区"), Ok(210_102));
        assert_eq!(r("沈阳市和平区"), Ok(210_102));
        assert_eq!(r("滨海新区"), Ok(120_116));
        assert_eq!(r("滨海"), Ok(120_116));
        assert_eq!(r("江苏省苏州市"), Ok(320_500));
        assert_eq!(r("苏州市"), Ok(320_500));
        assert_eq!(r("桐乡"), Ok(330_483));
        assert_eq!(r("120116"), Ok(120_116));
        assert!(r("120199").is_err());
        assert!(r("火星市").unwrap_err().message_zh().contains("不是行政区划名称"));
        // 朝阳区 is in 北京 and in 长春; neither is in 天津.
        let e = r("朝阳区").unwrap_err().message_zh();
        assert!(e.contains("北京市朝阳区") && e.contains("吉林省长春市朝阳区"), "{e}");
    }

    #[test]
    fn a_home_elsewhere_changes_what_bare_names_and_all_city_mean() {
        let shenyang = HomeArea::parse("辽宁省沈阳市").unwrap();
        assert_eq!(Division::resolve("和平区", &shenyang).unwrap().code(), 210_102);
        assert_eq!(shenyang.city(), Some(d(210_100)));
        assert_eq!(shenyang.province(), d(210_000));
        let jiangsu = HomeArea::parse("江苏省").unwrap();
        assert_eq!(jiangsu.city(), None);
        assert!(ServiceArea::from_cell("全市", &jiangsu).is_err());
        assert!(HomeArea::parse("和平区").is_err(), "a home area is not a county");
    }

    #[test]
    fn areas_read_cover_and_print() {
        let home = HomeArea::default();
        let read = |t: &str| ServiceArea::from_cell(t, &home).unwrap();
        assert_eq!(read(""), ServiceArea::NotStated);
        assert_eq!(read("未说明"), ServiceArea::NotStated);
        assert_eq!(read("全国"), ServiceArea::Nationwide);
        assert_eq!(read("全市"), ServiceArea::Within(vec![d(120_000)]));
        assert_eq!(read("all"), read("天津市"));
        assert_eq!(read("和平区、河西区"), read("heping|hexi"));
        assert_eq!(read("天津市|滨海新区"), read("天津市"), "a district within a listed city adds nothing");
        let binhai = District::parse("binhai", &home).unwrap();
        assert_eq!(read("全国").covers(binhai), Some(true));
        assert_eq!(read("").covers(binhai), None);
        assert_eq!(read("和平区").covers(binhai), Some(false));
        assert_eq!(read("江苏省苏州市").covers(binhai), Some(false));
        assert_eq!(read("江苏省苏州市").describe_zh(&home), "江苏省苏州市");
        assert_eq!(read("全市").describe_zh(&home), "天津市全市");
        assert_eq!(read("河西区|和平区").describe_zh(&home), "和平区、河西区");
        assert_eq!(read("河西区|和平区").to_cell(), "120101|120103");
        assert_eq!(read(&read("河西区|和平区").to_cell()), read("和平区|河西区"));
        assert_eq!(read("全市").home_districts(&home).len(), 16);
        let e = ServiceArea::from_cell("和平区|火星市|朝阳区", &home).unwrap_err().message_zh();
        assert!(e.contains("火星市") && e.contains("朝阳区"), "every bad part at once: {e}");
        assert!(ServiceArea::from_cell("全国|天津市", &home).is_err());
    }

    #[test]
    fn districts_are_county_level() {
        let home = HomeArea::default();
        assert_eq!(District::parse("滨海新区", &home).unwrap().code(), "120116");
        assert_eq!(District::parse("binhai", &home).unwrap().short_zh(), "滨海");
        assert_eq!(District::parse("和平区", &home).unwrap().short_zh(), "和平");
        assert!(District::parse("天津市", &home).is_err());
        assert_eq!(District::parse("浙江省嘉兴市桐乡市", &home).unwrap().name(), "桐乡市");
    }

    #[test]
    fn a_whole_set_of_children_is_their_parent() {
        let home = HomeArea::default();
        let sixteen: Vec<Division> = home.districts().iter().map(|d| d.division()).collect();
        assert_eq!(ServiceArea::within(sixteen.clone()), Ok(ServiceArea::Within(vec![d(120_000)])));
        assert_eq!(ServiceArea::within(sixteen[..15].to_vec()).unwrap().divisions().len(), 15);
        assert_eq!(ServiceArea::within(Vec::new()), Err(ValueError::Empty));
    }

    #[test]
    fn json_carries_codes_and_reads_the_first_deployments_names() {
        let area = ServiceArea::from_cell("和平区|江苏省苏州市", &HomeArea::default()).unwrap();
        let json = serde_json::to_value(&area).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "within", "divisions": ["120101", "320500"]}));
        assert_eq!(serde_json::from_value::<ServiceArea>(json).unwrap(), area);
        for a in [ServiceArea::Nationwide, ServiceArea::NotStated] {
            assert_eq!(serde_json::from_value::<ServiceArea>(serde_json::to_value(&a).unwrap()).unwrap(), a);
        }
        let read = |v: &str| serde_json::from_value::<District>(serde_json::json!(v)).map(District::code);
        assert_eq!(serde_json::to_value(District::parse("binhai", &HomeArea::default()).unwrap()).unwrap(), "120116");
        assert_eq!(read("binhai").unwrap(), "120116");
        assert_eq!(read("120116").unwrap(), "120116");
        assert_eq!(read("辽宁省沈阳市和平区").unwrap(), "210102");
        assert!(read("和平区").is_err(), "a shared name is refused where no home area reads it");
        let shenyang = HomeArea::parse("沈阳市").unwrap();
        assert_eq!(shenyang.reading(|| read("和平区")).unwrap(), "210102");
        assert_eq!(HomeArea::default().reading(|| read("和平区")).unwrap(), "120101");
        assert!(read("天津市").is_err(), "a district is county-level");
    }
}
