//! The operator's figures on verified facts (`/admin/facts`, `GET /api/v1/stats/facts` and its exports): how
//! far the facts reach among the firms on the platform — per kind, per district, per industry, with the
//! expired (需更新) and the conflicting (核验结果不符) — and how fresh each provider's are. Every table is one
//! [`Table`], shown on the page and written by the exports alike.

use super::ProviderView;
use crate::http::error::ApiError;
use crate::http::export::{Cell, Table};
use crate::http::format::{Label, Place, shanghai};
use crate::http::kept::{Computed, Kept};
use crate::http::state::AppState;
use chrono::NaiveDate;
use finmart_domain::{Coverage, FactKind, HomeArea, Industry, Labelled};
use finmart_store::stats::ratio_bps;
use finmart_store::{DataProvider, FactFigures, ProviderFreshness, RequiringProduct};
use std::collections::HashMap;
use std::time::Duration;

/// The tables of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FactsTable {
    ByKind,
    ByDistrict,
    ByIndustry,
    Providers,
    Products,
}

impl FactsTable {
    pub(super) const ALL: [Self; 5] =
        [Self::ByKind, Self::ByDistrict, Self::ByIndustry, Self::Providers, Self::Products];

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::ByKind => "by_kind",
            Self::ByDistrict => "by_district",
            Self::ByIndustry => "by_industry",
            Self::Providers => "providers",
            Self::Products => "products",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text.trim())
    }

    /// The caption (and, shortened, the sheet name).
    pub(super) fn title(self) -> (&'static str, &'static str) {
        match self {
            Self::ByKind => ("按信息类别的核验覆盖", "Coverage by kind of fact"),
            Self::ByDistrict => ("按区的核验覆盖率", "Coverage by district"),
            Self::ByIndustry => ("按行业的核验覆盖率", "Coverage by industry"),
            Self::Providers => ("数据提供方的时效", "Freshness by data provider"),
            Self::Products => ("要求核验信息的产品", "Products requiring verified facts"),
        }
    }
}

/// Everything the tables are made of, read once.
pub(super) struct Figures {
    /// The coverage and the providers' freshness, kept between requests ([`AppState::fact_figures`]): as
    /// computed for the current revisions and day, an older copy while that one is computed, or none yet.
    pub kept: Kept<FiguresKey, FactFigures>,
    pub providers: Vec<DataProvider>,
    /// The published products requiring conditions verified, and the names of their institutions.
    pub requiring: Vec<RequiringProduct>,
    pub institutions: HashMap<i64, String>,
}

/// What the kept figures depend on: every stored firm (the enterprise revision: a batch of facts gives the
/// registered firms it is about a new one), every fact and batch (the facts' own counter), and the day, on
/// which facts expire.
pub(crate) type FiguresKey = (i64, i64, NaiveDate);

impl Figures {
    /// Reads the figures as of today (Shanghai), the coverage and freshness as kept: a request waits for
    /// them to be computed `figures_wait_ms` (the configuration's) before it answers with the older copy,
    /// or 503 `computing` when there is none.
    pub(super) async fn read(state: &AppState) -> Result<Self, ApiError> {
        let today = crate::http::state::today();
        let (firms, facts) = state.store.fact_figures_revision().await?;
        let store = state.store.clone();
        let wait = Duration::from_millis(u64::from(state.config.figures_wait_ms));
        let kept = state
            .fact_figures
            .get((firms, facts, today), wait, move || async move { Ok(store.fact_figures(today).await?) });
        Ok(Self {
            kept: kept.await?,
            providers: state.store.data_providers().await?,
            requiring: state.store.products_requiring_verified().await?,
            institutions: state.store.institutions().await?.into_iter().map(|i| (i.id, i.name)).collect(),
        })
    }

    /// The figures as computed (maybe for older revisions or day: see [`Self::updating`]).
    ///
    /// # Errors
    /// 503 `computing` while their first computation is under way.
    pub(super) fn computed(&self) -> Result<&Computed<FiguresKey, FactFigures>, ApiError> {
        match &self.kept {
            Kept::Current(c) | Kept::Updating(c) => Ok(c),
            Kept::Computing => Err(ApiError::computing("核验信息统计", "the figures on verified facts")),
        }
    }

    /// Whether the figures shown are an older copy while the current one is computed.
    pub(super) fn updating(&self) -> bool {
        matches!(self.kept, Kept::Updating(_))
    }

