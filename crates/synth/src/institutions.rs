//! Fictional institutions for bench data: mostly banks, and some of every other kind.

use crate::words::BRANDS;
use finmart_domain::{InstitutionKind, Labelled, NewInstitution};

/// The kinds in the order they are handed out: any five in a row starting at 0 cover the five kinds bench
/// data has, and every twenty hold 11 banks, 3 guarantee agencies and 2 each of micro-credit, leasing and
/// insurance companies. (Factoring companies and other institutions are left out: adding them would change
/// every generated data set, and no product family is theirs alone.)
const PATTERN: [InstitutionKind; 20] = {
    use InstitutionKind::{Bank as B, GuaranteeAgency as G, Insurer as I, Leasing as L, MicroCredit as M};
    [B, G, M, L, I, B, B, G, B, M, B, L, B, I, B, G, B, B, B, B]
};

/// `count` fictional institutions with codes `bench-bank-01`, `bench-guarantee-01`, …; the same list every
/// call. With five or more every kind of [`PATTERN`] is present.
#[must_use]
pub fn institutions(count: usize) -> Vec<NewInstitution> {
    let mut seen = [0_usize; InstitutionKind::ALL.len()];
    (0..count)
        .map(|i| {
            let kind = PATTERN[i % PATTERN.len()];
            let k = InstitutionKind::ALL.iter().position(|x| *x == kind).unwrap_or(0);
            seen[k] += 1;
            let n = seen[k];
            let mut brand = BRANDS[i % BRANDS.len()].to_owned();
            if i >= BRANDS.len() {
                brand.push_str(&(i / BRANDS.len() + 1).to_string());
            }
            let (tag, name) = match kind {
                InstitutionKind::Bank => ("bank", format!("{brand}银行")),
                InstitutionKind::MicroCredit => ("mc", format!("天津{brand}小额贷款有限公司")),
                InstitutionKind::Leasing => ("leasing", format!("{brand}融资租赁（天津）有限公司")),
                InstitutionKind::Insurer => ("insurer", format!("{brand}财产保险股份有限公司天津分公司")),
                InstitutionKind::GuaranteeAgency => ("guarantee", format!("天津{brand}融资担保有限公司")),
                InstitutionKind::Factoring => ("factoring", format!("{brand}商业保理（天津）有限公司")),
                InstitutionKind::Other => ("other", format!("天津{brand}金融服务有限公司")),
            };
            NewInstitution {
                code: format!("bench-{tag}-{n:02}"),
                name,
                kind,
                intro: format!("用于性能测试的虚构{}。", kind.label_zh()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn unique_valid_codes_and_names_of_every_kind() {
        let all = institutions(130);
        let codes: HashSet<_> = all.iter().map(|i| i.code.clone()).collect();
        let names: HashSet<_> = all.iter().map(|i| i.name.clone()).collect();
        assert_eq!((codes.len(), names.len()), (130, 130));
        for i in &all {
            assert_eq!(finmart_domain::validate_code(&i.code).as_deref(), Ok(i.code.as_str()));
            assert!(i.name.chars().count() <= 100);
        }
        let kinds: HashSet<_> = institutions(5).iter().map(|i| i.kind).collect();
        assert_eq!(kinds, PATTERN.into_iter().collect());
        assert_eq!(institutions(7), institutions(7));
        let banks = all.iter().filter(|i| i.kind == InstitutionKind::Bank).count();
        assert!(banks * 2 > all.len());
    }
}
