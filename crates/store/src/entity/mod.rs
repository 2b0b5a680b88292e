//! sea-orm entities, one per table, kept apart from the mapping to domain types in `crate::products`.

pub mod account;
pub mod api_token;
pub mod application;
pub mod application_event;
pub mod audit_log;
pub mod consent;
pub mod counter;
pub mod disbursement;
pub mod enterprise;
pub mod favourite;
pub mod financing_need;
pub mod institution;
pub mod institution_suspension;
pub mod login_failure;
pub mod notification;
pub mod offer;
pub mod product;
pub mod product_change;
pub mod product_district;
pub mod product_review;
pub mod product_version;
pub mod profile_view;
pub mod reference_rate;
pub mod search_log;
pub mod session;
pub mod uptake_target;
