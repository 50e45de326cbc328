//! Who reads `careMeasures` and `openCare`, who records anonymous open care,
//! and that every read, write and refusal is audited (issue 14, access.md
//! rows for measures and open care).
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde_json::{Value, json};

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};
use hearth::entity::audit_event;

const MEASURES: &str = "{ careMeasures(fromYear: 2024, toYear: 2025) { disclosure years { year childrenInTwentyFourHourCare anonymousOpenCareParticipants } } }";
const OPEN: &str = "query($u: ID) { openCare(from: \"2023-01-01\", to: \"2026-12-01\", unitId: $u) { month unitId participants cost } }";
const RECORD: &str = "mutation($i: RecordOpenCareInput!) { recordOpenCare(input: $i) { month unitId participants cost } }";

async fn unit_id(app: &TestApp, name: &str) -> String {
    hearth::entity::unit::Entity::find()
        .filter(hearth::entity::unit::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("unit {name}"))
        .id
        .to_string()
}

/// A unit manager of the foster care unit, where no demo child belongs.
async fn olga(app: &TestApp) -> String {
    let unit = uuid::Uuid::parse_str(&unit_id(app, "Familjehem").await).expect("uuid");
    let now = chrono::Utc::now();
    let id = uuid::Uuid::new_v4();
    hearth::entity::user::Model {
        id,
        username: "olga.manager".into(),
        display_name: "Olga Manager".into(),
        password_hash: hearth::auth::password::hash(DEMO_PASSWORD)
            .await
            .expect("hash"),
        unit_id: Some(unit),
        active: true,
        must_change_password: false,
        failed_logins: 0,
        locked_until: None,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .reset_all()
    .insert(&app.state.db)
    .await
    .expect("user");
    hearth::entity::user_role::Model {
        user_id: id,
        role_id: uuid::Uuid::parse_str("00000000-0000-4000-8000-000000000003").expect("uuid"),
    }
    .into_active_model()
    .reset_all()
    .insert(&app.state.db)
    .await
    .expect("role");
    app.login("olga.manager").await
}

async fn events(app: &TestApp, username: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::ActorUsername.eq(username))
        .all(&app.state.db)
        .await
        .expect("audit events")
}

fn record(kind: &str, month: &str, n: i64, cost: i64) -> Value {
    json!({"i": {"kind": kind, "month": month, "participants": n, "cost": cost}})
}

