//! Tests of contact details, message threads and invitations, each on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)]

use crate::testing::{self, Firms, TwoBanks};
use crate::{
    AuditEvent, ContactAccess, InvitationError, InvitationState, MessageSide, NewInvitation, NotificationKind, Party,
    Store, StoreError,
};
use finmart_domain::{BranchInput, ContactInput, District, HomeArea};

async fn fixture(store: &Store) -> TwoBanks {
    TwoBanks::create(store, Firms::Private).await
}

fn event() -> AuditEvent<'static> {
    AuditEvent::anonymous(None, "test")
}

async fn apply(store: &Store, f: &TwoBanks, product: i64) -> i64 {
    store.submit_application(&f.application(product, &format!("k-{product}")), &event()).await.unwrap().0.id
}

/// The contact is hidden from an institution the firm neither applied to nor shares with; consent alone does
/// not share it; consent with sharing does, and so does an application; each showing is one `contact` view.
#[tokio::test]
async fn a_contact_is_shown_only_by_the_rule_and_every_showing_is_logged() {
    for db in testing::all().await {
        let (store, be) = (&db.store, db.backend);
        let f = fixture(store).await;
        let show = async |institution: i64| {
            store.contact_for_institution(f.enterprise, institution, None, None, &event()).await.unwrap()
        };
        assert_eq!(show(f.bank).await, ContactAccess::Hidden, "{be}");
        let contact = ContactInput::parse("王芳", "13812345678").unwrap();
        let saved = store.save_enterprise_contact(f.enterprise, &contact, &event()).await.unwrap();
        assert!(!saved.share_with_consented, "not stated is not yes");
        store.grant_consent(f.enterprise, Some(f.bank), &event()).await.unwrap();
        assert_eq!(show(f.bank).await, ContactAccess::Hidden, "{be}: consent without sharing");
        store.set_contact_sharing(f.enterprise, true, &event()).await.unwrap();
        assert!(matches!(show(f.bank).await, ContactAccess::Shown(ref c) if c.phone == "13812345678"), "{be}");
        assert_eq!(show(f.other_bank).await, ContactAccess::Hidden, "{be}: sharing covers consenting ones only");
        let views = store.profile_views(f.enterprise, 10).await.unwrap();
        assert_eq!(views.iter().filter(|v| v.context == "contact").count(), 1, "{be}");
        store.revoke_consent(f.enterprise, Some(f.bank), &event()).await.unwrap();
        assert_eq!(show(f.bank).await, ContactAccess::Hidden, "{be}: withdrawn");
        apply(store, &f, f.other_product).await;
        assert!(matches!(show(f.other_bank).await, ContactAccess::Shown(_)), "{be}: an application shows it");
        let views = store.profile_views(f.enterprise, 10).await.unwrap();
        assert_eq!(views.iter().filter(|v| v.context == "contact").count(), 2, "{be}");
    }
}

#[tokio::test]
async fn sharing_needs_a_contact_first() {
    for db in testing::all().await {
        let f = fixture(&db.store).await;
        let refused = db.store.set_contact_sharing(f.enterprise, true, &event()).await;
        assert!(matches!(refused, Err(StoreError::Invalid(ref e)) if e.0[0].field == "share"), "{refused:?}");
    }
}

#[tokio::test]
async fn branches_and_managers_belong_to_their_institution() {
    for db in testing::all().await {
        let (store, be) = (&db.store, db.backend);
        let f = fixture(store).await;
        let district = District::parse("和平区", &HomeArea::default()).unwrap();
        let input = BranchInput::parse("和平支行", "南京路 1 号", "022-23456789").unwrap();
        let branch = store.add_branch(f.bank, &input, district, &event()).await.unwrap();
        let person = ContactInput::parse("李明", "13912345678").unwrap();
        let manager = store.add_manager(f.bank, &person, Some(branch.id), &event()).await.unwrap();
        assert_eq!(manager.branch_name.as_deref(), Some("和平支行"));
        let another = store.add_branch(f.other_bank, &input, district, &event()).await.unwrap();
        assert!(store.add_manager(f.bank, &person, Some(another.id), &event()).await.is_err(), "{be}");
        assert!(store.remove_branch(f.other_bank, branch.id, &event()).await.is_err(), "{be}: another's branch");
        store.remove_branch(f.bank, branch.id, &event()).await.unwrap();
        let managers = store.managers(f.bank).await.unwrap();
        assert_eq!(managers.len(), 1);
        assert_eq!(managers[0].branch_id, None, "{be}");
        assert!(store.remove_manager(f.other_bank, manager.id, &event()).await.is_err());
        store.remove_manager(f.bank, manager.id, &event()).await.unwrap();
        assert!(store.managers(f.bank).await.unwrap().is_empty());
    }
}