    /// One table.
    ///
    /// # Errors
    /// A kept table ([`Self::is_kept`]) while the figures are first computed ([`Self::computed`]).
    pub(super) fn table(&self, name: FactsTable, home: &HomeArea) -> Result<Table, ApiError> {
        let sheet = name.title().0.to_owned();
        Ok(match name {
            FactsTable::ByKind => by_kind(&self.computed()?.value.coverage.all, &self.requiring, sheet),
            FactsTable::ByDistrict => {
                let place = |code: &str| Cell::text(Place::of_stored(code, home).label);
                let groups = self.computed()?.value.coverage.by_district.iter().map(|(c, v)| (place(c), v));
                by_group(("区", "District"), groups, sheet)
            }
            FactsTable::ByIndustry => {
                let industry = |code: &str| match Industry::parse(code) {
                    Ok(i) => Cell::label(i.label_zh(), i.label_en()),
                    Err(_) => Cell::text(code),
                };
                let groups = self.computed()?.value.coverage.by_industry.iter().map(|(c, v)| (industry(c), v));
                by_group(("行业", "Industry"), groups, sheet)
            }
            FactsTable::Providers => self.providers_table(&self.computed()?.value.freshness, sheet),
            FactsTable::Products => self.products_table(sheet),
        })
    }

    /// Whether `name` is read from the kept figures (not shown while they are first computed).
    pub(super) fn is_kept(name: FactsTable) -> bool {
        name != FactsTable::Products
    }

    fn institution(&self, id: i64) -> String {
        self.institutions.get(&id).cloned().unwrap_or_default()
    }

    fn products_table(&self, sheet: String) -> Table {
        let headers =
            vec![h("产品", "Product"), h("机构", "Institution"), h("须经核验的条件", "Conditions required verified")];
        let rows = self
            .requiring
            .iter()
            .map(|p| {
                let kinds = p.rules.kinds();
                let zh = kinds.iter().map(|k| k.label_zh()).collect::<Vec<_>>().join("、");
                let en = kinds.iter().map(|k| k.label_en()).collect::<Vec<_>>().join(", ");
                vec![Cell::text(&p.name), Cell::text(self.institution(p.institution_id)), Cell::label(zh, en)]
            })
            .collect();
        Table { sheet, headers, rows }
    }

    fn providers_table(&self, freshness: &[ProviderFreshness], sheet: String) -> Table {
        let headers = vec![
            h("数据提供方", "Data provider"),
            h("数据来源", "Source"),
            h("信息条数", "Facts"),
            h("已过期", "Expired"),
            h("最新信息日期", "Newest fact dated"),
            h("报送批次", "Batches"),
            h("最近报送", "Last batch"),
        ];
        let rows = self
            .providers
            .iter()
            .map(|p| {
                let fresh = freshness.iter().find(|f| f.provider_id == p.id);
                vec![
                    Cell::text(&p.name),
                    Cell::label(p.source.label_zh(), p.source.label_en()),
                    Cell::count(fresh.map_or(0, |f| f.facts)),
                    Cell::count(fresh.map_or(0, |f| f.expired)),
                    fresh.and_then(|f| f.newest_as_of).map_or(Cell::Empty, Cell::Date),
                    Cell::count(fresh.map_or(0, |f| f.batches)),
                    fresh.and_then(|f| f.last_batch_at).map_or(Cell::Empty, |at| Cell::text(shanghai(at))),
                ]
            })
            .collect();
        Table { sheet, headers, rows }
    }
}

fn h(zh: &str, en: &str) -> (String, String) {
    (zh.to_owned(), en.to_owned())
}

/// How many of `requiring` require a condition that facts of `kind` verify.
fn requiring_kind(requiring: &[RequiringProduct], kind: FactKind) -> u64 {
    requiring.iter().filter(|p| p.rules.kinds().iter().any(|r| r.fact_kind() == Some(kind))).count() as u64
}

/// One row per kind: the firms with it verified (and their share of all firms), expired only, in conflict,
/// and the published products that require it.
fn by_kind(all: &Coverage, requiring: &[RequiringProduct], sheet: String) -> Table {
    let headers = vec![
        h("信息类别", "Kind of fact"),
        h("已核验企业", "Firms verified"),
        h("覆盖率（%）", "Coverage (%)"),
        h("需更新企业", "Firms needing an update"),
        h("核验结果不符企业", "Firms whose verified value differs"),
        h("要求核验的在架产品", "Published products requiring it"),
    ];
    let rows = all
        .kinds
        .iter()
        .map(|(kind, c)| {
            vec![
                Cell::label(kind.label_zh(), kind.label_en()),
                Cell::count(c.verified),
                Cell::percent(ratio_bps(c.verified, all.firms)),
                Cell::count(c.expired),
                Cell::count(c.conflicts),
                Cell::count(requiring_kind(requiring, *kind)),
            ]
        })
        .collect();
    Table { sheet, headers, rows }
}

/// One row per group: its firms, then each kind's coverage among them (%).
fn by_group<'a>(first: (&str, &str), groups: impl Iterator<Item = (Cell, &'a Coverage)>, sheet: String) -> Table {
    let mut headers = vec![h(first.0, first.1), h("企业数", "Firms")];
    headers.extend(FactKind::ALL.iter().map(|k| (format!("{}（%）", k.label_zh()), format!("{} (%)", k.label_en()))));
    let rows = groups
        .map(|(name, c)| {
            let mut row = vec![name, Cell::count(c.firms)];
            row.extend(c.kinds.iter().map(|(_, k)| Cell::percent(ratio_bps(k.verified, c.firms))));
            row
        })
        .collect();
    Table { sheet, headers, rows }
}