#[tokio::test]
async fn measures_and_open_care_are_read_by_statistics_roles_only_and_audited() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        for user in ["anna.case", "fredrik.foster", "alice.auditor", "adam.admin"] {
            let token = app.login(user).await;
            for q in [MEASURES, OPEN] {
                let body = app.gql(Some(&token), q, json!({})).await;
                assert_eq!(codes(&body), vec!["FORBIDDEN"], "{user}: {body}");
                assert!(body["data"].is_null(), "{body}");
            }
            let denied = events(&app, user).await;
            for name in ["careMeasures", "openCare"] {
                assert!(
                    denied
                        .iter()
                        .any(|e| e.outcome == "DENIED" && e.entity_id.as_deref() == Some(name)),
                    "{backend:?} {user}: the refused {name} is audited"
                );
            }
        }
        for q in [MEASURES, OPEN] {
            let none = app.gql(None, q, json!({})).await;
            assert_eq!(codes(&none), vec!["UNAUTHENTICATED"], "{none}");
        }
        let maria = app.login("maria.manager").await;
        let erik = app.login("erik.finance").await;
        let exact = app.gql(Some(&maria), MEASURES, json!({})).await;
        assert_eq!(
            exact["data"]["careMeasures"]["disclosure"], "EXACT",
            "{exact}"
        );
        let perturbed = app.gql(Some(&erik), MEASURES, json!({})).await;
        assert_eq!(
            perturbed["data"]["careMeasures"]["disclosure"], "PERTURBED",
            "{perturbed}"
        );
        // Anonymous tallies carry no one: both read them as they are.
        let theirs = app.gql(Some(&maria), OPEN, json!({})).await;
        let all = app.gql(Some(&erik), OPEN, json!({})).await;
        assert!(
            theirs["data"]["openCare"]
                .as_array()
                .is_some_and(|t| t.len() > 100),
            "{theirs}"
        );
        assert_eq!(theirs, all, "the demo's tallies are all maria's unit's");
        for (user, name) in [
            ("maria.manager", "careMeasures"),
            ("erik.finance", "openCare"),
        ] {
            let read = events(&app, user).await;
            let e = read
                .iter()
                .find(|e| e.entity_id.as_deref() == Some(name) && e.outcome == "ALLOWED")
                .unwrap_or_else(|| panic!("{user}'s {name} read is audited"));
            assert_eq!(e.entity_type.as_deref(), Some("Statistics"));
            assert!(e.subject_child_id.is_none());
        }
        // Another unit's manager: none of maria's unit's tallies or care.
        let olga = olga(&app).await;
        let hers = app.gql(Some(&olga), OPEN, json!({})).await;
        assert_eq!(hers["data"]["openCare"], json!([]), "{hers}");
        let asked = app
            .gql(
                Some(&olga),
                OPEN,
                json!({"u": unit_id(&app, "Barn och unga").await}),
            )
            .await;
        assert_eq!(
            asked["data"]["openCare"],
            json!([]),
            "another unit's tallies look absent: {asked}"
        );
        let care = app.gql(Some(&olga), MEASURES, json!({})).await;
        for y in care["data"]["careMeasures"]["years"]
            .as_array()
            .expect("years")
        {
            assert_eq!(y["childrenInTwentyFourHourCare"], 0, "{care}");
            assert_eq!(y["anonymousOpenCareParticipants"], 0, "{care}");
        }
        let other = app
            .gql(
                Some(&erik),
                OPEN,
                json!({"u": unit_id(&app, "Familjehem").await}),
            )
            .await;
        assert_eq!(other["data"]["openCare"], json!([]), "{other}");
    }
}

