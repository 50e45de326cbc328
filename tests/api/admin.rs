//! Administration, protected identity grants, emergency access, deactivation.
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};
use hearth::entity::{audit_event, emergency_grant, user};

async fn user_id(app: &TestApp, name: &str) -> String {
    user::Entity::find()
        .filter(user::Column::Username.eq(name))
        .one(&app.state.db)
        .await
        .expect("db")
        .expect("user")
        .id
        .to_string()
}

async fn role_id(app: &TestApp, admin: &str, name: &str) -> String {
    let body = app.gql(Some(admin), "{roles{id name}}", json!({})).await;
    body["data"]["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["name"] == name)
        .expect("role")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

const PROTECTED_Q: &str = "{children(first:500){edges{node{id protectedIdentity address}}}}";

fn protected_addresses(body: &Value) -> Vec<Value> {
    body["data"]["children"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["protectedIdentity"] == true)
        .map(|e| e["node"]["address"].clone())
        .collect()
}

#[tokio::test]
async fn protected_identity_permission_takes_effect_at_the_next_request() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let adam = app.login("adam.admin").await;
        let before = app.gql(Some(&anna), PROTECTED_Q, json!({})).await;
        assert!(protected_addresses(&before).iter().all(Value::is_null));
        let role = app
            .gql(Some(&adam), "mutation{createRole(input:{name:\"PROTECTED_READER\", description:\"Skyddade personuppgifter\", permissions:[{permission: PROTECTED_IDENTITY, scope: OWN}]}){id}}", json!({}))
            .await;
        let new_role = role["data"]["createRole"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{role}"))
            .to_owned();
        let cw = role_id(&app, &adam, "CASE_WORKER").await;
        let anna_id = user_id(&app, "anna.case").await;
        let assigned = app
            .gql(
                Some(&adam),
                "mutation($u:ID!,$r:[ID!]!){assignRoles(userId:$u, roleIds:$r){username}}",
                json!({"u": anna_id, "r": [cw, new_role]}),
            )
            .await;
        assert!(assigned["errors"].is_null(), "{assigned}");
        // PROTECTED_IDENTITY is case data: it waits for a second person.
        let pending = app.gql(Some(&anna), PROTECTED_Q, json!({})).await;
        assert!(protected_addresses(&pending).iter().all(Value::is_null));
        let astrid = crate::foureyes::second_admin(&app).await;
        crate::foureyes::approve_only(&app, &astrid).await;
        let after = app.gql(Some(&anna), PROTECTED_Q, json!({})).await;
        let addresses = protected_addresses(&after);
        assert!(
            !addresses.is_empty() && addresses.iter().all(Value::is_string),
            "same token, new permission: {after}"
        );
    }
}

#[tokio::test]
async fn nobody_changes_their_own_roles_and_deactivation_ends_access() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let adam_id = user_id(&app, "adam.admin").await;
        let cw = role_id(&app, &adam, "CASE_WORKER").await;
        let admin_role = role_id(&app, &adam, "ADMIN").await;
        let body = app
            .gql(
                Some(&adam),
                "mutation($u:ID!,$r:[ID!]!){assignRoles(userId:$u, roleIds:$r){username}}",
                json!({"u": adam_id, "r": [admin_role, cw]}),
            )
            .await;
        assert_eq!(codes(&body), vec!["FORBIDDEN"], "{body}");
        let still = app
            .gql(Some(&adam), "{children{totalCount}}", json!({}))
            .await;
        assert_eq!(codes(&still), vec!["FORBIDDEN"]);
        let bo = app.login("bo.case").await;
        let bo_id = user_id(&app, "bo.case").await;
        assert!(
            app.gql(Some(&bo), "{children{totalCount}}", json!({}))
                .await["errors"]
                .is_null()
        );
        let off = app
            .gql(
                Some(&adam),
                "mutation($u:ID!){deactivateUser(id:$u){active}}",
                json!({"u": bo_id}),
            )
            .await;
        assert_eq!(off["data"]["deactivateUser"]["active"], false, "{off}");
        let refused = app
            .gql(Some(&bo), "{children{totalCount}}", json!({}))
            .await;
        assert_eq!(
            codes(&refused),
            vec!["UNAUTHENTICATED"],
            "the still-valid token is refused"
        );
        let relogin = app
            .gql(
                None,
                "mutation($p:String!){login(username:\"bo.case\", password:$p){accessToken}}",
                json!({"p": DEMO_PASSWORD}),
            )
            .await;
        assert_eq!(codes(&relogin), vec!["UNAUTHENTICATED"]);
    }
}

