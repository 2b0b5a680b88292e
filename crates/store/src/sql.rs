//! Raw SQL for the figures that sea-orm's query builder cannot express (grouping sets, dates by time zone):
//! placeholders in the backend's style, and the values bound to them.

use sea_orm::{DbBackend, Statement, Value};

/// A statement being built: each [`Sql::bind`] adds a value and returns its placeholder.
pub(crate) struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    pub(crate) fn new(backend: DbBackend) -> Self {
        Self { backend, values: Vec::new() }
    }

    pub(crate) fn backend(&self) -> DbBackend {
        self.backend
    }

    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    /// `column` for ordering by code point (PostgreSQL's default collation may be a locale's).
    pub(crate) fn code_point_order(&self, column: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!("{column} COLLATE \"C\""),
            _ => column.to_owned(),
        }
    }

    pub(crate) fn statement(self, text: String) -> Statement {
        Statement::from_sql_and_values(self.backend, text, self.values)
    }
}
