//! Issue 9, four-eyes for case-data grants (access.md, "Writes"): a role
//! assignment or role change that gives someone case data takes effect only
//! when a second person approves it; nobody approves their own request.
//! `decisions` has who decides what; here are the hole itself and the race.
mod decisions;

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::harness::{DEMO_PASSWORD, TestApp, backends, codes};
use hearth::entity::{audit_event, user, user_role};

/// Id of the built-in ADMIN role (seeded by migration).
const ADMIN_ROLE: &str = "00000000-0000-4000-8000-000000000006";

pub(crate) const CREATE_USER: &str =
    "mutation($i:CreateUserInput!){createUser(input:$i){id username}}";
pub(crate) const ASSIGN: &str =
    "mutation($u:ID!,$r:[ID!]!){assignRoles(userId:$u, roleIds:$r){id}}";
pub(crate) const PENDING: &str = "{pendingGrants{id kind status user{username} roleId roles{roleId roleName permissions{permission scope}} requestedBy{username} requestedAt decidedBy{username}}}";
pub(crate) const APPROVE: &str =
    "mutation($id:ID!){approveGrant(id:$id){id status decidedBy{username} decidedAt}}";
pub(crate) const REJECT: &str =
    "mutation($id:ID!){rejectGrant(id:$id){id status decidedBy{username}}}";
const PINS: &str = "{children(first:500){totalCount edges{node{personalIdentityNumber}}}}";

pub(crate) fn data(body: &Value) -> &Value {
    assert!(body["errors"].is_null(), "{body}");
    &body["data"]
}

/// A second administrator, created as `hearth create-admin` does (directly
/// in the database), logged in.
pub(crate) async fn second_admin(app: &TestApp) -> String {
    let hash = hearth::auth::password::hash(DEMO_PASSWORD)
        .await
        .expect("hash");
    let now = chrono::Utc::now();
    let id = Uuid::new_v4();
    user::ActiveModel {
        id: Set(id),
        username: Set("astrid.admin".into()),
        display_name: Set("Astrid".into()),
        password_hash: Set(hash),
        unit_id: Set(None),
        active: Set(true),
        must_change_password: Set(false),
        failed_logins: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.state.db)
    .await
    .expect("user");
    user_role::ActiveModel {
        user_id: Set(id),
        role_id: Set(Uuid::parse_str(ADMIN_ROLE).expect("uuid")),
    }
    .insert(&app.state.db)
    .await
    .expect("role");
    app.login("astrid.admin").await
}

/// The pending requests `token` sees.
pub(crate) async fn pending(app: &TestApp, token: &str) -> Vec<Value> {
    let body = app.gql(Some(token), PENDING, json!({})).await;
    data(&body)["pendingGrants"]
        .as_array()
        .expect("list")
        .clone()
}

/// Approves the only pending request, as `token`.
pub(crate) async fn approve_only(app: &TestApp, token: &str) {
    let list = pending(app, token).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let body = app
        .gql(Some(token), APPROVE, json!({"id": list[0]["id"]}))
        .await;
    assert_eq!(data(&body)["approveGrant"]["status"], "APPROVED");
}

pub(crate) async fn id_of(app: &TestApp, token: &str, list: &str, name: &str) -> String {
    let body = app
        .gql(Some(token), &format!("{{{list}{{id name}}}}"), json!({}))
        .await;
    data(&body)[list]
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {body}"))["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

pub(crate) async fn user_id(app: &TestApp, name: &str) -> Uuid {
    user::Entity::find()
        .filter(user::Column::Username.eq(name))
        .one(&app.state.db)
        .await
        .expect("db")
        .expect("user")
        .id
}

pub(crate) async fn roles_of(app: &TestApp, user: Uuid) -> Vec<String> {
    let mut ids: Vec<String> = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user))
        .all(&app.state.db)
        .await
        .expect("db")
        .into_iter()
        .map(|r| r.role_id.to_string())
        .collect();
    ids.sort();
    ids
}

