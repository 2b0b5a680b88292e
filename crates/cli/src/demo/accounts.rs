//! The demo's accounts, one or two per role, so three people in three browsers can walk the journeys at
//! once: a bank lists a product, the operator approves it, an SME finds, matches and applies, the bank
//! decides. Every demo account has the same password, printed by `finmart demo`.

use finmart_domain::{Role, Uscc};
use finmart_store::{NewAccount, Store};
use std::sync::OnceLock;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Finmart2026";

pub const DEMO_OPERATOR: &str = "operator@finmart.demo";
pub const DEMO_BANK: &str = "bank@finmart.demo";
pub const DEMO_BANK2: &str = "bank2@finmart.demo";
pub const DEMO_SME: &str = "sme@finmart.demo";
pub const DEMO_SME2: &str = "sme2@finmart.demo";
pub const DEMO_AGENCY: &str = "agency@finmart.demo";
pub const DEMO_PROVIDER: &str = "tax@finmart.demo";
pub const DEMO_PROVIDER2: &str = "hrss@finmart.demo";

/// Who each demo account is: login, name, role, and its party (an institution code, the index of a firm
/// among those the SME accounts sign in as, `demo::account_firms`, or a data provider's code).
enum Party {
    None,
    Institution(&'static str),
    Enterprise(usize),
    Provider(&'static str),
}

const ACCOUNTS: &[(&str, &str, Role, Party)] = &[
    (DEMO_OPERATOR, "平台运营（演示）", Role::Operator, Party::None),
    (DEMO_BANK, "津沽商业银行 小微信贷部（演示）", Role::Institution, Party::Institution("jingu-bank")),
    (DEMO_BANK2, "海河科创银行 科技金融部（演示）", Role::Institution, Party::Institution("haihe-bank")),
    (DEMO_SME, "", Role::Sme, Party::Enterprise(0)),
    (DEMO_SME2, "", Role::Sme, Party::Enterprise(1)),
    (DEMO_AGENCY, "津门融资担保 业务部（演示）", Role::Agency, Party::Institution("jinmen-guarantee")),
    (DEMO_PROVIDER, "天津市税务局 数据报送（演示）", Role::Provider, Party::Provider("tj-tax")),
    (DEMO_PROVIDER2, "天津市人社局 数据报送（演示）", Role::Provider, Party::Provider("tj-hrss")),
];

/// One hash for all demo accounts (argon2 is slow on purpose; the demo loads in every test).
fn demo_hash() -> anyhow::Result<String> {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return Ok(hash.clone());
    }
    let hash = finmart_store::password::hash(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    Ok(HASH.get_or_init(|| hash).clone())
}

/// Creates the demo accounts that do not exist yet; `enterprises` are the credit codes of the demo firms the
/// SME accounts may sign in as, in order (`demo::account_firms`). Returns how many were created.
///
/// # Errors
/// Database failure, or demo data missing the institutions or enterprises the accounts belong to.
pub async fn ensure(store: &Store, enterprises: &[Uscc]) -> anyhow::Result<usize> {
    let mut created = 0;
    for (login, name, role, party) in ACCOUNTS {
        if store.account_for_login(login).await?.is_some() {
            continue;
        }
        let (mut enterprise_id, mut institution_id, mut provider_id) = (None, None, None);
        let mut display_name = (*name).to_owned();
        match party {
            Party::None => {}
            Party::Institution(code) => {
                let institution = store
                    .institution_by_code(code)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo institution {code} is missing"))?;
                institution_id = Some(institution.id);
            }
            Party::Enterprise(index) => {
                let uscc =
                    enterprises.get(*index).ok_or_else(|| anyhow::anyhow!("demo enterprise {index} is missing"))?;
                let stored = store
                    .enterprise_by_uscc(uscc)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo enterprise {uscc} is not stored"))?;
                enterprise_id = Some(stored.id);
                display_name = format!("{}（演示）", stored.profile.name);
            }
            Party::Provider(code) => provider_id = Some(crate::facts::find_provider(store, code).await?.id),
        }
        let new = NewAccount {
            login: (*login).to_owned(),
            display_name,
            role: *role,
            enterprise_id,
            institution_id,
            provider_id,
            password_hash: Some(demo_hash()?),
            invite_hash: None,
            invite_expires_at: None,
        };
        store.create_account(&new, None).await?;
        created += 1;
    }
    Ok(created)
}

/// The lines `finmart demo` prints about the accounts.
#[must_use]
pub fn describe() -> String {
    let mut out = format!("演示账号 / demo accounts (密码 password: {DEMO_PASSWORD}):\n");
    for (login, name, role, _) in ACCOUNTS {
        use finmart_domain::Labelled;
        let who = if name.is_empty() { "演示企业" } else { name };
        out.push_str(&format!("  {:<8} {login:<24} {who}\n", role.label_zh()));
    }
    out
}
