//! The finmart command line: serve, migrate, import, import-template, reindex, demo, create-account,
//! institution, rates, gen-bench-data, check-record.
//!
//! Everything is here so tests can drive it; `main.rs` only calls [`run`].

pub mod bench;
pub mod check_record;
pub mod connectors;
pub mod demo;
pub mod facts;
pub use demo::accounts as demo_accounts;
pub mod import;
pub mod institutions;
pub mod rates;

use anyhow::Context;
use clap::{Parser, Subcommand};
use finmart_catalogue::sync;
use finmart_domain::{ImportRow, Labelled, StaffAccountInput};
use finmart_store::{INVITE_DAYS, Store, StoreError};
use finmart_web::{Config, Server, open_app, shutdown_signal, telemetry};
use std::path::PathBuf;
use std::sync::Arc;

/// How a command ends the program with an exit code of its own, its report already printed: `main` prints
/// `message` (when there is one) to standard error and exits with `code`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    pub code: u8,
    pub message: String,
}

#[derive(Debug, Parser)]
#[command(name = "finmart", version, about = "Finmart 金融超市: the bank–enterprise financing marketplace")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web site and API.
    Serve(#[command(flatten)] Config),
    /// Load the demo data (fictional institutions and products), then serve.
    Demo(#[command(flatten)] Config),
    /// Apply pending database migrations.
    Migrate(#[command(flatten)] Config),
    /// Rebuild the search index from the database.
    Reindex(#[command(flatten)] Config),
    /// Import products from a JSON, CSV or XLSX file (docs/import-format.md).
    Import {
        /// The file, ending in .json, .csv or .xlsx.
        file: PathBuf,
        #[command(flatten)]
        config: Config,
    },
    /// Write the XLSX product import template (every column, its Chinese name, drop-down lists, a help sheet).
    ImportTemplate {
        /// Where to write it, e.g. products.xlsx.
        out: PathBuf,
    },
    /// Create an operator, institution or guarantee-agency account: how a new deployment gets its first
    /// operator (who then creates the others on the site). Prints an invitation link valid for 7 days, or
    /// sets the password read from standard input with --password-stdin.
    CreateAccount {
        /// `operator`, `institution` (a lender's staff), `agency` (a guarantee agency's staff) or `provider` (a
        /// data provider's staff).
        #[arg(long)]
        role: String,
        /// The sign-in name (an e-mail address or a name of letters, digits, dots and dashes).
        #[arg(long)]
        login: String,
        /// The name shown for the account.
        #[arg(long)]
        name: String,
        /// The institution's code, for roles `institution` and `agency`.
        #[arg(long)]
        institution: Option<String>,
        /// The data provider's code, for role `provider` (`finmart facts providers` lists them).
        #[arg(long)]
        provider: Option<String>,
        /// Read the first password from the first line of standard input instead of printing an invitation.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        config: Config,
    },
    /// Register, edit and list institutions (lenders of every kind and guarantee agencies), as the operator
    /// does on /admin/institutions.
    Institution {
        #[command(subcommand)]
        command: institutions::InstitutionCommand,
    },
    /// Register and list the sources of verified facts, and load the lists departments publish
    /// (docs/facts-format.md).
    Facts {
        #[command(subcommand)]
        command: facts::FactsCommand,
    },
    /// List the reference rates (LPR, PBOC benchmark lending rates) and enter a new publication, as the
    /// operator does on /admin/rates.
    Rates {
        #[command(subcommand)]
        command: rates::RatesCommand,
    },
    /// Generate fictional bench data (institutions, products, SME profiles, applications), then rebuild the
    /// search index.
    /// Re-running with the same numbers and seed rewrites nothing.
    GenBenchData {
        /// How many products.
        #[arg(long)]
        products: usize,
        /// How many SME profiles.
        #[arg(long)]
        smes: usize,
        /// How many financing applications, with their histories over the last 24 months.
        #[arg(long, default_value_t = 0)]
        applications: usize,
        /// The seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        config: Config,
    },
    /// Check every stored application against the lending record's rules, changing nothing; exits 0 when
    /// nothing breaks them, 1 when something does, 2 when the database cannot be read.
    ///
    /// The rules: an approval carries its terms, within the product's limits and the request; payments add up
    /// to no more than the approval, are dated between the approval and the day they were recorded, at the
    /// approved rate and term unless a reason is given; a disbursed application has a payment; a firm has one
    /// open application to a product at a time; the firm's profile as it applied could be true then (no firm
    /// founded after the year its figures cover). Prints the breaches grouped by rule (`--json`: all of them,
    /// with their values). A breach is put right on the site, by a correction with its reason.
    CheckRecord {
        /// Print the whole report as JSON (every breach with its rule's code, sentences and values).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        config: Config,
    },
}

/// Runs the command line.
///
/// # Errors
/// Whatever the command failed with (the message is printed by `main`).
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => serve(config).await,
        Command::Demo(config) => {
            telemetry::init(config.log_json);
            let store = connect(&config).await?;
            let summary = load_demo(&store).await?;
            eprintln!(
                "演示数据已就绪 / demo data ready: {} 家机构新建, {} 个产品新建, {} 个更新, {} 个未变, {} 家企业画像",
                summary.institutions_created,
                summary.created,
                summary.updated,
                summary.unchanged,
                store.count_enterprises(false).await?
            );
            // A history of applications, so the dashboards and inboxes have something to show. Tests load
            // the demo without it (`load_demo`), so their figures are only their own.
            let written = load_demo_history(&store).await?;
            if written > 0 {
                eprintln!("演示融资申请 / demo applications: {written} 笔（近两年，含完整办理记录）");
            }
            eprint!("{}", demo::accounts::describe());
            store.close().await?;
            serve(config).await
        }
        Command::Migrate(config) => {
            telemetry::init(config.log_json);
            let store = connect(&config).await?;
            eprintln!("数据库已是最新结构 / database schema is up to date ({})", store.backend_name());
            Ok(())
        }
        Command::Reindex(config) => {
            telemetry::init(config.log_json);
            let store = connect(&config).await?;
            let n = reindex(&store, &config).await?;
            eprintln!("索引已重建 / index rebuilt: {n} 个已发布产品");
            Ok(())
        }
        Command::GenBenchData { products, smes, applications, seed, config } => {
            telemetry::init(config.log_json);
            let store = connect(&config).await?;
            let s = bench::generate(&store, products, smes, applications, seed, bench::reference_date(), true).await?;
            let started = std::time::Instant::now();
            let n = reindex(&store, &config).await?;
            eprintln!(
                "基准数据已生成 / bench data ready: {} 家机构新建; 产品 新建 {}, 更新 {}, 未变 {} ({:.1}s); \
                 企业画像写入 {} 家, 共 {} 家 ({:.1}s); 核验信息写入 {} 条 ({:.1}s); 融资申请写入 {} 份, 共 {} 份 ({:.1}s); \
                 索引 {n} 个已发布产品 ({:.1}s)",
                s.institutions_created,
                s.products.created,
                s.products.updated,
                s.products.unchanged,
                s.products_time.as_secs_f64(),
                s.profiles_written,
                store.count_enterprises(false).await?,
                s.profiles_time.as_secs_f64(),
                s.facts_written,
                s.facts_time.as_secs_f64(),
                s.applications_written,
                store.count_bench_applications(&bench::applications::key_prefix(seed)).await?,
                s.applications_time.as_secs_f64(),
                started.elapsed().as_secs_f64(),
            );
            Ok(())
        }
        Command::CreateAccount { role, login, name, institution, provider, password_stdin, config } => {
            telemetry::init(config.log_json);
            let store = connect(&config).await?;
            let institution_id = match institution {
                Some(code) => Some(
                    store
                        .institution_by_code(&code)
                        .await?
                        .with_context(|| format!("no institution with code {code}"))?
                        .id,
                ),
                None => None,
            };
            let provider_id = match provider {
                Some(code) => Some(facts::find_provider(&store, &code).await?.id),
                None => None,
            };
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).context("cannot read the password from standard input")?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let input = StaffAccountInput {
                login: &login,
                display_name: &name,
                role: &role,
                institution_id,
                provider_id,
                password: password.as_deref(),
            };
            let event = command_line_act("account.create", "finmart create-account");
            let created = store
                .create_staff_account(&input, event)
                .await
                .map_err(|e| anyhow::anyhow!("账号未创建 / account not created: {}", refusal(e)))?;
            eprintln!("账号已创建 / account created: {} (id {})", created.account.login, created.account.id);
            if let Some(secret) = created.invite {
                println!("/invite/{secret}");
                eprintln!(
                    "把上面的邀请路径（接在网站地址后，{INVITE_DAYS} 天内有效）交给本人设置密码 / hand this path (after the site's address, valid {INVITE_DAYS} days) to the person"
                );
            }
            Ok(())
        }
        Command::Institution { command } => institutions::run(command).await,
        Command::CheckRecord { json, config } => check_record::run(&config, json).await,
        Command::Rates { command } => rates::run(command).await,
        Command::Facts { command } => facts::run(command).await,
        Command::ImportTemplate { out } => {
            let bytes = finmart_sheets::template_xlsx()?;
            std::fs::write(&out, bytes).with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("导入模板已写入 / import template written: {}", out.display());
            Ok(())
        }
        Command::Import { file, config } => {
            telemetry::init(config.log_json);
            let store = connect(&config).await?;
            match import::import_file(&store, &file, &config.home_area, true).await {
                Ok(s) => {
                    eprintln!(
                        "导入完成 / imported: 新建 {} 个产品, 更新 {} 个, 未变 {} 个, 新建 {} 家机构",
                        s.created, s.updated, s.unchanged, s.institutions_created
                    );
                    Ok(())
                }
                Err(import::ImportError::Rejected(errors)) => {
                    eprint!("{}", import::report(&errors));
                    anyhow::bail!("import refused")
                }
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Rows under a header as columns aligned for a terminal (Chinese characters are two columns wide).
fn aligned(header: &[String], rows: &[Vec<String>]) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut widths = vec![0_usize; header.len()];
    for line in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.width());
        }
    }
    let mut out = String::new();
    for line in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let cells: Vec<String> =
            line.iter().zip(&widths).map(|(cell, w)| format!("{cell}{}", " ".repeat(w - cell.width()))).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The operator's act from the command line, for the audit log: nobody signed in, the command named.
fn command_line_act(action: &'static str, via: &str) -> finmart_store::AuditEvent<'static> {
    finmart_store::AuditEvent::anonymous(None, action).detail(serde_json::json!({ "via": via }))
}

/// A store's refusal as the command line reports it: every bad field in the words the site shows beside it,
/// or the reason in Chinese and English.
fn refusal(e: StoreError) -> String {
    match e {
        StoreError::Invalid(errors) => {
            errors.0.iter().map(|f| format!("{}: {}", f.field, f.error.message_zh())).collect::<Vec<_>>().join("; ")
        }
        other => format!("{} / {other}", other.message_zh()),
    }
}

/// The store every command opens, failing as the server does: one line naming the path or the service.
async fn connect(config: &Config) -> anyhow::Result<Store> {
    Ok(finmart_web::open_store(config).await?)
}

/// Rebuilds the search index from the database with a progress bar; returns how many products it indexed.
async fn reindex(store: &Store, config: &Config) -> anyhow::Result<u64> {
    let catalogue = Arc::new(finmart_web::open_catalogue(config)?);
    let bar = import::progress_bar(0, "重建索引", true);
    let tick = bar.clone();
    let n = sync::rebuild(store, &catalogue, &move |done, total| {
        tick.set_length(total);
        tick.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    Ok(n)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    telemetry::init(config.log_json);
    // Answers at once; the matcher and the pool load in the background (`/readyz` shows their progress).
    let state = open_app(config).await?;
    let server = Server::start(state, shutdown_signal()).await?;
    let addr = server.addr;
    let host = if addr.ip().is_unspecified() { "localhost".to_owned() } else { addr.ip().to_string() };
    // One write of the whole line: standard error is unbuffered, so a formatted print goes out piece by piece,
    // and a log line of a task loading in the background once landed inside the address.
    let line = format!("Finmart 已启动，请在浏览器打开 / open in your browser: http://{host}:{}/\n", addr.port());
    std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes())?;
    server.wait().await
}

/// How many applications `finmart demo` generates (with their histories), and from which seed.
const DEMO_APPLICATIONS: usize = 12_000;
const DEMO_APPLICATION_SEED: u64 = 20_261_122;

/// The demo's history of applications over the two years before today, so the dashboards and inboxes have
/// something to show (after [`load_demo`]); returns how many it wrote (none when they are there already).
///
/// # Errors
/// Database failure, or a generated history the store refuses (a defect the tests catch).
pub async fn load_demo_history(store: &Store) -> anyhow::Result<u64> {
    let end = bench::applications::history_end(finmart_domain::shanghai::today());
    bench::applications::generate(store, DEMO_APPLICATIONS, DEMO_APPLICATION_SEED, end, false).await
}

/// Loads the demo catalogue: institutions first (with their introductions), then every product in one
/// import, then the demo's synthetic SME profiles in one bulk insert. Loading twice changes nothing.
///
/// # Errors
/// Database failure or invalid demo data (a defect the demo tests catch).
pub async fn load_demo(store: &Store) -> anyhow::Result<finmart_store::ImportSummary> {
    // Floating rates are written against the LPR the operator's table holds (the migration seeds it).
    let catalogue = demo::demo_catalogue(&store.reference_rates().await?);
    let mut created = 0;
    for entry in &catalogue {
        if store.institution_by_code(&entry.institution.code).await?.is_none() {
            store.create_institution(&entry.institution).await?;
            created += 1;
        }
    }
    let rows: Vec<(usize, ImportRow)> = catalogue
        .iter()
        .flat_map(|entry| {
            entry.products.iter().map(|(state, spec)| ImportRow {
                institution_code: entry.institution.code.clone(),
                new_institution: None,
                state: *state,
                spec: spec.clone(),
            })
        })
        .enumerate()
        .map(|(i, row)| (i + 1, row))
        .collect();
    let mut summary = store.import(&rows, &|| {}).await.map_err(|e| match e {
        finmart_store::StoreError::ImportRejected(errors) => anyhow::anyhow!(import::report(&errors)),
        other => other.into(),
    })?;
    summary.institutions_created = created;
    let enterprises = demo::demo_enterprises();
    store.insert_enterprises(&enterprises).await?;
    // The departments first: the demo's data-provider accounts belong to them.
    demo::facts::ensure(store, &enterprises).await?;
    demo::accounts::ensure(store, &demo::account_firms(&enterprises)).await?;
    demo::contacts::ensure(store, &demo::account_firms(&enterprises)).await?;
    tracing::debug!(kinds = ?catalogue.iter().map(|e| e.institution.kind.as_str()).collect::<Vec<_>>(), "demo loaded");
    Ok(summary)
}
