//! sea-orm entities, one per table, kept apart from the mapping to domain types in `crate::products`.

pub mod counter;
pub mod enterprise;
pub mod institution;
pub mod product;
pub mod product_change;
pub mod product_district;