#[tokio::test]
async fn open_care_is_recorded_by_case_workers_and_unit_managers_for_their_own_unit() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let own = unit_id(&app, "Barn och unga").await;
        let anna = app.login("anna.case").await;
        let made = app
            .gql(
                Some(&anna),
                RECORD,
                record("PARENTING_SUPPORT", "2027-01-01", 9, 9_000),
            )
            .await;
        assert_eq!(
            made["data"]["recordOpenCare"]["unitId"],
            json!(own),
            "{made}"
        );
        let maria = app.login("maria.manager").await;
        let again = app
            .gql(
                Some(&maria),
                RECORD,
                record("PARENTING_SUPPORT", "2027-01-01", 10, 9_500),
            )
            .await;
        assert_eq!(
            again["data"]["recordOpenCare"]["participants"], 10,
            "{again}"
        );
        let changes: Vec<_> = audit_event::Entity::find()
            .filter(audit_event::Column::EntityType.eq("OpenCareTally"))
            .all(&app.state.db)
            .await
            .expect("events");
        assert_eq!(changes.len(), 2, "each recording is audited");
        assert!(
            changes.iter().any(|e| e.action == "CREATE")
                && changes.iter().any(|e| e.action == "UPDATE")
        );
        assert!(changes.iter().all(|e| e.subject_child_id.is_none()));
        let mut other = record("FAMILY_TREATMENT", "2027-01-01", 1, 1);
        other["i"]["unitId"] = json!(unit_id(&app, "Familjehem").await);
        let refused = app.gql(Some(&anna), RECORD, other).await;
        assert_eq!(
            codes(&refused),
            vec!["FORBIDDEN"],
            "another unit: {refused}"
        );
        assert!(
            events(&app, "anna.case")
                .await
                .iter()
                .any(|e| e.outcome == "DENIED"),
            "the refused recording for another unit is audited"
        );
        for user in [
            "fredrik.foster",
            "erik.finance",
            "alice.auditor",
            "adam.admin",
        ] {
            let token = app.login(user).await;
            let body = app
                .gql(
                    Some(&token),
                    RECORD,
                    record("OTHER_OPEN_CARE", "2027-02-01", 1, 1),
                )
                .await;
            assert_eq!(codes(&body), vec!["FORBIDDEN"], "{user}: {body}");
            assert!(
                events(&app, user)
                    .await
                    .iter()
                    .any(|e| e.outcome == "DENIED"),
                "{user}'s refused recording is audited"
            );
        }
        let none = app
            .gql(None, RECORD, record("OTHER_OPEN_CARE", "2027-02-01", 1, 1))
            .await;
        assert_eq!(codes(&none), vec!["UNAUTHENTICATED"]);
        for (input, field) in [
            (record("TWENTY_FOUR_HOUR", "2027-01-01", 1, 1), "kind"),
            (record("OTHER_OPEN_CARE", "2027-01-15", 1, 1), "month"),
            (record("OTHER_OPEN_CARE", "1999-12-01", 1, 1), "month"),
            (
                record("OTHER_OPEN_CARE", "2027-01-01", -1, 1),
                "participants",
            ),
            (
                record("OTHER_OPEN_CARE", "2027-01-01", 100_001, 1),
                "participants",
            ),
            (record("OTHER_OPEN_CARE", "2027-01-01", 1, -5), "cost"),
            (
                record("OTHER_OPEN_CARE", "2027-01-01", 1, 1_000_000_001),
                "cost",
            ),
        ] {
            let body = app.gql(Some(&maria), RECORD, input.clone()).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{input}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                json!(field),
                "{body}"
            );
        }
        let mut odd = record("OTHER_OPEN_CARE", "2027-01-01", 1, 1);
        odd["i"]["unitId"] = json!("not-a-uuid");
        let body = app.gql(Some(&maria), RECORD, odd).await;
        assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        for (from, to, field) in [
            ("2025-01-02", "2025-02-01", "from"),
            ("2025-03-01", "2025-01-01", "to"),
            ("2010-01-01", "2020-01-01", "to"),
        ] {
            let q = "query($f: Date!, $t: Date!) { openCare(from: $f, to: $t) { month } }";
            let body = app.gql(Some(&maria), q, json!({"f": from, "t": to})).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{from}..{to}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                json!(field),
                "{body}"
            );
        }
        for (f, t, field) in [
            (2025, 2024, "toYear"),
            (2000, 2030, "toYear"),
            (1800, 2020, "fromYear"),
        ] {
            let q =
                "query($f: Int!, $t: Int!) { careMeasures(fromYear: $f, toYear: $t) { fromYear } }";
            let body = app.gql(Some(&maria), q, json!({"f": f, "t": t})).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{f}..{t}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                json!(field),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn two_first_recordings_of_a_month_do_not_both_win() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let anna = app.login("anna.case").await;
        for round in 0..5 {
            let month = format!("2028-{:02}-01", round + 1);
            let (a, b) = tokio::join!(
                app.gql(
                    Some(&maria),
                    RECORD,
                    record("NETWORK_BUILDING", &month, 4, 400)
                ),
                app.gql(
                    Some(&anna),
                    RECORD,
                    record("NETWORK_BUILDING", &month, 5, 500)
                ),
            );
            let won = [&a, &b]
                .iter()
                .filter(|r| r["data"]["recordOpenCare"].is_object())
                .count();
            for r in [&a, &b] {
                assert!(
                    r["data"]["recordOpenCare"].is_object() || codes(r) == vec!["CONFLICT"],
                    "{backend:?}: {r}"
                );
            }
            assert!(won >= 1, "{backend:?}: {a} {b}");
            let id_suffix = format!("/NETWORK_BUILDING/{month}");
            let logged = audit_event::Entity::find()
                .filter(audit_event::Column::EntityType.eq("OpenCareTally"))
                .all(&app.state.db)
                .await
                .expect("events")
                .into_iter()
                .filter(|e| {
                    e.entity_id
                        .as_deref()
                        .is_some_and(|id| id.ends_with(&id_suffix))
                })
                .collect::<Vec<_>>();
            assert_eq!(
                logged.len(),
                won,
                "{backend:?}: one change event per recording that won"
            );
            assert_eq!(
                logged.iter().filter(|e| e.action == "CREATE").count(),
                1,
                "{backend:?}"
            );
        }
    }
}
