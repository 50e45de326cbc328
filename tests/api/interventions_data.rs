//! The carry-over of 0.1 data into interventions (migration 000014), and
//! the demo's interventions (issue 14).
use serde_json::json;

use crate::harness::{Backend, TestApp, backends};

/// Runs `sql` with `?` placeholders bound to `values` on either backend.
async fn exec(db: &sea_orm::DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) {
    use sea_orm::ConnectionTrait;
    let backend = db.get_database_backend();
    let mut text = String::new();
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' && backend == sea_orm::DbBackend::Postgres {
            n += 1;
            text.push_str(&format!("${n}"));
        } else {
            text.push(c);
        }
    }
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend, text, values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn placements_of_0_1_become_interventions_chain_by_chain() {
    use migration::MigratorTrait;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use uuid::Uuid;
    let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).expect("date");
    for backend in backends() {
        let dir = tempfile::tempdir().expect("dir");
        let (url, _drop) = crate::harness::database_url(backend, &dir).await;
        let db = sea_orm::Database::connect(&url).await.expect("connect");
        migration::Migrator::up(&db, Some(13))
            .await
            .expect("0.1 schema");
        let now = chrono::Utc::now();
        let (unit, child, setting) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        exec(
            &db,
            "INSERT INTO units (id, name, created_at) VALUES (?, 'Enhet', ?)",
            vec![unit.into(), now.into()],
        )
        .await;
        exec(&db, "INSERT INTO children (id, personal_identity_number, given_name, family_name, date_of_birth, sex, unit_id, created_at, updated_at)
            VALUES (?, '201001019874', 'A', 'B', ?, 'MALE', ?, ?, ?)",
            vec![child.into(), d(2010, 1, 1).into(), unit.into(), now.into(), now.into()]).await;
        exec(&db, "INSERT INTO care_settings (id, category, kind, name, created_at, updated_at) VALUES (?, 'INSTITUTION', 'HVB', 'H', ?, ?)",
            vec![setting.into(), now.into(), now.into()]).await;
        // Moved on after a 10-day gap (same chain), returned home; a year
        // later a new chain: ended "OTHER" and the next one the day after.
        let p: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
        let rows = [
            (
                p[0],
                d(2023, 1, 1),
                Some(d(2023, 3, 31)),
                Some("MOVED_TO_OTHER_PLACEMENT"),
                "LVU_2",
            ),
            (
                p[1],
                d(2023, 4, 10),
                Some(d(2023, 9, 30)),
                Some("RETURNED_HOME"),
                "LVU_2",
            ),
            (
                p[2],
                d(2024, 1, 1),
                Some(d(2024, 2, 1)),
                Some("OTHER"),
                "SOL",
            ),
            (p[3], d(2024, 2, 2), None, None, "SOL"),
        ];
        for (id, start, end, reason, basis) in rows {
            exec(&db, "INSERT INTO placements (id, child_id, setting_id, placement_type, legal_basis, start_date, end_date, end_reason, daily_cost, created_at, updated_at)
                VALUES (?, ?, ?, 'HVB', ?, ?, ?, ?, 4000, ?, ?)",
                vec![id.into(), child.into(), setting.into(), basis.into(), start.into(), end.into(),
                     reason.map(str::to_owned).into(), now.into(), now.into()]).await;
        }
        migration::Migrator::up(&db, None)
            .await
            .expect("carry-over");
        let cares = hearth::entity::intervention::Entity::find()
            .order_by_asc(hearth::entity::intervention::Column::StartDate)
            .all(&db)
            .await
            .expect("db");
        let got: Vec<_> = cares
            .iter()
            .map(|i| {
                (
                    i.id,
                    i.legal_basis.clone(),
                    i.start_date,
                    i.end_date,
                    i.end_reason.clone(),
                    i.unit_id,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    p[0],
                    Some("LVU_2".into()),
                    d(2023, 1, 1),
                    Some(d(2023, 9, 30)),
                    Some("RETURNED_HOME".into()),
                    unit
                ),
                (p[2], Some("SOL".into()), d(2024, 1, 1), None, None, unit),
            ],
            "{backend:?}"
        );
        for (placement, care) in [(p[0], p[0]), (p[1], p[0]), (p[2], p[2]), (p[3], p[2])] {
            let row = hearth::entity::placement::Entity::find()
                .filter(hearth::entity::placement::Column::Id.eq(placement))
                .one(&db)
                .await
                .expect("db")
                .expect("placement");
            assert_eq!(row.intervention_id, Some(care), "{backend:?}");
        }
        db.close().await.expect("close");
    }
}