pub(crate) async fn events(app: &TestApp, action: &str, entity: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .filter(audit_event::Column::EntityId.eq(entity))
        .all(&app.state.db)
        .await
        .expect("db")
}

/// The hole: an administrator made a role with personal identity numbers at
/// ALL, gave it to a user they created, logged in as that user and read
/// every personal identity number, unhindered and unflagged.
#[tokio::test]
async fn an_administrator_alone_cannot_give_a_new_user_case_data() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let role = app.gql(Some(&adam), "mutation{createRole(input:{name:\"READ_ALL\", permissions:[{permission: CHILD_READ, scope: ALL},{permission: CHILD_PIN_READ, scope: ALL},{permission: PROTECTED_IDENTITY, scope: ALL}]}){id permissions{permission}}}", json!({})).await;
        let role_id = data(&role)["createRole"]["id"].clone();
        assert_eq!(
            data(&role)["createRole"]["permissions"]
                .as_array()
                .map(Vec::len),
            Some(3),
            "a role nobody holds is created at once"
        );
        let input = json!({"username": "eve.snoop", "displayName": "Eve", "roleIds": [role_id], "temporaryPassword": "temporary-pass-1"});
        let created = app.gql(Some(&adam), CREATE_USER, json!({"i": input})).await;
        let eve_id = data(&created)["createUser"]["id"].clone();
        let login = app.gql(None, "mutation{login(username:\"eve.snoop\", password:\"temporary-pass-1\"){accessToken}}", json!({})).await;
        let eve = data(&login)["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();
        let changed = app.gql(Some(&eve), "mutation{changePassword(current:\"temporary-pass-1\", new:\"a-new-long-password\")}", json!({})).await;
        assert_eq!(data(&changed)["changePassword"], true);
        // The change ended that session: eve logs in with her own password.
        let login = app.gql(None, "mutation{login(username:\"eve.snoop\", password:\"a-new-long-password\"){accessToken}}", json!({})).await;
        let eve = data(&login)["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned();

        let blocked = app.gql(Some(&eve), PINS, json!({})).await;
        assert_eq!(codes(&blocked), vec!["FORBIDDEN"], "{blocked}");
        assert!(blocked["data"]["children"].is_null());
        let eve_uuid = Uuid::parse_str(eve_id.as_str().expect("id")).expect("uuid");
        assert!(
            roles_of(&app, eve_uuid).await.is_empty(),
            "not assigned yet"
        );

        let list = pending(&app, &adam).await;
        assert_eq!(list.len(), 1, "{list:?}");
        let req = &list[0];
        assert_eq!(req["kind"], "USER_ROLES");
        assert_eq!(req["status"], "PENDING");
        assert_eq!(req["user"]["username"], "eve.snoop");
        assert_eq!(req["requestedBy"]["username"], "adam.admin");
        assert_eq!(req["roles"][0]["roleName"], "READ_ALL");
        assert_eq!(
            req["roles"][0]["permissions"].as_array().map(Vec::len),
            Some(3)
        );
        let req_id = req["id"].clone();

        let own = app.gql(Some(&adam), APPROVE, json!({"id": req_id})).await;
        assert_eq!(
            codes(&own),
            vec!["FORBIDDEN"],
            "nobody approves their own request"
        );
        let own = app.gql(Some(&eve), APPROVE, json!({"id": req_id})).await;
        assert_eq!(
            codes(&own),
            vec!["FORBIDDEN"],
            "nor the user who would gain it"
        );
        let maria = app.login("maria.manager").await;
        let other = app.gql(Some(&maria), APPROVE, json!({"id": req_id})).await;
        assert_eq!(
            codes(&other),
            vec!["NOT_FOUND"],
            "eve is not of maria's unit"
        );
        assert_eq!(
            codes(&app.gql(Some(&eve), PINS, json!({})).await),
            vec!["FORBIDDEN"]
        );

        let astrid = second_admin(&app).await;
        let approved = app.gql(Some(&astrid), APPROVE, json!({"id": req_id})).await;
        let decided = &data(&approved)["approveGrant"];
        assert_eq!(decided["status"], "APPROVED");
        assert_eq!(decided["decidedBy"]["username"], "astrid.admin");
        assert!(decided["decidedAt"].is_string());

        // Eve's same token, the next request.
        let open = app.gql(Some(&eve), PINS, json!({})).await;
        let children = &data(&open)["children"];
        let edges = children["edges"].as_array().expect("edges");
        assert!(!edges.is_empty() && edges.len() as i64 == children["totalCount"]);
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["personalIdentityNumber"].is_string())
        );
        assert!(pending(&app, &adam).await.is_empty());
        let again = app.gql(Some(&astrid), APPROVE, json!({"id": req_id})).await;
        assert_eq!(codes(&again), vec!["CONFLICT"], "decided once");

        let rid = req_id.as_str().expect("id");
        let requested = events(&app, "GRANT_REQUESTED", rid).await;
        let approvals = events(&app, "GRANT_APPROVED", rid).await;
        let allowed: Vec<_> = approvals
            .iter()
            .filter(|e| e.outcome == "ALLOWED")
            .collect();
        assert_eq!(requested.len(), 1);
        assert_eq!(allowed.len(), 1);
        for e in requested.iter().chain(allowed.iter().copied()) {
            assert!(e.flagged, "{e:?}");
            assert!(
                e.flag_reason
                    .as_deref()
                    .is_some_and(|r| r.contains("case-data grant"))
            );
        }
        assert_eq!(requested[0].actor_username.as_deref(), Some("adam.admin"));
        assert_eq!(allowed[0].actor_username.as_deref(), Some("astrid.admin"));
        let refusals: Vec<_> = approvals.iter().filter(|e| e.outcome == "DENIED").collect();
        assert_eq!(refusals.len(), 1, "the refused self-approval is recorded");
        assert!(refusals.iter().all(|e| e.flagged));
    }
}

