//! `finmart facts`: the sources of verified facts and the lists departments publish.
//!
//! - `add-provider` registers a department (or the city's credit-sharing platform) for one source, which
//!   decides the fact kinds it may send;
//! - `providers` lists them;
//! - `import --provider CODE FILE` loads a list (名单, XLSX/CSV) or a batch (JSON) as that provider sent it
//!   (docs/facts-format.md): every record is read and checked against the provider's source first, and any
//!   problem anywhere refuses the whole file with every row's reason; otherwise it is stored in one
//!   transaction, with a progress bar. A list loaded again changes nothing; a corrected record replaces its
//!   earlier self.
//! - `pull --provider CODE --inbox DIR` takes the files a department's feed left in a directory
//!   ([`crate::connectors::DirectoryFeed`]): each stored whole or set aside with its reasons (for a timer).

use crate::import::{progress_bar, report};
use crate::{Config, command_line_act, connect};
use anyhow::Context;
use clap::Subcommand;
use finmart_domain::{FactArrival, FactSource, Labelled, validate_fact_rows};
use finmart_sheets::SheetError;
use finmart_store::{DataProvider, FactBatchOutcome, Store};
use finmart_web::telemetry;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum FactsCommand {
    /// Register a data provider for one source.
    AddProvider {
        /// Its fixed key (letters, digits, `-`, `_`, `.`; at most 40).
        #[arg(long)]
        code: String,
        /// Its name (税务局, 信用信息共享平台…).
        #[arg(long)]
        name: String,
        /// `tax`, `social_security`, `housing_fund`, `market_regulation`, `science`, `industry`, `courts` or
        /// `credit_platform` (any kind), or the Chinese name (`税务部门`).
        #[arg(long)]
        source: String,
        #[command(flatten)]
        config: Config,
    },
    /// List the data providers with their sources and the kinds they may send.
    Providers {
        #[command(flatten)]
        config: Config,
    },
    /// Load a list or batch file (.xlsx, .csv or .json; docs/facts-format.md) as a provider sent it.
    Import {
        /// The provider's code.
        #[arg(long)]
        provider: String,
        /// The file.
        file: PathBuf,
        #[command(flatten)]
        config: Config,
    },
    /// Take the deliveries a provider's feed left in a directory: each file stored whole and moved to
    /// `done/`, or moved to `refused/` with a `.errors.txt` of every row's reason.
    Pull {
        /// The provider's code.
        #[arg(long)]
        provider: String,
        /// The directory the feed writes to.
        #[arg(long)]
        inbox: PathBuf,
        #[command(flatten)]
        config: Config,
    },
}

/// Runs one facts command.
///
/// # Errors
/// A refusal (a bad or taken code, an unknown source, no such provider, a file with wrong rows) or a
/// database failure.
pub async fn run(command: FactsCommand) -> anyhow::Result<()> {
    match command {
        FactsCommand::AddProvider { code, name, source, config } => {
            let source = FactSource::parse(source.trim()).map_err(|e| anyhow::anyhow!("{}", e))?;
            let store = open(&config).await?;
            let provider = store
                .create_data_provider(
                    &code,
                    &name,
                    source,
                    &command_line_act("data_provider.create", "finmart facts add-provider"),
                )
                .await
                .map_err(|e| anyhow::anyhow!("数据源未登记 / provider not registered: {}", crate::refusal(e)))?;
            eprintln!(
                "数据源已登记 / provider registered: {} {}（{}）(id {})",
                provider.code,
                provider.name,
                provider.source.label_zh(),
                provider.id
            );
            Ok(())
        }
        FactsCommand::Providers { config } => {
            let store = open(&config).await?;
            let header = ["代码 code", "来源 source", "可报送 kinds", "名称 name"].map(str::to_owned);
            let lines: Vec<Vec<String>> = store
                .data_providers()
                .await?
                .iter()
                .map(|p| {
                    let kinds: Vec<&str> = p.source.kinds().iter().map(|k| k.as_str()).collect();
                    vec![p.code.clone(), p.source.label_zh().to_owned(), kinds.join(","), p.name.clone()]
                })
                .collect();
            print!("{}", crate::aligned(&header, &lines));
            Ok(())
        }
        FactsCommand::Pull { provider, inbox, config } => {
            let store = open(&config).await?;
            let provider = find_provider(&store, &provider).await?;
            let feed = crate::connectors::DirectoryFeed { inbox };
            let taken = crate::connectors::pull(&store, &provider, &feed, finmart_domain::shanghai::today()).await?;
            for (name, taken) in &taken {
                match taken {
                    crate::connectors::Taken::Stored(batch) => eprintln!(
                        "{name}: 已载入 / loaded: 新增 added {}，更正 replaced {}，未变 unchanged {}",
                        batch.outcome.added, batch.outcome.replaced, batch.outcome.unchanged
                    ),
                    crate::connectors::Taken::Refused(rows) => {
                        eprintln!("{name}: 已退回 / refused ({} 处问题 problems), see refused/", rows.len());
                    }
                }
            }
            if taken.is_empty() {
                eprintln!("没有待处理的文件 / nothing waiting");
            }
            Ok(())
        }
        FactsCommand::Import { provider, file, config } => {
            let store = open(&config).await?;
            let outcome = import_file(&store, &provider, &file, true).await?;
            eprintln!(
                "已载入 / loaded: 新增 added {}，更正 replaced {}，未变 unchanged {}",
                outcome.added, outcome.replaced, outcome.unchanged
            );
            Ok(())
        }
    }
}

