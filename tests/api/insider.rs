//! Issue 9: the guarantees hold against a hostile insider. One regression
//! test per hole, over HTTP, on every backend.
use serde_json::{Value, json};

use crate::harness::{TestApp, backends, codes};

fn data(body: &Value) -> &Value {
    assert!(body["errors"].is_null(), "{body}");
    &body["data"]
}

/// Hole 4: an ended caseload assignment kept working until midnight.
#[tokio::test]
async fn an_ended_caseload_assignment_ends_access_at_the_next_request() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let me = app.gql(Some(&anna), "{me{id}}", json!({})).await;
        let anna_id = data(&me)["me"]["id"].as_str().expect("id").to_owned();
        let list = app
            .gql(
                Some(&anna),
                "{children(first:1){edges{node{id}}}}",
                json!({}),
            )
            .await;
        let child = data(&list)["children"]["edges"][0]["node"]["id"]
            .as_str()
            .expect("anna has a caseload")
            .to_owned();
        let read = "query($c:ID!){child(id:$c){personalIdentityNumber}}";
        let before = app.gql(Some(&anna), read, json!({"c": child})).await;
        assert!(data(&before)["child"]["personalIdentityNumber"].is_string());

        let maria = app.login("maria.manager").await;
        let ended = app
            .gql(
                Some(&maria),
                "mutation($c:ID!,$u:ID!){endCaseloadAssignment(childId:$c,userId:$u)}",
                json!({"c": child, "u": anna_id}),
            )
            .await;
        assert_eq!(data(&ended)["endCaseloadAssignment"], true);

        // The same token, the very next request.
        let after = app.gql(Some(&anna), read, json!({"c": child})).await;
        assert_eq!(codes(&after), vec!["NOT_FOUND"], "{after}");
        assert!(after["data"]["child"].is_null());
        let listed = app
            .gql(
                Some(&anna),
                "{children(first:500){edges{node{id}}}}",
                json!({}),
            )
            .await;
        let ids: Vec<&Value> = data(&listed)["children"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| &e["node"]["id"])
            .collect();
        assert!(!ids.contains(&&json!(child)), "no longer listed");
    }
}

const HOMES: &str =
    "{fosterHomes(first:100){edges{node{id capacity status currentPlacements{id}}}}}";
const UPDATE_HOME: &str = "mutation($id:ID!,$i:UpdateFosterHomeInput!){updateFosterHome(id:$id,input:$i){capacity status}}";

/// Hole 12: a home's capacity could fall below its placements, and a home
/// with children in it could be CLOSED.
#[tokio::test]
async fn a_home_keeps_room_for_its_children_and_cannot_close_over_them() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let fredrik = app.login("fredrik.foster").await;
        let body = app.gql(Some(&fredrik), HOMES, json!({})).await;
        let (home, held) = data(&body)["fosterHomes"]["edges"]
            .as_array()
            .expect("homes")
            .iter()
            .map(|e| {
                let n = e["node"]["currentPlacements"]
                    .as_array()
                    .map_or(0, Vec::len);
                (e["node"].clone(), n)
            })
            .max_by_key(|(_, n)| *n)
            .expect("fredrik supports homes");
        assert!(held >= 2, "a home of fredrik's holds two children or more");
        let id = home["id"].as_str().expect("id");

        let closed = app
            .gql(
                Some(&fredrik),
                UPDATE_HOME,
                json!({"id": id, "i": {"status": "CLOSED"}}),
            )
            .await;
        assert_eq!(codes(&closed), vec!["CONFLICT"], "{closed}");
        let lowered = app
            .gql(
                Some(&fredrik),
                UPDATE_HOME,
                json!({"id": id, "i": {"capacity": held - 1}}),
            )
            .await;
        assert_eq!(codes(&lowered), vec!["CONFLICT"], "{lowered}");

        let again = app.gql(Some(&fredrik), HOMES, json!({})).await;
        let now = data(&again)["fosterHomes"]["edges"]
            .as_array()
            .expect("homes")
            .iter()
            .find(|e| e["node"]["id"] == home["id"])
            .expect("home")["node"]
            .clone();
        assert_eq!(now["capacity"], home["capacity"], "nothing was written");
        assert_eq!(now["status"], home["status"]);

        let raised = app
            .gql(
                Some(&fredrik),
                UPDATE_HOME,
                json!({"id": id, "i": {"capacity": 20}}),
            )
            .await;
        assert_eq!(data(&raised)["updateFosterHome"]["capacity"], 20);
    }
}

async fn user_id(app: &TestApp, token: &str) -> String {
    let me = app.gql(Some(token), "{me{id}}", json!({})).await;
    data(&me)["me"]["id"].as_str().expect("id").to_owned()
}

const CREATE_HOME: &str =
    "mutation($i:CreateFosterHomeInput!){createFosterHome(input:$i){id secretary{username}}}";

/// Hole 2: naming a secretary was a hidden caseload grant to anyone.
#[tokio::test]
async fn only_a_foster_care_worker_of_the_homes_unit_can_be_its_secretary() {
    for backend in backends() {
        let app = TestApp::demo(backend).await;
        let anna = app.login("anna.case").await;
        let anna_id = user_id(&app, &anna).await;
        let fredrik = app.login("fredrik.foster").await;
        let fredrik_id = user_id(&app, &fredrik).await;
        let maria = app.login("maria.manager").await;
        let home = |secretary: Option<&str>| json!({"i": {"name": "Familjen Prov", "kind": "OWN", "capacity": 2, "secretaryId": secretary}});
        // A case worker, and a foster care worker of another unit.
        for who in [&anna_id, &fredrik_id] {
            let body = app.gql(Some(&maria), CREATE_HOME, home(Some(who))).await;
            assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], "secretaryId");
        }
        let created = app.gql(Some(&maria), CREATE_HOME, home(None)).await;
        let id = data(&created)["createFosterHome"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let body = app
            .gql(
                Some(&maria),
                UPDATE_HOME,
                json!({"id": id, "i": {"secretaryId": anna_id}}),
            )
            .await;
        assert_eq!(codes(&body), vec!["BAD_USER_INPUT"], "{body}");

        // A foster care worker registering a home of their own unit supports it.
        let own = app.gql(Some(&fredrik), CREATE_HOME, home(None)).await;
        assert_eq!(
            data(&own)["createFosterHome"]["secretary"]["username"],
            "fredrik.foster"
        );
    }
}