/// The coverage of one kind among a group's firms.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct KindCoverageView {
    pub kind: Label,
    /// Firms with a current fact of the kind.
    pub verified: u64,
    /// `verified / firms` in basis points; `None` for a group without firms.
    pub coverage_bps: Option<u32>,
    /// Firms whose facts of the kind have all expired (需更新).
    pub expired: u64,
    /// Firms whose verified value differs from their declaration (核验结果不符).
    pub conflicts: u64,
    /// Published products requiring a condition this kind verifies (in the platform's row; 0 in a district's
    /// or an industry's).
    pub products_requiring: u64,
}

/// A published product requiring conditions verified.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RequiringProductView {
    pub id: i64,
    pub name: String,
    pub institution: String,
    /// The conditions it requires verified.
    pub rules: Vec<Label>,
}

/// A group's firms and each kind's coverage among them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GroupCoverageView {
    /// The district's division code, or the industry's machine name.
    pub code: String,
    pub label: String,
    pub label_en: String,
    pub firms: u64,
    pub kinds: Vec<KindCoverageView>,
}

/// How current one provider's facts are.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FreshnessView {
    pub provider: ProviderView,
    pub facts: u64,
    pub expired: u64,
    pub newest_as_of: Option<chrono::NaiveDate>,
    pub batches: u64,
    /// RFC 3339 (UTC).
    pub last_batch_at: Option<String>,
}

/// The figures on verified facts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FactFiguresView {
    /// When the figures (all but `products`) were computed, RFC 3339 (UTC): they are kept between requests
    /// and computed again after any change of the firms, their facts or the batches, and each day.
    pub computed_at: String,
    /// The figures are an older copy: a newer one is being computed (ask again in a few seconds).
    pub updating: bool,
    /// Every firm stored on the platform (registered or loaded).
    pub firms: u64,
    pub kinds: Vec<KindCoverageView>,
    pub districts: Vec<GroupCoverageView>,
    pub industries: Vec<GroupCoverageView>,
    pub providers: Vec<FreshnessView>,
    /// The published products that require conditions verified.
    pub products: Vec<RequiringProductView>,
}

fn kinds_view(c: &Coverage, requiring: &[RequiringProduct]) -> Vec<KindCoverageView> {
    c.kinds
        .iter()
        .map(|(kind, k)| KindCoverageView {
            kind: Label::of(*kind),
            verified: k.verified,
            coverage_bps: ratio_bps(k.verified, c.firms),
            expired: k.expired,
            conflicts: k.conflicts,
            products_requiring: requiring_kind(requiring, *kind),
        })
        .collect()
}

impl Figures {
    /// The figures as the API returns them.
    ///
    /// # Errors
    /// 503 `computing` while the figures are first computed.
    pub(super) fn view(&self, home: &HomeArea) -> Result<FactFiguresView, ApiError> {
        let computed = self.computed()?;
        let coverage = &computed.value.coverage;
        let group = |code: &String, label: String, label_en: String, c: &Coverage| GroupCoverageView {
            code: code.clone(),
            label,
            label_en,
            firms: c.firms,
            kinds: kinds_view(c, &[]),
        };
        Ok(FactFiguresView {
            computed_at: computed.at.to_rfc3339(),
            updating: self.updating(),
            firms: coverage.all.firms,
            kinds: kinds_view(&coverage.all, &self.requiring),
            districts: coverage
                .by_district
                .iter()
                .map(|(code, c)| {
                    let place = Place::of_stored(code, home);
                    group(code, place.label, place.label_en, c)
                })
                .collect(),
            industries: coverage
                .by_industry
                .iter()
                .map(|(code, c)| {
                    let (zh, en) = Industry::parse(code).map_or_else(
                        |_| (code.clone(), code.clone()),
                        |i| (i.label_zh().to_owned(), i.label_en().to_owned()),
                    );
                    group(code, zh, en, c)
                })
                .collect(),
            providers: self
                .providers
                .iter()
                .map(|p| {
                    let fresh = computed.value.freshness.iter().find(|f| f.provider_id == p.id);
                    FreshnessView {
                        provider: ProviderView::from(p),
                        facts: fresh.map_or(0, |f| f.facts),
                        expired: fresh.map_or(0, |f| f.expired),
                        newest_as_of: fresh.and_then(|f| f.newest_as_of),
                        batches: fresh.map_or(0, |f| f.batches),
                        last_batch_at: fresh.and_then(|f| f.last_batch_at).map(|at| at.to_rfc3339()),
                    }
                })
                .collect(),
            products: self
                .requiring
                .iter()
                .map(|p| RequiringProductView {
                    id: p.id,
                    name: p.name.clone(),
                    institution: self.institution(p.institution_id),
                    rules: Label::all(p.rules.kinds()),
                })
                .collect(),
        })
    }
}
