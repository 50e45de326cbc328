//! Who decides which grant request, what applies at once, and what a
//! decision refuses.
use serde_json::json;

use super::{
    APPROVE, ASSIGN, CREATE_USER, PENDING, REJECT, data, events, id_of, pending, roles_of,
    second_admin, user_id,
};
use crate::harness::{TestApp, backends, codes};

#[tokio::test]
async fn a_unit_manager_decides_for_their_own_unit_only_and_never_for_roles() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let maria = app.login("maria.manager").await;
        let astrid = second_admin(&app).await;
        let cw = id_of(&app, &adam, "roles", "CASE_WORKER").await;
        let own_unit = id_of(&app, &adam, "units", "Barn och unga").await;
        let other_unit = id_of(&app, &adam, "units", "Familjehem").await;
        for (name, unit) in [("ulf.case", &other_unit), ("karin.case", &own_unit)] {
            let input = json!({"username": name, "displayName": name, "unitId": unit, "roleIds": [cw], "temporaryPassword": "temporary-pass-1"});
            data(&app.gql(Some(&adam), CREATE_USER, json!({"i": input})).await);
        }
        assert_eq!(pending(&app, &adam).await.len(), 2);
        let seen = pending(&app, &maria).await;
        assert_eq!(seen.len(), 1, "only her unit's: {seen:?}");
        assert_eq!(seen[0]["user"]["username"], "karin.case");
        let ulf_req = pending(&app, &adam)
            .await
            .into_iter()
            .find(|r| r["user"]["username"] == "ulf.case")
            .expect("ulf's request");
        let refused = app
            .gql(Some(&maria), APPROVE, json!({"id": ulf_req["id"]}))
            .await;
        assert_eq!(codes(&refused), vec!["NOT_FOUND"], "{refused}");
        let refused = app
            .gql(Some(&maria), REJECT, json!({"id": ulf_req["id"]}))
            .await;
        assert_eq!(codes(&refused), vec!["NOT_FOUND"]);
        assert!(
            roles_of(&app, user_id(&app, "ulf.case").await)
                .await
                .is_empty()
        );

        let approved = app
            .gql(Some(&maria), APPROVE, json!({"id": seen[0]["id"]}))
            .await;
        assert_eq!(
            data(&approved)["approveGrant"]["decidedBy"]["username"],
            "maria.manager"
        );
        assert_eq!(
            roles_of(&app, user_id(&app, "karin.case").await).await,
            vec![cw.clone()]
        );

        // A role karin holds gains a case-data permission: pending, and only
        // another administrator decides it.
        let extra = app.gql(Some(&adam), "mutation{createRole(input:{name:\"EXTRA\", permissions:[{permission: STATISTICS_READ, scope: UNIT}]}){id}}", json!({})).await;
        let extra = data(&extra)["createRole"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let karin = user_id(&app, "karin.case").await.to_string();
        data(
            &app.gql(Some(&adam), ASSIGN, json!({"u": karin, "r": [cw, extra]}))
                .await,
        );
        assert_eq!(
            pending(&app, &adam).await.len(),
            1,
            "no case data, no request"
        );
        let upd = "mutation($id:ID!){updateRole(id:$id, input:{description:\"more\", permissions:[{permission: STATISTICS_READ, scope: UNIT},{permission: CHILD_PIN_READ, scope: UNIT}]}){description permissions{permission}}}";
        let body = app.gql(Some(&adam), upd, json!({"id": extra})).await;
        let role = &data(&body)["updateRole"];
        assert_eq!(role["description"], "more", "the rest applies");
        assert_eq!(
            role["permissions"],
            json!([{"permission": "STATISTICS_READ"}])
        );
        let req = pending(&app, &adam)
            .await
            .into_iter()
            .find(|r| r["kind"] == "ROLE_PERMISSIONS")
            .expect("role request");
        assert_eq!(req["roleId"], json!(extra));
        assert_eq!(
            req["roles"][0]["permissions"],
            json!([{"permission": "CHILD_PIN_READ", "scope": "UNIT"}])
        );
        assert!(
            pending(&app, &maria).await.is_empty(),
            "role changes are not hers"
        );
        let body = app
            .gql(Some(&maria), APPROVE, json!({"id": req["id"]}))
            .await;
        assert_eq!(codes(&body), vec!["NOT_FOUND"]);
        let body = app
            .gql(Some(&astrid), APPROVE, json!({"id": req["id"]}))
            .await;
        assert_eq!(data(&body)["approveGrant"]["status"], "APPROVED");
        let roles = app
            .gql(
                Some(&adam),
                "{roles{id permissions{permission scope}}}",
                json!({}),
            )
            .await;
        let now = data(&roles)["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["id"] == json!(extra))
            .expect("role")["permissions"]
            .clone();
        assert!(
            now.as_array()
                .expect("grants")
                .contains(&json!({"permission": "CHILD_PIN_READ", "scope": "UNIT"}))
        );

        let alice = app.login("alice.auditor").await;
        assert_eq!(
            codes(&app.gql(Some(&alice), PENDING, json!({})).await),
            vec!["FORBIDDEN"]
        );
        assert_eq!(
            codes(
                &app.gql(Some(&alice), APPROVE, json!({"id": ulf_req["id"]}))
                    .await
            ),
            vec!["FORBIDDEN"]
        );
    }
}

