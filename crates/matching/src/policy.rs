//! The subsidy table: who receives the interest subsidy (财政贴息) and the guarantee-fee subsidy (担保费补贴)
//! on a product that carries them, and how much.
//!
//! A product only says that it carries a subsidy (its policy support); the terms belong to the programme,
//! so they live here, in one table ([`POLICY`]) that matching, reverse matching, the cost of an offer, the
//! calculator, the explanations and the documentation (`docs/subsidies.md`, compared with this table by a
//! test) all read. Each row says the product policy the subsidy needs, the enterprise scales it admits, a
//! qualification it may ask for and how much it pays. The defaults follow Tianjin's programmes for 小微企业:
//! only small and micro firms receive either subsidy, whatever qualifications they hold; the interest
//! subsidy is half the rate up to 1.5 percentage points, the guarantee-fee subsidy half the fee (the 降费奖补
//! aim of keeping a small firm's fee near 1 %). A firm whose scale cannot be derived (its industry measures
//! total assets and it has not given them) is admitted by no row: never a subsidy on a guess.
//!
//! 纳入风险补偿资金池 (risk compensation) is not in the table: the fund covers part of the lender's losses and
//! pays the firm nothing, so it changes no quote. Ranking counts it as a merit of the product for any firm
//! ([`crate::rank::policy_component`]).

use crate::compiled::CompiledProduct;
use crate::explain::Text;
use crate::facts::{FirmFacts, bit, mask};
use finmart_domain::{EnterpriseScale, Labelled, PolicySupport, Qualification};

/// One row of the table: one subsidy, whom it is for and how much it pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubsidyRule {
    /// The product's policy support that carries the subsidy; its label is the subsidy's name.
    pub policy: PolicySupport,
    /// The enterprise scales it admits. A firm of another scale, or of a scale not known, is not admitted.
    pub scales: &'static [EnterpriseScale],
    /// Qualifications of which the firm must hold one; empty when it asks none.
    pub qualifications_any: &'static [Qualification],
    /// Only on a loan a guarantee agency backs: there is a fee to pay back.
    pub guaranteed_only: bool,
    /// Share of the loan's rate (or the guarantee fee's rate) paid back, in basis points of it (5000 = half).
    pub share: u32,
    /// The most it pays, in annual basis points; `None` when only the share limits it.
    pub cap: Option<u32>,
}

/// The whole table: one row per subsidy a product can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubsidyTable {
    /// 财政贴息: paid back on the loan's interest.
    pub interest: SubsidyRule,
    /// 担保费补贴: paid back on the guarantee fee.
    pub fee: SubsidyRule,
}

/// The table in force (see the module documentation).
pub const POLICY: SubsidyTable = SubsidyTable {
    interest: SubsidyRule {
        policy: PolicySupport::InterestSubsidy,
        scales: &[EnterpriseScale::Small, EnterpriseScale::Micro],
        qualifications_any: &[],
        guaranteed_only: false,
        share: 5000,
        cap: Some(150),
    },
    fee: SubsidyRule {
        policy: PolicySupport::GuaranteeFeeSubsidy,
        scales: &[EnterpriseScale::Small, EnterpriseScale::Micro],
        qualifications_any: &[],
        guaranteed_only: true,
        share: 5000,
        cap: None,
    },
};

/// What the table reads of a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applicant {
    /// The scales the firm may be, as bits: one when its profile classifies it, none when it cannot be
    /// classified, several when the firm only says it is one of them (the calculator's box). A row admits
    /// the firm only when it admits every scale the firm may be.
    pub scales: u32,
    /// Its qualifications as bits; `None` when not known (the calculator asks for none).
    pub qualifications: Option<u32>,
}

impl Applicant {
    /// A firm whose profile is known.
    #[must_use]
    pub fn of(firm: &FirmFacts) -> Self {
        Self { scales: firm.scale, qualifications: Some(firm.qualifications) }
    }

    /// A firm that says only that it is one of `scales` (a calculator's question), nothing of its
    /// qualifications. No scales: a firm that says nothing, which no row admits.
    #[must_use]
    pub fn claiming(scales: &[EnterpriseScale]) -> Self {
        Self { scales: mask(scales), qualifications: None }
    }
}

