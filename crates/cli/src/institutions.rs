//! `finmart institution add|edit|list`: the operator's management of institutions from the command line,
//! with the same rules, refusals and audit entries as the site's `/admin/institutions` (the store checks
//! and records them).

use crate::{Config, command_line_act as audit_event, connect, refusal};
use anyhow::Context;
use clap::{ArgGroup, Subcommand};
use finmart_domain::{InstitutionEdit, InstitutionInput, Labelled};
use finmart_store::{InstitutionSummary, Store};
use finmart_web::telemetry;

#[derive(Debug, Subcommand)]
pub enum InstitutionCommand {
    /// Register an institution of any kind, before products or accounts name it.
    Add {
        /// Its fixed key (letters, digits, `-`, `_`, `.`; at most 40): import files name it by this code.
        #[arg(long)]
        code: String,
        /// Its name (at most 100 characters).
        #[arg(long)]
        name: String,
        /// `bank`, `micro_credit`, `leasing`, `insurer`, `guarantee_agency`, `factoring`, `other`, or the
        /// Chinese label (`商业保理公司`).
        #[arg(long)]
        kind: String,
        /// An introduction (at most 2,000 characters).
        #[arg(long, default_value = "")]
        intro: String,
        #[command(flatten)]
        config: Config,
    },
    /// Change an institution's name, kind or introduction (its code stays); what is not given stays too.
    #[command(group(ArgGroup::new("change").required(true).multiple(true).args(["name", "kind", "intro"])))]
    Edit {
        /// The institution's code.
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: Option<String>,
        /// A guarantee agency that backs products or has accounts stays one; so does a lender that lists
        /// products or has accounts.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        intro: Option<String>,
        #[command(flatten)]
        config: Config,
    },
    /// List every institution with its kind and how many products it lists and backs.
    List {
        #[command(flatten)]
        config: Config,
    },
}

/// Runs one institution command.
///
/// # Errors
/// A refusal (every bad field, a taken code, a kind the institution may not take, no such code) or a
/// database failure.
pub async fn run(command: InstitutionCommand) -> anyhow::Result<()> {
    match command {
        InstitutionCommand::Add { code, name, kind, intro, config } => {
            let store = open(&config).await?;
            let input = InstitutionInput { code: &code, name: &name, kind: &kind, intro: &intro };
            let event = audit_event("institution.create", "finmart institution add");
            let created = store
                .add_institution(&input, event)
                .await
                .map_err(|e| anyhow::anyhow!("机构未登记 / institution not registered: {}", refusal(e)))?;
            eprintln!(
                "机构已登记 / institution registered: {} {}（{}）(id {})",
                created.code,
                created.name,
                created.kind.label_zh(),
                created.id
            );
            Ok(())
        }
        InstitutionCommand::Edit { code, name, kind, intro, config } => {
            let store = open(&config).await?;
            let current =
                store.institution_by_code(&code).await?.with_context(|| format!("no institution with code {code}"))?;
            // What is not given stays as it is.
            let edit = InstitutionEdit {
                name: name.as_deref().unwrap_or(&current.name),
                kind: kind.as_deref().unwrap_or(current.kind.as_str()),
                intro: intro.as_deref().unwrap_or(&current.intro),
            };
            let event = audit_event("institution.edit", "finmart institution edit");
            let edited = store
                .edit_institution(current.id, &edit, event)
                .await
                .map_err(|e| anyhow::anyhow!("机构未修改 / institution not changed: {}", refusal(e)))?;
            eprintln!("机构已保存 / institution saved: {} {}（{}）", edited.code, edited.name, edited.kind.label_zh());
            Ok(())
        }
        InstitutionCommand::List { config } => {
            let store = open(&config).await?;
            print!("{}", table(&store.institution_summaries().await?));
            Ok(())
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    telemetry::init(config.log_json);
    connect(config).await
}

/// The institutions as a table of aligned columns (Chinese characters are two columns wide).
fn table(rows: &[InstitutionSummary]) -> String {
    let header = ["代码 code", "类型 kind", "产品 products", "担保 backs", "名称 name"].map(str::to_owned);
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|s| {
            let i = &s.institution;
            vec![
                i.code.clone(),
                i.kind.label_zh().to_owned(),
                s.products.to_string(),
                s.guaranteed.to_string(),
                // A suspended institution says so after its name, with the operator's reason.
                match &s.suspension {
                    Some(suspended) => format!("{}（已暂停 suspended: {}）", i.name, suspended.reason),
                    None => i.name.clone(),
                },
            ]
        })
        .collect();
    crate::aligned(&header, &lines)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use finmart_domain::{Institution, InstitutionKind};
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn the_table_aligns_wide_characters() {
        let row = |id, code: &str, name: &str, kind, products, guaranteed| InstitutionSummary {
            institution: Institution { id, code: code.into(), name: name.into(), kind, intro: String::new() },
            products,
            guaranteed,
            suspension: None,
        };
        let text = table(&[
            row(1, "jingu-bank", "津沽商业银行", InstitutionKind::Bank, 12, 0),
            row(2, "tj-factor", "津港商业保理有限公司", InstitutionKind::Factoring, 0, 0),
            row(3, "jinmen-guarantee", "津门融资担保", InstitutionKind::GuaranteeAgency, 0, 7),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        // Every row's name starts in the same display column.
        let name_at = |line: &str| line[..line.rfind("  ").unwrap() + 2].width();
        assert!(lines.iter().all(|l| name_at(l) == name_at(lines[0])), "{text}");
        assert!(lines[2].starts_with("tj-factor") && lines[2].contains("商业保理公司"), "{text}");
        assert!(lines[3].contains(" 7 "), "{text}");
    }
}
