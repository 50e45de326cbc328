//! The committed schema.graphql is generated from the code.

#[test]
fn schema_graphql_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists");
    let generated = hearth::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql has drifted from the code: run `cargo run -- export-schema > schema.graphql`"
    );
}

#[test]
fn every_sensitive_field_has_a_policy_row() {
    // Walk the SDL: every field of the case types must be in the policy
    // table, or the gate would deny it (fail closed) by accident.
    let sdl = hearth::graphql::sdl();
    for object in ["Child", "Placement", "FosterHome", "Institution"] {
        let start = sdl
            .find(&format!("type {object} {{"))
            .unwrap_or_else(|| panic!("type {object} in SDL"));
        let body = &sdl[start..];
        let body = &body[body.find('{').expect("brace") + 1..body.find("\n}").expect("end")];
        let mut in_doc = false;
        for line in body.lines().map(str::trim) {
            if line.starts_with("\"\"\"") {
                in_doc = !(in_doc || (line.len() > 3 && line.ends_with("\"\"\"")));
                continue;
            }
            if in_doc || line.is_empty() || line.starts_with('"') {
                continue;
            }
            let name: String = line.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(
                hearth::access::policy::lookup(object, &name).is_some(),
                "{object}.{name} has no policy row"
            );
        }
    }
}
