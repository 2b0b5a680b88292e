//! The verified facts of generated firms: the departments registered as data providers (names marked 演示),
//! and the facts they would have sent about part of the firms ([`finmart_synth::fact_records`]: some
//! conflicting with what the firm declared, some out of date), stored as a department feed delivers them.
//! Used by the demo and by `gen-bench-data`. Storing twice changes nothing.

use crate::demo::ENTERPRISE_SEED;
use chrono::NaiveDate;
use finmart_domain::{EnterpriseProfile, FactArrival, FactRecord, FactSource, validate_fact_rows};
use finmart_store::{AuditEvent, DataProvider, Store};

/// The generated data's providers: (code, name, source).
pub const PROVIDERS: [(&str, &str, FactSource); 5] = [
    ("tj-tax", "国家税务总局天津市税务局（演示）", FactSource::Tax),
    ("tj-hrss", "天津市人力资源和社会保障局（演示）", FactSource::SocialSecurity),
    ("tj-market", "天津市市场监督管理委员会（演示）", FactSource::MarketRegulation),
    ("tj-science", "天津市科学技术局（演示）", FactSource::Science),
    ("tj-industry", "天津市工业和信息化局（演示）", FactSource::Industry),
];

/// The providers of [`PROVIDERS`], registering those that are missing.
///
/// # Errors
/// Database failure.
pub async fn ensure_providers(store: &Store) -> anyhow::Result<Vec<DataProvider>> {
    let known = store.data_providers().await?;
    let mut providers = Vec::new();
    for (code, name, source) in PROVIDERS {
        let provider = match known.iter().find(|p| p.code == code) {
            Some(p) => p.clone(),
            None => store.create_data_provider(code, name, source, &AuditEvent::anonymous(None, "demo")).await?,
        };
        providers.push(provider);
    }
    Ok(providers)
}

/// Stores what `providers` would have sent about `firms` (each with its index among the firms generated from
/// `seed`), dated relative to `today`: one transaction per provider. Returns how many facts were added or
/// replaced; `on_fact` is called once per fact stored.
///
/// # Errors
/// Database failure, or generated records the domain refuses (a defect the tests catch).
pub async fn store_generated<'a>(
    store: &Store,
    providers: &[DataProvider],
    firms: impl IntoIterator<Item = (usize, &'a EnterpriseProfile)>,
    seed: u64,
    today: NaiveDate,
    on_fact: &(dyn Fn() + Send + Sync),
) -> anyhow::Result<usize> {
    let mut by_source: Vec<Vec<(usize, FactRecord)>> = vec![Vec::new(); providers.len()];
    for (index, profile) in firms {
        for (source, record) in finmart_synth::fact_records(profile, seed, index, today) {
            if let Some(at) = providers.iter().position(|p| p.source == source) {
                let row = by_source[at].len() + 1;
                by_source[at].push((row, record));
            }
        }
    }
    let mut changed = 0;
    for (records, provider) in by_source.iter().zip(providers) {
        if records.is_empty() {
            continue;
        }
        let facts = validate_fact_rows(records, provider.source, today)
            .map_err(|errors| anyhow::anyhow!("generated facts refused: {errors:?}"))?;
        let outcome = store.save_facts(provider, &facts, FactArrival::Connector, on_fact).await?;
        changed += outcome.added + outcome.replaced;
    }
    Ok(changed)
}

/// The demo's facts: the providers, and their facts about the demo firms (`enterprises`, in
/// [`crate::demo::demo_enterprises`]' order) dated from today. Returns how many facts were added or replaced.
///
/// # Errors
/// As [`store_generated`].
pub async fn ensure(store: &Store, enterprises: &[(EnterpriseProfile, bool)]) -> anyhow::Result<usize> {
    let providers = ensure_providers(store).await?;
    let today = finmart_domain::shanghai::today();
    let firms = enterprises.iter().map(|(p, _)| p).enumerate();
    store_generated(store, &providers, firms, ENTERPRISE_SEED, today, &|| {}).await
}