#[tokio::test]
async fn of_twenty_concurrent_approvals_exactly_one_applies() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let adam = app.login("adam.admin").await;
        let astrid = second_admin(&app).await;
        let cw = id_of(&app, &adam, "roles", "CASE_WORKER").await;
        let input = json!({"username": "race.case", "displayName": "Race", "roleIds": [cw], "temporaryPassword": "temporary-pass-1"});
        data(&app.gql(Some(&adam), CREATE_USER, json!({"i": input})).await);
        let id = pending(&app, &adam).await[0]["id"].clone();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let (client, url, token) = (
                app.client.clone(),
                format!("{}/graphql", app.base),
                astrid.clone(),
            );
            let body = json!({"query": APPROVE, "variables": {"id": id}});
            set.spawn(async move {
                let resp = client.post(url).bearer_auth(token).json(&body).send().await;
                resp.expect("send").json::<Value>().await.expect("json")
            });
        }
        let mut ok = 0;
        let mut conflicts = 0;
        while let Some(body) = set.join_next().await {
            let body = body.expect("task");
            match codes(&body).as_slice() {
                [] if body["data"]["approveGrant"]["status"] == "APPROVED" => ok += 1,
                [code] if code == "CONFLICT" => conflicts += 1,
                _ => panic!("unexpected answer: {body}"),
            }
        }
        assert_eq!((ok, conflicts), (1, 19), "{backend:?}");
        let rid = id.as_str().expect("id");
        let applied: Vec<_> = events(&app, "GRANT_APPROVED", rid)
            .await
            .into_iter()
            .filter(|e| e.outcome == "ALLOWED")
            .collect();
        assert_eq!(applied.len(), 1);
        assert_eq!(
            roles_of(&app, user_id(&app, "race.case").await).await,
            vec![cw]
        );
    }
}