/// Loads `path` as provider `code` sent it: every record or none.
///
/// # Errors
/// No such provider, an unreadable file, a file of the wrong shape, any wrong record (the report lists every
/// row's reasons), a database failure.
pub async fn import_file(
    store: &Store,
    code: &str,
    path: &Path,
    show_progress: bool,
) -> anyhow::Result<FactBatchOutcome> {
    let provider = &find_provider(store, code).await?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let rows = finmart_sheets::read_fact_records(&path.to_string_lossy(), &bytes).map_err(|e| match e {
        SheetError::Format(message) => anyhow::anyhow!(message),
        SheetError::Rejected(errors) => anyhow::anyhow!(report(&errors)),
    })?;
    let facts = validate_fact_rows(&rows, provider.source, finmart_domain::shanghai::today())
        .map_err(|errors| anyhow::anyhow!(report(&errors)))?;
    let bar = progress_bar(facts.len() as u64, "载入信息", show_progress);
    let tick = bar.clone();
    let event = command_line_act("fact_batch.load", "finmart facts import");
    let batch = store.record_fact_batch(provider, &facts, FactArrival::Upload, &move || tick.inc(1), &event).await?;
    bar.finish_and_clear();
    Ok(batch.outcome)
}

/// The provider registered under `code`.
///
/// # Errors
/// No such provider; database failure.
pub async fn find_provider(store: &Store, code: &str) -> anyhow::Result<DataProvider> {
    store
        .data_providers()
        .await?
        .into_iter()
        .find(|p| p.code == code)
        .with_context(|| format!("没有代码为 {code} 的数据源 / no provider with code {code}"))
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    telemetry::init(config.log_json);
    connect(config).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{FactKind, Uscc};

    const FIRM: &str = "91350100M000100Y43";

    #[tokio::test]
    async fn a_list_loads_whole_or_not_at_all_and_again_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&Store::sqlite_url(dir.path())).await.unwrap();
        let event = command_line_act("data_provider.create", "test");
        store.create_data_provider("tj-industry", "天津市工业和信息化局", FactSource::Industry, &event).await.unwrap();
        let list = dir.path().join("专精特新名单.csv");
        let header = "记录编号,统一社会信用代码,信息类别,取值,证书编号,信息日期,有效期至\n";
        std::fs::write(
            &list,
            format!("{header}ZJ-1,{FIRM},资质认定,专精特新企业,ZJ2025120001,2025-06-30,2028-06-29\n"),
        )
        .unwrap();
        let loaded = import_file(&store, "tj-industry", &list, false).await.unwrap();
        assert_eq!((loaded.added, loaded.unchanged), (1, 0));
        let again = import_file(&store, "tj-industry", &list, false).await.unwrap();
        assert_eq!((again.added, again.unchanged), (0, 1));

        // A second list with one good row and two wrong ones is refused whole, naming each row.
        let wrong = dir.path().join("wrong.csv");
        std::fs::write(
            &wrong,
            format!(
                "{header}ZJ-2,{FIRM},资质认定,小巨人,ZJ2025120002,2025-06-30,2028-06-29\n\
                 ZJ-3,91350100M000100Y44,资质认定,专精特新企业,ZJ2025120003,2025-06-30,2028-06-29\n\
                 T-1,{FIRM},纳税信用等级,A,,2025-12-31,\n"
            ),
        )
        .unwrap();
        let refused = import_file(&store, "tj-industry", &wrong, false).await.unwrap_err().to_string();
        assert!(refused.contains("第 3 行") && refused.contains("uscc"), "{refused}");
        assert!(refused.contains("第 4 行") && refused.contains("kind"), "{refused}");
        let stored = store.facts_of(&Uscc::parse(FIRM).unwrap()).await.unwrap();
        assert_eq!(stored.len(), 1, "nothing of the refused list was stored");
        assert_eq!(stored[0].fact.kind, FactKind::Qualification);
        assert_eq!(stored[0].arrival, FactArrival::Upload);
        assert!(import_file(&store, "nobody", &list, false).await.is_err());
    }
}