#[tokio::test]
async fn new_users_must_replace_their_temporary_password() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let fin = role_id(&app, &adam, "FINANCE").await;
        let short = app.gql(Some(&adam), "mutation($r:ID!){createUser(input:{username:\"nina.fin\", displayName:\"Nina\", roleIds:[$r], temporaryPassword:\"short\"}){id}}", json!({"r": fin})).await;
        assert_eq!(
            short["errors"][0]["extensions"]["field"],
            "temporaryPassword"
        );
        let created = app.gql(Some(&adam), "mutation($r:ID!){createUser(input:{username:\"nina.fin\", displayName:\"Nina\", roleIds:[$r], temporaryPassword:\"temporary-pass-1\"}){id mustChangePassword}}", json!({"r": fin})).await;
        assert_eq!(
            created["data"]["createUser"]["mustChangePassword"], true,
            "{created}"
        );
        let login = app.gql(None, "mutation{login(username:\"nina.fin\", password:\"temporary-pass-1\"){accessToken}}", json!({})).await;
        let token = login["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        let blocked = app
            .gql(Some(&token), "{placements{totalCount}}", json!({}))
            .await;
        assert_eq!(codes(&blocked), vec!["FORBIDDEN"]);
        let changed = app.gql(Some(&token), "mutation{changePassword(current:\"temporary-pass-1\", new:\"a-new-long-password\")}", json!({})).await;
        assert_eq!(changed["data"]["changePassword"], true, "{changed}");
        // A password change ends every session, this one included.
        let ended = app
            .gql(Some(&token), "{placements{totalCount}}", json!({}))
            .await;
        assert_eq!(codes(&ended), vec!["UNAUTHENTICATED"], "{ended}");
        let login = app.gql(None, "mutation{login(username:\"nina.fin\", password:\"a-new-long-password\"){accessToken}}", json!({})).await;
        let token = login["data"]["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        // FINANCE reads placements (case data): it waits for a second person.
        let waiting = app
            .gql(Some(&token), "{placements{totalCount}}", json!({}))
            .await;
        assert_eq!(codes(&waiting), vec!["FORBIDDEN"]);
        let astrid = crate::foureyes::second_admin(&app).await;
        crate::foureyes::approve_only(&app, &astrid).await;
        let open = app
            .gql(Some(&token), "{placements{totalCount}}", json!({}))
            .await;
        assert!(open["errors"].is_null(), "{open}");
    }
}

#[tokio::test]
async fn emergency_access_opens_one_child_for_the_grant_lifetime_and_is_flagged() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let bo = app.login("bo.case").await;
        let list = app
            .gql(
                Some(&anna),
                "{children(first:1){edges{node{id}}}}",
                json!({}),
            )
            .await;
        let target = list["data"]["children"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let q = "query($id:ID!){child(id:$id){givenName personalIdentityNumber}}";
        assert_eq!(
            codes(&app.gql(Some(&bo), q, json!({"id": target})).await),
            vec!["NOT_FOUND"]
        );
        let m = "mutation($c:ID!,$j:String!){requestEmergencyAccess(childId:$c, justification:$j){id expiresAt}}";
        let short = app
            .gql(Some(&bo), m, json!({"c": target, "j": "urgent"}))
            .await;
        assert_eq!(short["errors"][0]["extensions"]["field"], "justification");
        let granted = app
            .gql(
                Some(&bo),
                m,
                json!({"c": target, "j": "Police called about the child at night; colleague away"}),
            )
            .await;
        assert!(
            granted["data"]["requestEmergencyAccess"]["expiresAt"].is_string(),
            "{granted}"
        );
        let read = app.gql(Some(&bo), q, json!({"id": target})).await;
        assert!(read["data"]["child"]["givenName"].is_string(), "{read}");
        let own = app
            .gql(
                Some(&anna),
                m,
                json!({"c": target, "j": "Not needed, this is my own child here"}),
            )
            .await;
        assert_eq!(
            codes(&own),
            vec!["CONFLICT"],
            "refused for a child already in scope"
        );
        let flagged = audit_event::Entity::find()
            .filter(
                audit_event::Column::SubjectChildId
                    .eq(uuid::Uuid::parse_str(&target).expect("uuid")),
            )
            .filter(audit_event::Column::Flagged.eq(true))
            .all(&app.state.db)
            .await
            .expect("db");
        assert!(
            flagged
                .iter()
                .any(|e| e.action == "EMERGENCY_ACCESS_GRANTED")
        );
        assert!(
            flagged
                .iter()
                .any(|e| e.action == "READ" && e.grant_id.is_some()),
            "reads under the grant are flagged"
        );
        // The grant lapses: move its expiry into the past, as time would.
        for g in emergency_grant::Entity::find()
            .all(&app.state.db)
            .await
            .expect("db")
        {
            let mut g: emergency_grant::ActiveModel = g.into();
            g.granted_at = Set(chrono::Utc::now() - chrono::Duration::minutes(61));
            g.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
            g.update(&app.state.db).await.expect("expire");
        }
        assert_eq!(
            codes(&app.gql(Some(&bo), q, json!({"id": target})).await),
            vec!["NOT_FOUND"]
        );
    }
}

#[tokio::test]
async fn writes_stay_inside_the_callers_scope() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let adam = app.login("adam.admin").await;
        let units = app.gql(Some(&adam), "{units{id name}}", json!({})).await;
        let other = units["data"]["units"]
            .as_array()
            .expect("units")
            .iter()
            .find(|u| u["name"] == "Familjehem")
            .expect("unit")["id"]
            .clone();
        let pin = hearth::domain::pin::make(
            chrono::NaiveDate::from_ymd_opt(2016, 1, 2).expect("d"),
            555,
            false,
        );
        let body = app.gql(Some(&anna), "mutation($i:CreateChildInput!){createChild(input:$i){id}}", json!({"i": {"givenName": "A", "familyName": "B", "personalIdentityNumber": pin, "unitId": other}})).await;
        assert_eq!(codes(&body), vec!["FORBIDDEN"], "{body}");
        let created = app
            .gql(
                Some(&anna),
                "mutation($i:CreateChildInput!){createChild(input:$i){id givenName}}",
                json!({"i": {"givenName": "A", "familyName": "B", "personalIdentityNumber": pin}}),
            )
            .await;
        assert_eq!(
            created["data"]["createChild"]["givenName"], "A",
            "a case worker's new child lands in their caseload: {created}"
        );
        let bo = app.login("bo.case").await;
        let id = created["data"]["createChild"]["id"].clone();
        let upd = app
            .gql(
                Some(&bo),
                "mutation($id:ID!){updateChild(id:$id, input:{givenName:\"X\"}){id}}",
                json!({"id": id}),
            )
            .await;
        assert_eq!(codes(&upd), vec!["NOT_FOUND"]);
    }
}
