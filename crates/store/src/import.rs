//! Importing validated product rows: all or nothing, upserting by (institution code, product code).
//!
//! Row validation (formats, ranges, vocabularies) is the domain's [`finmart_domain::ProductRecord`]; this
//! module adds what needs the database: does the institution exist (or does the file create it), does the
//! guarantee agency exist and is it one, and is any product listed twice in the same file.

use crate::entity::institution;
use crate::institutions::insert;
use crate::mapping::institution_from_row;
use crate::products::save;
use crate::{SaveOutcome, Store, StoreError};
use finmart_domain::{ImportRow, Institution, InstitutionKind, Labelled, NewInstitution};
use sea_orm::EntityTrait;
use serde::Serialize;
use std::collections::HashMap;

/// One problem with one row of an import file (the domain's type, re-exported as `finmart_store::RowError`).
pub use finmart_domain::RowError;

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub institutions_created: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// The institutions a file creates, by code, and the problems found.
struct Plan {
    new_institutions: Vec<NewInstitution>,
    errors: Vec<RowError>,
}

fn plan(rows: &[(usize, ImportRow)], existing: &HashMap<String, Institution>) -> Plan {
    let mut errors = Vec::new();
    let mut declared: HashMap<&str, (usize, &str, InstitutionKind)> = HashMap::new();
    let mut new_institutions = Vec::new();
    for (row, r) in rows {
        let Some((name, kind)) = &r.new_institution else { continue };
        if existing.contains_key(&r.institution_code) {
            continue;
        }
        match declared.get(r.institution_code.as_str()) {
            None => {
                declared.insert(&r.institution_code, (*row, name, *kind));
                new_institutions.push(NewInstitution {
                    code: r.institution_code.clone(),
                    name: name.clone(),
                    kind: *kind,
                    intro: String::new(),
                });
            }
            Some((first, first_name, first_kind)) if (*first_name, *first_kind) != (name.as_str(), *kind) => {
                errors.push(RowError::new(
                    *row,
                    "institution_name",
                    format!("与第 {first} 行对同一机构代码给出的名称或类型不一致"),
                    format!("name or kind differs from row {first} for the same institution code"),
                ));
            }
            Some(_) => {}
        }
    }
    let kind_of =
        |code: &str| existing.get(code).map(|i| i.kind).or_else(|| declared.get(code).map(|(_, _, kind)| *kind));
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (row, r) in rows {
        if kind_of(&r.institution_code).is_none() {
            errors.push(RowError::new(
                *row,
                "institution_code",
                format!(
                    "未知的机构代码“{}”；新机构须同时填写 institution_name 与 institution_kind",
                    r.institution_code
                ),
                format!(
                    "unknown institution `{}`; give institution_name and institution_kind to create it",
                    r.institution_code
                ),
            ));
        }
        if let Some(g) = &r.spec.guarantee {
            match kind_of(&g.agency_code) {
                Some(InstitutionKind::GuaranteeAgency) => {}
                Some(kind) => errors.push(RowError::new(
                    *row,
                    "guarantee_agency_code",
                    format!("“{}”是{}，不是融资担保机构", g.agency_code, kind.label_zh()),
                    format!("`{}` is a {}, not a guarantee agency", g.agency_code, kind.label_en()),
                )),
                None => errors.push(RowError::new(
                    *row,
                    "guarantee_agency_code",
                    format!("未知的担保机构代码“{}”", g.agency_code),
                    format!("unknown guarantee agency `{}`", g.agency_code),
                )),
            }
        }
        let key = (r.institution_code.as_str(), r.spec.code.as_str());
        if let Some(first) = seen.insert(key, *row) {
            errors.push(RowError::new(
                *row,
                "code",
                format!("产品代码“{}”与第 {first} 行重复", r.spec.code),
                format!("product code `{}` repeats row {first}", r.spec.code),
            ));
        }
    }
    Plan { new_institutions, errors }
}

impl Store {
    async fn institutions_by_code(
        &self,
        db: &impl sea_orm::ConnectionTrait,
    ) -> Result<HashMap<String, Institution>, StoreError> {
        institution::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|row| institution_from_row(row).map(|i| (i.code.clone(), i)))
            .collect()
    }

    /// The problems an import of `rows` would meet in the database, without writing anything.
    ///
    /// # Errors
    /// Database failure.
    pub async fn check_import(&self, rows: &[(usize, ImportRow)]) -> Result<Vec<RowError>, StoreError> {
        let existing = self.institutions_by_code(&self.db).await?;
        Ok(plan(rows, &existing).errors)
    }

    /// Imports `rows` in one transaction: every row or none. `on_row` is called after each row is written
    /// (for a progress bar).
    ///
    /// # Errors
    /// [`StoreError::ImportRejected`] with every problem when any row cannot be imported; database failure.
    pub async fn import(
        &self,
        rows: &[(usize, ImportRow)],
        on_row: &(dyn Fn() + Send + Sync),
    ) -> Result<ImportSummary, StoreError> {
        let txn = self.write_txn().await?;
        let existing = self.institutions_by_code(&txn).await?;
        let plan = plan(rows, &existing);
        if !plan.errors.is_empty() {
            return Err(StoreError::ImportRejected(plan.errors));
        }
        let mut summary = ImportSummary::default();
        let mut ids: HashMap<String, i64> = existing.into_iter().map(|(code, i)| (code, i.id)).collect();
        for new in &plan.new_institutions {
            let created = insert(&txn, new).await?;
            ids.insert(created.code, created.id);
            summary.institutions_created += 1;
        }
        for (row, r) in rows {
            let institution_id = ids.get(&r.institution_code).copied().ok_or_else(|| {
                StoreError::ImportRejected(vec![RowError::new(
                    *row,
                    "institution_code",
                    "未知的机构代码",
                    "unknown institution",
                )])
            })?;
            match save(&txn, institution_id, r.state, &r.spec).await? {
                SaveOutcome::Created(_) => summary.created += 1,
                SaveOutcome::Updated(_) => summary.updated += 1,
                SaveOutcome::Unchanged(_) => summary.unchanged += 1,
            }
            on_row();
        }
        txn.commit().await?;
        if summary.created + summary.updated > 0 {
            self.announce_change();
        }
        Ok(summary)
    }
}