#[tokio::test]
async fn the_demo_shifts_from_placements_to_open_care() {
    let app = TestApp::demo(Backend::Sqlite).await;
    let maria = app.login("maria.manager").await;
    let body = app
        .gql(Some(&maria), "{ children(first: 500) { edges { node { interventions { kind placements { id } } } } } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut full = 0;
    for edge in body["data"]["children"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        for care in edge["node"]["interventions"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if care["kind"] == "TWENTY_FOUR_HOUR" {
                full += 1;
                let placements = care["placements"].as_array().map_or(0, Vec::len);
                assert!(placements > 0, "24-hour care is made of placements: {care}");
            }
        }
    }
    assert!(full > 100, "{full} 24-hour interventions");
    let body = app
        .gql(
            Some(&maria),
            "{ careMeasures(fromYear: 2023, toYear: 2025) { disclosure years { year unitId \
               newTwentyFourHourInterventions newOpenCareInterventions anonymousOpenCareParticipants \
               openCareToPlacementChildren endReasons { endReason interventions } } } }",
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["careMeasures"]["disclosure"], "EXACT");
    let years = body["data"]["careMeasures"]["years"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(years.len(), 3, "{body}");
    let series = |field: &str| -> Vec<f64> {
        years
            .iter()
            .map(|y| y[field].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let falling = |v: &[f64]| v.windows(2).all(|w| w[0] > w[1]);
    let rising = |v: &[f64]| v.windows(2).all(|w| w[0] < w[1]);
    let new_full = series("newTwentyFourHourInterventions");
    assert!(falling(&new_full), "new 24-hour care falls: {new_full:?}");
    for field in [
        "newOpenCareInterventions",
        "anonymousOpenCareParticipants",
        "openCareToPlacementChildren",
    ] {
        let v = series(field);
        assert!(rising(&v), "{field} rises: {v:?}");
    }
    let custody: i64 = years
        .iter()
        .flat_map(|y| y["endReasons"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["endReason"] == "CUSTODY_TRANSFERRED")
        .map(|e| e["interventions"].as_i64().unwrap_or(0))
        .sum();
    assert!(custody > 0, "custody transfers end some interventions");
}

#[tokio::test]
async fn the_database_refuses_a_placement_outside_any_intervention() {
    use sea_orm::{ConnectionTrait, EntityTrait};
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let db = &app.state.db;
        let any = hearth::entity::placement::Entity::find()
            .one(db)
            .await
            .expect("db")
            .expect("a demo placement");
        let sql = match backend {
            Backend::Sqlite => {
                "UPDATE placements SET intervention_id = NULL WHERE rowid = (SELECT min(rowid) FROM placements)"
            }
            Backend::Postgres => {
                "UPDATE placements SET intervention_id = NULL WHERE id = (SELECT id FROM placements LIMIT 1)"
            }
        };
        let err = db
            .execute_unprepared(sql)
            .await
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("24-hour intervention")),
            "{backend:?}: {err:?}"
        );
        assert!(
            any.intervention_id.is_some(),
            "every demo placement is linked"
        );
    }
}

/// Children, their interventions, their placements and back: one statement
/// per level whatever the page size, at any concurrency.
const NESTED: &str = "query($n: Int){ children(first: $n) { edges { node { id interventions { kind unit { name }
  child { id } placements { id moveReason setting { __typename } intervention { id legalBasis } } } } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interventions_take_one_statement_per_level_at_any_concurrency() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let maria = app.login("maria.manager").await;
        let mut counts = Vec::new();
        for n in [5, 50] {
            counts.push(
                crate::foundation::statements_per_request(
                    &app,
                    &maria,
                    NESTED,
                    json!({"n": n}),
                    32,
                )
                .await,
            );
        }
        assert_eq!(
            counts[0], counts[1],
            "{backend:?}: 5 vs 50 children: {counts:?}"
        );
        assert!(counts[1] < 20, "{backend:?}: {counts:?}");
    }
}
