//! Finmart's matching (精准匹配): eligibility of an enterprise for each product with explained reasons,
//! comprehensive financing cost, and ranking, in both directions (products for a firm, firms for a
//! product).
//!
//! - [`checks`] names every check a product makes; [`compiled`] decides them on compact [`facts`];
//!   [`explain`] puts each decision into words.
//! - [`cost`] computes a loan's schedule and effective annual rate; [`policy`] is the one table of which subsidies a
//!   firm receives.
//! - [`rank`] scores eligible products from named, weighted components.
//! - [`engine`] matches one need against the in-memory book of published products; [`reverse`] matches one
//!   product against the pool of firms that consented to be found; [`judge`] judges one product for one
//!   firm (a product page's verdict, an application's check).

pub mod checks;
pub mod compiled;
pub mod cost;
pub mod engine;
pub mod explain;
pub mod facts;
pub mod judge;
pub mod policy;
pub mod rank;
pub mod reverse;
#[cfg(test)]
mod tests;
pub mod verified;

pub use checks::{CheckKind, Checks};
pub use compiled::{AreaCodes, CollateralMask, CompiledProduct, Verdict};
pub use cost::{CostError, Instalment, LoanCost, LoanQuote, loan_cost, loan_cost_at_rate};
pub use engine::{Book, MatchOutcome, MatchRequest, Matcher, Quote, Ranked, ReasonCount, loan_quote};
pub use explain::{Finding, Outcome, Text};
pub use facts::FirmFacts;
pub use judge::{Judgement, Loan, Standing};
pub use policy::{Applicant, Decision, Entitled, POLICY, Subsidies, SubsidyFinding, SubsidyRule, SubsidyTable};
pub use rank::{Components, WEIGHTS, Weights};
pub use reverse::{Candidate, Candidates, PoolEntry, ProfilePool};
pub use verified::Verified;
