//! Districts become GB/T 2260 division codes, so a product may serve any province, city or county and a
//! firm may be registered anywhere.
//!
//! Every column that held one of the first deployment's sixteen Tianjin machine names (`heping` … `binhai`)
//! now holds the district's 6-digit code (`120101` … `120119`): `product_district.district`,
//! `enterprise.district`, `application.district` and `application_event.district` (the copy the uptake
//! figures group by). `product_district` also holds `nationwide` for a product serving 全国, and no row at all
//! for one whose area its page does not state (未说明).
//!
//! Existing products keep exactly their areas: a product that listed all sixteen districts served the whole
//! city, and is stored as the one code of 天津市 (`120000`), as the domain writes a whole set of districts
//! (the area is the same; pages now say 天津市全市). Other products keep their districts, as codes.
//!
//! JSON kept as written is not rewritten: the profiles in `enterprise.profile` and `application.profile`
//! and the import records of `product_version.record` and `product_review.record` read the old names (and
//! `all` for the whole of 天津市) for ever. Both backends run the same statements.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The first deployment's machine names and their codes.
const TIANJIN: [(&str, &str); 16] = [
    ("heping", "120101"),
    ("hedong", "120102"),
    ("hexi", "120103"),
    ("nankai", "120104"),
    ("hebei", "120105"),
    ("hongqiao", "120106"),
    ("dongli", "120110"),
    ("xiqing", "120111"),
    ("jinnan", "120112"),
    ("beichen", "120113"),
    ("wuqing", "120114"),
    ("baodi", "120115"),
    ("binhai", "120116"),
    ("ninghe", "120117"),
    ("jinghai", "120118"),
    ("jizhou", "120119"),
];

/// The tables with a `district` column.
const TABLES: [&str; 4] = ["product_district", "enterprise", "application", "application_event"];

/// `CASE district WHEN 'heping' THEN '120101' … ELSE district END`.
fn to_codes() -> String {
    let whens: String = TIANJIN.iter().map(|(name, code)| format!(" WHEN '{name}' THEN '{code}'")).collect();
    format!("CASE district{whens} ELSE district END")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let names: Vec<String> = TIANJIN.iter().map(|(name, _)| format!("'{name}'")).collect();
        for table in TABLES {
            db.execute_unprepared(&format!(
                "UPDATE {table} SET district = {} WHERE district IN ({})",
                to_codes(),
                names.join(", ")
            ))
            .await?;
        }
        // All sixteen districts are the whole city: one row of 天津市's code instead.
        let codes: Vec<String> = TIANJIN.iter().map(|(_, code)| format!("'{code}'")).collect();
        let codes = codes.join(", ");
        db.execute_unprepared(&format!(
            "INSERT INTO product_district (product_id, district) SELECT product_id, '120000' FROM product_district \
             WHERE district IN ({codes}) GROUP BY product_id HAVING COUNT(*) = {}",
            TIANJIN.len()
        ))
        .await?;
        db.execute_unprepared(&format!(
            "DELETE FROM product_district WHERE district IN ({codes}) AND product_id IN \
             (SELECT product_id FROM product_district WHERE district = '120000')"
        ))
        .await?;
        Ok(())
    }
}