/// How one row decides for one firm on one product that carries the subsidy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Entitled,
    /// The firm's scale is not known (or it said several, not all admitted): never a subsidy on a guess.
    ScaleUnknown,
    /// The firm's scale is not among those admitted.
    ScaleNotAdmitted,
    /// The row asks for a qualification the firm does not hold (or did not say).
    QualificationLacking,
    /// A fee subsidy on a loan no guarantee agency backs: there is no fee.
    NotGuaranteed,
}

impl SubsidyRule {
    /// Whether `product` carries this subsidy (it states the policy support): `None` when it does not, else
    /// how the row decides for `firm`.
    #[must_use]
    pub fn decide(&self, product: &CompiledProduct, firm: &Applicant) -> Option<Decision> {
        if !product.has_policy(self.policy) {
            return None;
        }
        let admitted = mask(self.scales);
        Some(if self.guaranteed_only && !product.guaranteed {
            Decision::NotGuaranteed
        } else if firm.scales & !admitted != 0 && firm.scales.count_ones() == 1 {
            Decision::ScaleNotAdmitted
        } else if firm.scales == 0 || firm.scales & !admitted != 0 {
            Decision::ScaleUnknown
        } else if !self.qualifications_any.is_empty()
            && firm.qualifications.is_none_or(|q| q & mask(self.qualifications_any) == 0)
        {
            Decision::QualificationLacking
        } else {
            Decision::Entitled
        })
    }

    /// Whether `firm` receives this subsidy on `product`.
    #[must_use]
    pub fn entitles(&self, product: &CompiledProduct, firm: &Applicant) -> bool {
        self.decide(product, firm) == Some(Decision::Entitled)
    }

    /// What it pays on a rate of `rate` annual basis points: the share, within the cap.
    #[must_use]
    pub fn amount(&self, rate: u32) -> u32 {
        let paid = rate * self.share / 10_000;
        self.cap.map_or(paid, |cap| paid.min(cap))
    }

    /// The subsidy's name: 财政贴息, 担保费补贴.
    #[must_use]
    pub fn name(&self) -> Text {
        Text { zh: self.policy.label_zh().to_owned(), en: self.policy.label_en().to_owned() }
    }

    /// The scales admitted, in words: 小型企业、微型企业 / small or micro.
    #[must_use]
    pub fn scales_text(&self) -> Text {
        scales_text(self.scales)
    }

    /// The qualification asked for, in words; 无 / none.
    #[must_use]
    pub fn qualifications_text(&self) -> Text {
        if self.qualifications_any.is_empty() {
            return Text { zh: "无".to_owned(), en: "none".to_owned() };
        }
        let en: Vec<&str> = self.qualifications_any.iter().map(|q| q.label_en()).collect();
        Text {
            zh: format!("具有{}资质之一", finmart_domain::join_zh(self.qualifications_any)),
            en: format!("one of: {}", en.join(", ")),
        }
    }

    /// What the loan must have besides the policy, in words; 无 / none.
    #[must_use]
    pub fn loan_text(&self) -> Text {
        if self.guaranteed_only {
            Text {
                zh: "贷款由融资担保机构担保".to_owned(), en: "a guarantee agency backs the loan".to_owned()
            }
        } else {
            Text { zh: "无".to_owned(), en: "none".to_owned() }
        }
    }

    /// How much it pays, in words: 贷款年利率的 50%，每年最多 1.5 个百分点.
    #[must_use]
    pub fn amount_text(&self) -> Text {
        let of = if self.guaranteed_only {
            ("担保费率", "the guarantee fee rate")
        } else {
            ("贷款年利率", "the loan's rate")
        };
        let share = percent(self.share);
        match self.cap {
            Some(cap) => Text {
                zh: format!("{}的 {share}，每年最多 {} 个百分点", of.0, points(cap)),
                en: format!("{share} of {}, at most {} percentage points a year", of.1, points(cap)),
            },
            None => Text { zh: format!("{}的 {share}", of.0), en: format!("{share} of {}", of.1) },
        }
    }

