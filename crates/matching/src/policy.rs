//! The subsidy policy: which firms qualify for the interest subsidy (财政贴息) and the guarantee-fee subsidy
//! (担保费补贴) that a product is eligible for, and how much they receive.
//!
//! A product only says that it carries a subsidy (its policy support); the terms belong to the programme,
//! so they live here, in one table, where the operator's settings will later replace the defaults. The
//! defaults follow the common shape of Tianjin's programmes: subsidies go to 小微企业 and to
//! technology-based firms, the interest subsidy is half the rate up to 1.5 percentage points, and the
//! guarantee-fee subsidy is half the fee (the 降费奖补 aim of keeping a small firm's fee near 1 %).

use crate::compiled::CompiledProduct;
use crate::facts::{FirmFacts, mask};
use finmart_domain::{PolicySupport, Qualification};

/// The programme terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubsidyPolicy {
    /// Share of the loan rate paid back, in basis points of the rate (5000 = half).
    pub interest_share: u32,
    /// The most the interest subsidy pays, in annual basis points.
    pub interest_cap: u32,
    /// Share of the guarantee fee paid back (5000 = half).
    pub fee_share: u32,
}

/// The defaults described in the module documentation.
pub const POLICY: SubsidyPolicy = SubsidyPolicy { interest_share: 5000, interest_cap: 150, fee_share: 5000 };

/// Qualifications that make a firm "technology-based" for the interest subsidy whatever its size.
const TECH_QUALIFICATIONS: &[Qualification] = &[
    Qualification::TechSme,
    Qualification::HighTech,
    Qualification::Specialised,
    Qualification::LittleGiant,
    Qualification::Gazelle,
    Qualification::Fledgling,
];

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

impl SubsidyPolicy {
    /// Whether the firm qualifies for the interest subsidy: 小微 or technology-based.
    #[must_use]
    pub fn interest_qualifies(&self, firm: &FirmFacts) -> bool {
        firm.is_small_or_micro() || firm.qualifications & mask(TECH_QUALIFICATIONS) != 0
    }

    /// Whether the firm qualifies for the guarantee-fee subsidy: 小微 only.
    #[must_use]
    pub fn fee_qualifies(&self, firm: &FirmFacts) -> bool {
        firm.is_small_or_micro()
    }

    /// Which subsidies `firm` receives on `product`.
    #[must_use]
    pub fn entitled(&self, product: &CompiledProduct, firm: &FirmFacts) -> Entitled {
        self.entitled_if(product, self.interest_qualifies(firm), self.fee_qualifies(firm))
    }

    /// Which subsidies a firm that qualifies as stated receives on `product`.
    #[must_use]
    pub fn entitled_if(&self, product: &CompiledProduct, interest_ok: bool, fee_ok: bool) -> Entitled {
        Entitled {
            interest: product.has_policy(PolicySupport::InterestSubsidy) && interest_ok,
            fee: product.guaranteed && product.has_policy(PolicySupport::GuaranteeFeeSubsidy) && fee_ok,
        }
    }

    /// What `firm` receives on `product` at the product's rate `rate` (a stated one: a product that does not
    /// state its rate has no quote, so nothing to subsidise).
    #[must_use]
    pub fn subsidies(&self, product: &CompiledProduct, firm: &FirmFacts, rate: u32) -> Subsidies {
        self.subsidies_if(product, self.interest_qualifies(firm), self.fee_qualifies(firm), rate)
    }

    /// What a firm that qualifies as stated receives on `product` at `rate` (for a calculator that has no
    /// profile, only the firm's word that it is 小微).
    #[must_use]
    pub fn subsidies_if(&self, product: &CompiledProduct, interest_ok: bool, fee_ok: bool, rate: u32) -> Subsidies {
        let entitled = self.entitled_if(product, interest_ok, fee_ok);
        let interest = if entitled.interest { (rate * self.interest_share / 10_000).min(self.interest_cap) } else { 0 };
        let fee = match product.fee_min {
            Some(fee) if entitled.fee => fee * self.fee_share / 10_000,
            _ => 0,
        };
        Subsidies { interest, fee }
    }
}
