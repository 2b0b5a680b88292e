//! Finmart's matching (精准匹配): eligibility of an enterprise for each product with explained reasons,
//! comprehensive financing cost, and ranking, in both directions (products for a firm, firms for a
//! product).
//!
//! Empty until the matching issue: it sits above the catalogue and the store in the dependency order
//! (domain ← store, catalogue ← matching ← web), which the workspace already enforces.
