//! The demo's verified facts: the departments registered as data providers (names marked 演示), and the
//! facts they would have sent about part of the demo firms ([`finmart_synth::fact_records`]: some conflicting
//! with what the firm declared, some out of date), as a department feed would deliver them. Loading twice
//! changes nothing; loading on a later day sends the later day's records.

use crate::demo::ENTERPRISE_SEED;
use finmart_domain::{
    EnterpriseProfile, FactArrival, FactRecord, FactSource, MAX_FACT_BATCH_ROWS, validate_fact_batch,
};
use finmart_store::{DataProvider, Store};

/// The demo's providers: (code, name, source).
pub const PROVIDERS: [(&str, &str, FactSource); 5] = [
    ("tj-tax", "国家税务总局天津市税务局（演示）", FactSource::Tax),
    ("tj-hrss", "天津市人力资源和社会保障局（演示）", FactSource::SocialSecurity),
    ("tj-market", "天津市市场监督管理委员会（演示）", FactSource::MarketRegulation),
    ("tj-science", "天津市科学技术局（演示）", FactSource::Science),
    ("tj-industry", "天津市工业和信息化局（演示）", FactSource::Industry),
];

/// Registers the demo providers that are missing and stores their facts about the demo firms (`enterprises`,
/// in [`crate::demo::demo_enterprises`]' order), dated from
/// today. Returns how many facts were added or replaced.
///
/// # Errors
/// Database failure, or generated records the domain refuses (a defect the tests catch).
pub async fn ensure(store: &Store, enterprises: &[(EnterpriseProfile, bool)]) -> anyhow::Result<usize> {
    let today = finmart_domain::shanghai::today();
    let known = store.data_providers().await?;
    let mut providers: Vec<DataProvider> = Vec::new();
    for (code, name, source) in PROVIDERS {
        let provider = match known.iter().find(|p| p.code == code) {
            Some(p) => p.clone(),
            None => store.create_data_provider(code, name, source).await?,
        };
        providers.push(provider);
    }
    let mut by_source: Vec<(FactSource, Vec<FactRecord>)> = PROVIDERS.iter().map(|p| (p.2, Vec::new())).collect();
    for (index, (profile, _)) in enterprises.iter().enumerate() {
        for (source, record) in finmart_synth::fact_records(profile, ENTERPRISE_SEED, index, today) {
            if let Some((_, records)) = by_source.iter_mut().find(|(s, _)| *s == source) {
                records.push(record);
            }
        }
    }
    let mut changed = 0;
    for ((_, records), provider) in by_source.iter().zip(&providers) {
        for batch in records.chunks(MAX_FACT_BATCH_ROWS) {
            let facts = validate_fact_batch(batch, provider.source, today)
                .map_err(|errors| anyhow::anyhow!("demo facts refused: {errors:?}"))?;
            let outcome = store.save_facts(provider, &facts, FactArrival::Connector).await?;
            changed += outcome.added + outcome.replaced;
        }
    }
    Ok(changed)
}