/// A message notifies the other side and counts as unread there until it opens the thread; a refused message
/// stores nothing; another party cannot post.
#[tokio::test]
async fn messages_notify_the_other_side_and_count_until_read() {
    for db in testing::all().await {
        let (store, be) = (&db.store, db.backend);
        let f = fixture(store).await;
        let app = apply(store, &f, f.product).await;
        let firm = Party::Enterprise(f.enterprise);
        let bank = Party::Institution(f.bank);
        store.post_message(app, firm, Some(100), "  请问还需要哪些材料？ ", &event()).await.unwrap();
        let notes = store.notifications_for(bank, false).await.unwrap();
        assert!(notes.iter().any(|n| n.kind == NotificationKind::MessagePosted.as_str()), "{be}");
        assert_eq!(store.unread_messages(bank).await.unwrap().get(&app), Some(&1), "{be}");
        assert!(store.unread_messages(firm).await.unwrap().is_empty(), "{be}: one's own is not unread");
        assert_eq!(store.mark_messages_read(app, MessageSide::Institution).await.unwrap(), 1);
        assert!(store.unread_messages(bank).await.unwrap().is_empty(), "{be}");
        store.post_message(app, bank, None, "请补充近一年的纳税证明。", &event()).await.unwrap();
        assert_eq!(store.unread_messages(firm).await.unwrap().get(&app), Some(&1), "{be}");
        for bad in ["", "   ", &"字".repeat(finmart_domain::MAX_MESSAGE_CHARS + 1)] {
            let refused = store.post_message(app, firm, None, bad, &event()).await;
            assert!(matches!(refused, Err(StoreError::Invalid(ref e)) if e.0[0].field == "body"), "{refused:?}");
        }
        let stranger = store.post_message(app, Party::Institution(f.other_bank), None, "你好", &event()).await;
        assert!(matches!(stranger, Err(StoreError::NotFound { .. })), "{be}: {stranger:?}");
        let thread = store.messages(app).await.unwrap();
        assert_eq!(thread.len(), 2, "{be}: nothing stored on refusal");
        assert_eq!(thread[0].body, "请问还需要哪些材料？");
        assert_eq!(thread[0].from, MessageSide::Enterprise);
    }
}

/// An invitation needs the firm's consent, the lender's own listed product and no open twin; the firm
/// declines it or applies, which marks it applied.
#[tokio::test]
async fn invitations_are_refused_declined_and_marked_applied() {
    for db in testing::all().await {
        let (store, be) = (&db.store, db.backend);
        let f = fixture(store).await;
        let new = NewInvitation {
            institution_id: f.bank,
            enterprise_id: f.enterprise,
            product_id: f.product,
            account_id: None,
            manager_id: None,
            note: Some("欢迎申请".into()),
        };
        let hidden = store.invite(&new, &event()).await;
        assert!(matches!(hidden, Err(StoreError::NotFound { .. })), "{be}: no consent: {hidden:?}");
        store.grant_consent(f.enterprise, Some(f.bank), &event()).await.unwrap();
        let not_own = store.invite(&NewInvitation { product_id: f.other_product, ..new.clone() }, &event()).await;
        assert!(matches!(not_own, Err(StoreError::Invitation(InvitationError::NotOwnProduct))), "{not_own:?}");
        let long = NewInvitation { note: Some("字".repeat(501)), ..new.clone() };
        assert!(matches!(store.invite(&long, &event()).await, Err(StoreError::Invalid(_))));
        let sent = store.invite(&new, &event()).await.unwrap();
        assert_eq!(sent.state, InvitationState::Sent);
        let twin = store.invite(&new, &event()).await;
        assert!(
            matches!(twin, Err(StoreError::Invitation(InvitationError::AlreadyInvited { existing })) if existing == sent.id),
            "{be}: {twin:?}"
        );
        let notes = store.notifications_for(Party::Enterprise(f.enterprise), false).await.unwrap();
        assert!(notes.iter().any(|n| n.kind == NotificationKind::InvitationReceived.as_str()), "{be}");
        let declined = store.decline_invitation(f.enterprise, sent.id, Some("暂无需求"), &event()).await.unwrap();
        assert_eq!(declined.state, InvitationState::Declined);
        assert!(matches!(
            store.decline_invitation(f.enterprise, sent.id, None, &event()).await,
            Err(StoreError::Invitation(InvitationError::NotOpen))
        ));
        let notes = store.notifications_for(Party::Institution(f.bank), false).await.unwrap();
        assert!(notes.iter().any(|n| n.kind == NotificationKind::InvitationDeclined.as_str()), "{be}");
        // Declined, it is no longer open: a new one may be sent, and applying marks it applied.
        let again = store.invite(&new, &event()).await.unwrap();
        let app = apply(store, &f, f.product).await;
        let mine = store.invitations_of_institution(f.bank).await.unwrap();
        let now = mine.iter().find(|i| i.id == again.id).unwrap();
        assert_eq!((now.state, now.application_id), (InvitationState::Applied, Some(app)), "{be}");
        assert_eq!(mine.iter().find(|i| i.id == sent.id).unwrap().state, InvitationState::Declined);
        assert!(store.invitations_of_institution(f.other_bank).await.unwrap().is_empty());
        assert_eq!(store.invitations_for_enterprise(f.enterprise).await.unwrap().len(), 2);
    }
}
