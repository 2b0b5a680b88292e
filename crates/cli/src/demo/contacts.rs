//! The demo's contact details: branches and 客户经理 of the two demo banks, and the contact persons of the demo
//! firms the SME accounts sign in as (not shared with consenting institutions: that is each firm's choice).
//! Loading twice changes nothing.

use finmart_domain::{BranchInput, ContactInput, District, HomeArea, Uscc};
use finmart_store::{AuditEvent, Store};

/// (institution code, branches as (name, district, address, phone), 客户经理 as (name, phone, branch index)).
type BankContacts = (
    &'static str,
    &'static [(&'static str, &'static str, &'static str, &'static str)],
    &'static [(&'static str, &'static str, usize)],
);

const BANKS: &[BankContacts] = &[
    (
        "jingu-bank",
        &[
            ("津沽商业银行和平支行", "和平区", "和平区南京路 188 号", "022-23301188"),
            ("津沽商业银行滨海新区支行", "滨海新区", "滨海新区第三大街 56 号", "022-65301566"),
        ],
        &[("赵晓东", "13821000188", 0), ("钱梦婷", "13920005566", 1)],
    ),
    (
        "haihe-bank",
        &[("海河科创银行南开科技支行", "南开区", "南开区复康路 20 号", "022-27402020")],
        &[("孙立伟", "15822003030", 0)],
    ),
];

/// The contact persons of the SME accounts' firms, in the order of `demo::account_firms`.
const FIRM_CONTACTS: &[(&str, &str)] = &[("王芳", "13812345678"), ("李强", "13987654321")];

/// Adds the demo banks' branches and 客户经理 (to a bank that has none) and the demo firms' contact persons
/// (to a firm that has none). Returns how many records were added.
///
/// # Errors
/// Database failure, or a demo institution or firm missing.
pub async fn ensure(store: &Store, firms: &[Uscc]) -> anyhow::Result<usize> {
    let home = HomeArea::default();
    let event = AuditEvent::anonymous(None, "demo");
    let mut added = 0;
    for (code, branches, managers) in BANKS {
        let Some(bank) = store.institution_by_code(code).await? else { continue };
        if !store.branches(bank.id).await?.is_empty() {
            continue;
        }
        let mut ids = Vec::new();
        for (name, district, address, phone) in *branches {
            let input = BranchInput::parse(name, address, phone).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let district = District::parse(district, &home)?;
            ids.push(store.add_branch(bank.id, &input, district, &event).await?.id);
            added += 1;
        }
        for (name, phone, branch) in *managers {
            let person = ContactInput::parse(name, phone).map_err(|e| anyhow::anyhow!("{e:?}"))?;
            store.add_manager(bank.id, &person, ids.get(*branch).copied(), &event).await?;
            added += 1;
        }
    }
    for (uscc, (name, phone)) in firms.iter().zip(FIRM_CONTACTS) {
        let Some(firm) = store.enterprise_by_uscc(uscc).await? else { continue };
        if store.enterprise_contact(firm.id).await?.is_some() {
            continue;
        }
        let person = ContactInput::parse(name, phone).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        store.save_enterprise_contact(firm.id, &person, &event).await?;
        added += 1;
    }
    Ok(added)
}