    /// Who receives it, in one sentence for a page: 财政贴息：限小型企业、微型企业；补贴贷款年利率的 50%，….
    #[must_use]
    pub fn who_text(&self) -> Text {
        let (name, scales, amount) = (self.name(), self.scales_text(), self.amount_text());
        let (mut zh, mut en) =
            (format!("{}：限{}", name.zh, scales.zh), format!("{}: {} firms only", name.en, scales.en));
        if !self.qualifications_any.is_empty() {
            let q = self.qualifications_text();
            zh.push_str(&format!("，且{}", q.zh));
            en.push_str(&format!(", holding {}", q.en));
        }
        if self.guaranteed_only {
            let l = self.loan_text();
            zh.push_str(&format!("，{}", l.zh));
            en.push_str(&format!(", when {}", l.en));
        }
        Text { zh: format!("{zh}；补贴{}", amount.zh), en: format!("{en}; {}", amount.en) }
    }
}

fn scales_text(scales: &[EnterpriseScale]) -> Text {
    let en: Vec<&str> = scales.iter().map(|s| s.label_en()).collect();
    Text { zh: finmart_domain::join_zh(scales), en: en.join(" or ").to_lowercase() }
}

/// Basis points as a percent: 5000 → 50%.
fn percent(bps: u32) -> String {
    finmart_domain::Bps::new(bps).map_or_else(|_| format!("{bps}BP"), finmart_domain::Bps::percent_text)
}

/// Basis points as percentage points: 150 → 1.5.
fn points(bps: u32) -> String {
    percent(bps).trim_end_matches('%').to_owned()
}

/// The subsidies one firm receives on one product, as annual basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Subsidies {
    pub interest: u32,
    pub fee: u32,
}

/// Which subsidies one firm receives on one product, whatever the rate: the product carries them and the
/// firm qualifies. How much they pay depends on the rate ([`Subsidies`]); whether they are paid does not,
/// so a product that does not state its rate still shows the help a firm gets on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Entitled {
    pub interest: bool,
    pub fee: bool,
}

/// One subsidy a product carries, for one firm, in words: whether the firm receives it and why (not).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubsidyFinding {
    /// The policy support's code: `interest_subsidy`, `guarantee_fee_subsidy`.
    pub code: &'static str,
    pub label: Text,
    pub entitled: bool,
    /// "可享受财政贴息（限小型企业、微型企业，贵企业为小型企业）", "财政贴息限小型企业、微型企业，贵企业为中型企业，不能享受".
    pub message: Text,
}

impl SubsidyTable {
    /// The rows, interest first.
    #[must_use]
    pub const fn rows(&self) -> [&SubsidyRule; 2] {
        [&self.interest, &self.fee]
    }

    /// Which subsidies `firm` receives on `product`.
    #[must_use]
    pub fn entitled(&self, product: &CompiledProduct, firm: &FirmFacts) -> Entitled {
        self.entitled_for(product, &Applicant::of(firm))
    }

    /// Which subsidies `firm` receives on `product`.
    #[must_use]
    pub fn entitled_for(&self, product: &CompiledProduct, firm: &Applicant) -> Entitled {
        Entitled { interest: self.interest.entitles(product, firm), fee: self.fee.entitles(product, firm) }
    }

    /// What `firm` receives on `product` at the product's rate `rate` (a stated one: a product that does not
    /// state its rate has no quote, so nothing to subsidise).
    #[must_use]
    pub fn subsidies(&self, product: &CompiledProduct, firm: &FirmFacts, rate: u32) -> Subsidies {
        self.subsidies_for(product, &Applicant::of(firm), rate)
    }

    /// What `firm` receives on `product` at `rate`; the fee subsidy on the product's lowest stated fee.
    #[must_use]
    pub fn subsidies_for(&self, product: &CompiledProduct, firm: &Applicant, rate: u32) -> Subsidies {
        let entitled = self.entitled_for(product, firm);
        let interest = if entitled.interest { self.interest.amount(rate) } else { 0 };
        let fee = match product.fee_min {
            Some(fee) if entitled.fee => self.fee.amount(fee),
            _ => 0,
        };
        Subsidies { interest, fee }
    }

    /// Whether `product` carries a subsidy some firm can receive (the calculator offers its box then).
    #[must_use]
    pub fn offered_on(&self, product: &CompiledProduct) -> bool {
        self.rows().iter().any(|row| {
            row.decide(product, &Applicant::claiming(row.scales)).is_some_and(|d| d != Decision::NotGuaranteed)
        })
    }

