//! Who may read statistics, and how the reads are audited.
use super::*;

#[tokio::test]
async fn statistics_need_statistics_read_and_are_audited_without_a_subject() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let vars = json!({"f": "2024-01-01", "t": "2024-12-31", "g": ["SEX"]});
        for user in ["anna.case", "fredrik.foster", "alice.auditor", "adam.admin"] {
            let token = app.login(user).await;
            let body = app.gql(Some(&token), STATS, vars.clone()).await;
            assert_eq!(codes(&body), vec!["FORBIDDEN"], "{user}: {body}");
            assert!(body["data"].is_null());
        }
        let none = app.gql(None, STATS, vars.clone()).await;
        assert_eq!(codes(&none), vec!["UNAUTHENTICATED"], "{none}");
        let bad = app
            .gql(
                Some(&app.login("erik.finance").await),
                STATS,
                json!({"f": "2024-02-01", "t": "2024-01-01"}),
            )
            .await;
        assert_eq!(
            bad["errors"][0]["extensions"]["field"],
            json!("to"),
            "{bad}"
        );

        let erik = app.login("erik.finance").await;
        let body = query(&app, &erik, STATS, vars.clone(), "placementStatistics").await;
        assert!(body["total"]["children"].as_i64().is_some_and(|n| n >= 3));
        // One aggregate statement per request, however fine the grouping:
        // the same number of statements for no grouping over one year as for
        // four dimensions over six (fewest of three runs, as scheduling can
        // split the audit writer's batches).
        let mut counts = Vec::new();
        for (f, t, g) in [
            ("2024-01-01", "2024-12-31", json!([])),
            (
                "2022-01-01",
                "2027-12-31",
                json!(["YEAR", "REASON", "SEX", "AGE_GROUP"]),
            ),
        ] {
            let mut fewest = u64::MAX;
            for _ in 0..3 {
                let before = app.statements();
                query(
                    &app,
                    &erik,
                    STATS,
                    json!({"f": f, "t": t, "g": g}),
                    "placementStatistics",
                )
                .await;
                fewest = fewest.min(app.statements() - before);
            }
            counts.push(fewest);
        }
        assert_eq!(counts[0], counts[1], "{backend:?}: statements {counts:?}");
        let events = hearth::entity::audit_event::Entity::find()
            .filter(hearth::entity::audit_event::Column::EntityType.eq("Statistics"))
            .all(&app.state.db)
            .await
            .expect("audit events");
        let read = events
            .iter()
            .find(|e| e.actor_username.as_deref() == Some("erik.finance"))
            .expect("erik's statistics read is audited");
        assert_eq!(read.entity_id.as_deref(), Some("placementStatistics"));
        assert_eq!(read.action, "READ");
        assert_eq!(read.outcome, "ALLOWED");
        assert!(read.subject_child_id.is_none());
        assert!(
            read.fields.contains("SEX") && read.fields.contains("perturbed"),
            "{}",
            read.fields
        );

        // A unit manager of the other unit sees that unit only: no children there.
        let unit = hearth::entity::unit::Entity::find()
            .filter(hearth::entity::unit::Column::Name.eq("Familjehem"))
            .one(&app.state.db)
            .await
            .expect("query")
            .expect("the foster care unit");
        let hash = hearth::auth::password::hash(DEMO_PASSWORD)
            .await
            .expect("hash");
        let now = chrono::Utc::now();
        let id = uuid::Uuid::new_v4();
        let user = hearth::entity::user::Model {
            id,
            username: "olga.manager".into(),
            display_name: "Olga Manager".into(),
            password_hash: hash,
            unit_id: Some(unit.id),
            active: true,
            must_change_password: false,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            updated_at: now,
        };
        let role = hearth::entity::user_role::Model {
            user_id: id,
            role_id: uuid::Uuid::parse_str("00000000-0000-4000-8000-000000000003").expect("uuid"),
        };
        use sea_orm::{ActiveModelTrait, IntoActiveModel};
        user.into_active_model()
            .reset_all()
            .insert(&app.state.db)
            .await
            .expect("user");
        role.into_active_model()
            .reset_all()
            .insert(&app.state.db)
            .await
            .expect("role");
        let olga = app.login("olga.manager").await;
        let body = query(&app, &olga, STATS, vars, "placementStatistics").await;
        assert_eq!(body["total"]["children"], json!(0), "{body}");
        assert_eq!(body["total"]["suppressed"], json!(false));
        // Maria's unit holds every demo child: her exact total is what
        // erik's perturbed one is near.
        let maria = app.login("maria.manager").await;
        let year = json!({"f": "2024-01-01", "t": "2024-12-31"});
        let mine = query(&app, &maria, STATS, year.clone(), "placementStatistics").await;
        let all = query(&app, &erik, STATS, year, "placementStatistics").await;
        assert_eq!(mine["disclosure"], json!("EXACT"));
        assert_eq!(all["disclosure"], json!("PERTURBED"));
        for (field, within) in [("children", 2), ("placements", 2), ("placementDays", 29)] {
            let (exact, published) = (&mine["total"][field], &all["total"][field]);
            let gap = exact.as_i64().expect("exact") - published.as_i64().expect("published");
            assert!(gap.abs() <= within, "{field}: {exact} against {published}");
        }
        assert_eq!(mine["total"]["suppressed"], json!(false));
    }
}

/// Exact figures need every permission whose data a breakdown shows: a
/// role with CHILD_READ and STATISTICS_READ for the whole municipality but
/// without identities or placement details is under disclosure control.
#[tokio::test]
async fn child_read_alone_does_not_make_figures_exact() {
    use hearth::entity::{role, role_permission, user, user_role};
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    for backend in backends() {
        let app = crate::harness::TestApp::demo(backend).await;
        let now = chrono::Utc::now();
        let role_id = uuid::Uuid::new_v4();
        role::Model {
            id: role_id,
            name: "STATS_CHILD_IDS".into(),
            description: "statistics with child ids only".into(),
            built_in: false,
            created_at: now,
        }
        .into_active_model()
        .reset_all()
        .insert(&app.state.db)
        .await
        .expect("role");
        for permission in ["CHILD_READ", "PLACEMENT_READ", "STATISTICS_READ"] {
            role_permission::Model {
                role_id,
                permission: permission.into(),
                scope: "ALL".into(),
            }
            .into_active_model()
            .reset_all()
            .insert(&app.state.db)
            .await
            .expect("permission");
        }
        let anna = app.user("anna.case").await;
        let id = uuid::Uuid::new_v4();
        user::Model {
            id,
            username: "sven.stats".into(),
            display_name: "Sven Stats".into(),
            ..anna
        }
        .into_active_model()
        .reset_all()
        .insert(&app.state.db)
        .await
        .expect("user");
        user_role::Model {
            user_id: id,
            role_id,
        }
        .into_active_model()
        .reset_all()
        .insert(&app.state.db)
        .await
        .expect("user role");
        let sven = app.login("sven.stats").await;
        let vars = json!({"f": "2024-01-01", "t": "2024-12-31", "g": ["LEGAL_BASIS"]});
        let got = query(&app, &sven, STATS, vars, "placementStatistics").await;
        assert_eq!(got["disclosure"], json!("PERTURBED"), "{got}");
        let day = json!({"f": "2024-01-02", "t": "2024-12-31", "g": ["SEX"]});
        let body = app.gql(Some(&sven), STATS, day).await;
        assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    }
}