#[tokio::test]
async fn removals_and_roles_without_case_data_apply_at_once() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let auditor = id_of(&app, &adam, "roles", "AUDITOR").await;
        let input = json!({"username": "olle.audit", "displayName": "Olle", "roleIds": [auditor], "temporaryPassword": "temporary-pass-1"});
        data(&app.gql(Some(&adam), CREATE_USER, json!({"i": input})).await);
        assert_eq!(
            roles_of(&app, user_id(&app, "olle.audit").await).await,
            vec![auditor.clone()]
        );

        let anna = app.login("anna.case").await;
        let anna_id = user_id(&app, "anna.case").await;
        let cw = id_of(&app, &adam, "roles", "CASE_WORKER").await;
        data(
            &app.gql(
                Some(&adam),
                ASSIGN,
                json!({"u": anna_id.to_string(), "r": [auditor]}),
            )
            .await,
        );
        assert_eq!(
            roles_of(&app, anna_id).await,
            vec![auditor.clone()],
            "removal at once"
        );
        let q = "{children{totalCount}}";
        assert_eq!(
            codes(&app.gql(Some(&anna), q, json!({})).await),
            vec!["FORBIDDEN"]
        );
        assert!(pending(&app, &adam).await.is_empty());

        // Back to case work: that needs a second person; the rest applies.
        data(
            &app.gql(
                Some(&adam),
                ASSIGN,
                json!({"u": anna_id.to_string(), "r": [cw]}),
            )
            .await,
        );
        assert!(roles_of(&app, anna_id).await.is_empty());
        assert_eq!(
            codes(&app.gql(Some(&anna), q, json!({})).await),
            vec!["FORBIDDEN"]
        );
        let list = pending(&app, &adam).await;
        assert_eq!(list.len(), 1);
        let astrid = second_admin(&app).await;
        let rejected = app
            .gql(Some(&astrid), REJECT, json!({"id": list[0]["id"]}))
            .await;
        assert_eq!(data(&rejected)["rejectGrant"]["status"], "REJECTED");
        assert!(roles_of(&app, anna_id).await.is_empty(), "nothing applied");
        let rid = list[0]["id"].as_str().expect("id");
        let ev = events(&app, "GRANT_REJECTED", rid).await;
        assert!(ev.len() == 1 && ev[0].flagged, "{ev:?}");
        let again = app.gql(Some(&astrid), APPROVE, json!({"id": rid})).await;
        assert_eq!(codes(&again), vec!["CONFLICT"], "a rejection is final");

        // A role that changes between request and approval is not granted.
        let body = app.gql(Some(&adam), "mutation{createRole(input:{name:\"NARROW\", permissions:[{permission: CHILD_READ, scope: OWN}]}){id}}", json!({})).await;
        let narrow = data(&body)["createRole"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        data(
            &app.gql(
                Some(&adam),
                ASSIGN,
                json!({"u": anna_id.to_string(), "r": [narrow]}),
            )
            .await,
        );
        let widen = "mutation($id:ID!){updateRole(id:$id, input:{permissions:[{permission: CHILD_READ, scope: ALL}]}){permissions{scope}}}";
        let body = app.gql(Some(&adam), widen, json!({"id": narrow})).await;
        assert_eq!(
            data(&body)["updateRole"]["permissions"][0]["scope"],
            "ALL",
            "nobody holds it yet"
        );
        let list = pending(&app, &adam).await;
        let stale = app
            .gql(Some(&astrid), APPROVE, json!({"id": list[0]["id"]}))
            .await;
        assert_eq!(codes(&stale), vec!["CONFLICT"], "{stale}");
        assert!(roles_of(&app, anna_id).await.is_empty());
        assert_eq!(pending(&app, &adam).await.len(), 1, "still pending");
    }
}