    /// The scales every row admits: what a calculator's single box ("小型企业、微型企业享受补贴") claims, so
    /// that a firm ticking it is admitted by each row's scale (a test holds it non-empty).
    #[must_use]
    pub fn scales_every_row_admits(&self) -> Vec<EnterpriseScale> {
        self.interest.scales.iter().copied().filter(|s| self.rows().iter().all(|r| r.scales.contains(s))).collect()
    }

    /// The scales the calculator's box claims, in words: 小型企业、微型企业 / small or micro.
    #[must_use]
    pub fn claimed_scales_text(&self) -> Text {
        scales_text(&self.scales_every_row_admits())
    }

    /// The calculator's box, in words: 小型企业、微型企业享受补贴 / Small or micro firm: take the subsidies.
    #[must_use]
    pub fn claim_text(&self) -> Text {
        let scales = self.claimed_scales_text();
        let mut en = scales.en;
        if let Some(first) = en.get(..1) {
            en = format!("{}{}", first.to_uppercase(), &en[1..]);
        }
        Text { zh: format!("{}享受补贴", scales.zh), en: format!("{en} firm: take the subsidies") }
    }

    /// Each subsidy `product` carries, and whether `firm` (its profile) receives it, in words.
    #[must_use]
    pub fn findings(&self, product: &CompiledProduct, firm: &FirmFacts) -> Vec<SubsidyFinding> {
        let applicant = Applicant::of(firm);
        let scale = EnterpriseScale::ALL.iter().copied().find(|s| bit(*s) == firm.scale);
        self.rows()
            .into_iter()
            .filter_map(|row| row.decide(product, &applicant).map(|d| (row, d)))
            .map(|(row, decision)| finding(row, decision, scale))
            .collect()
    }
}

fn finding(row: &SubsidyRule, decision: Decision, scale: Option<EnterpriseScale>) -> SubsidyFinding {
    let (name, scales) = (row.name(), row.scales_text());
    let yours = scale.map_or(("未知", "unknown"), |s| (s.label_zh(), s.label_en()));
    let message = match decision {
        Decision::Entitled => Text {
            zh: format!("可享受{}（限{}，贵企业为{}）", name.zh, scales.zh, yours.0),
            en: format!(
                "You receive the {} ({} firms only; yours is {})",
                name.en.to_lowercase(),
                scales.en,
                yours.1.to_lowercase()
            ),
        },
        Decision::ScaleNotAdmitted => Text {
            zh: format!("{}限{}，贵企业为{}，不能享受", name.zh, scales.zh, yours.0),
            en: format!(
                "The {} is for {} firms only; yours is {}",
                name.en.to_lowercase(),
                scales.en,
                yours.1.to_lowercase()
            ),
        },
        Decision::ScaleUnknown => Text {
            zh: format!("{}限{}；贵企业规模无法确定（请补充资产总额），暂不计入", name.zh, scales.zh),
            en: format!(
                "The {} is for {} firms only; your scale is not known (add your total assets), so it is not counted",
                name.en.to_lowercase(),
                scales.en
            ),
        },
        Decision::QualificationLacking => {
            let q = row.qualifications_text();
            Text {
                zh: format!("{}限{}的企业，贵企业暂无，不能享受", name.zh, q.zh),
                en: format!("The {} asks for {}; you hold none", name.en.to_lowercase(), q.en),
            }
        }
        Decision::NotGuaranteed => Text {
            zh: format!("本产品没有融资担保机构担保，无担保费可补贴，{}不适用", name.zh),
            en: format!(
                "No guarantee agency backs this loan, so there is no fee: the {} does not apply",
                name.en.to_lowercase()
            ),
        },
    };
    SubsidyFinding { code: row.policy.as_str(), label: name, entitled: decision == Decision::Entitled, message }
}

/// The table as `docs/subsidies.md` shows it (a test compares the two).
#[must_use]
pub fn documented_table() -> String {
    let mut out = String::from(
        "| 补贴 | 产品须有的政策支持 | 适用企业规模 | 资质条件 | 贷款条件 | 补贴金额 |\n|---|---|---|---|---|---|\n",
    );
    for row in POLICY.rows() {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            row.name().zh,
            row.policy.as_str(),
            row.scales_text().zh,
            row.qualifications_text().zh,
            row.loan_text().zh,
            row.amount_text().zh,
        ));
    }
    out
}

#[cfg(test)]
mod tests;
