//! Unit tests of the scanner: what counts as what, and that nesting far
//! beyond what the parser survives is refused without recursion.
use super::*;

const LOOSE: ScanLimits = ScanLimits {
    max_tokens: 1_000_000,
    max_aliases: 1_000_000,
    max_directives: 1_000_000,
    max_value_depth: 32,
    max_nesting: 64,
};

fn ok(text: &str) -> Shape {
    scan(text, LOOSE).expect("within limits")
}

fn refused(text: &str) -> &'static str {
    scan(text, LOOSE).expect_err("refused").limit
}

#[test]
fn lists_and_objects_nested_deep_are_refused_wherever_they_are() {
    let lists = |n: usize| format!("{}true{}", "[".repeat(n), "]".repeat(n));
    let objects = |n: usize| format!("{}1{}", "{a:".repeat(n), "}".repeat(n));
    for deep in [lists(100_000), objects(100_000)] {
        for doc in [
            format!("{{ __typename @include(if: {deep}) }}"),
            format!("{{ children(filter: {deep}) {{ totalCount }} }}"),
            format!("query($v: Int = {deep}) {{ me {{ id }} }}"),
            format!("mutation {{ createChild(input: {{ givenName: {deep} }}) {{ id }} }}"),
        ] {
            assert_eq!(refused(&doc), "max_value_depth", "{}", &doc[..40]);
        }
    }
    let types = format!(
        "query($v: {}Int{}) {{ me {{ id }} }}",
        "[".repeat(50),
        "]".repeat(50)
    );
    assert_eq!(refused(&types), "max_value_depth");
    // 30 levels are fine.
    ok(&format!("{{ __typename @include(if: {}) }}", lists(30)));
}

#[test]
fn selections_nested_deep_are_refused_before_the_parser() {
    let deep = format!("{}id{}", "{a".repeat(100_000), "}".repeat(100_000));
    assert_eq!(refused(&deep), "max_nesting");
    let inline = format!(
        "{{{}id{}}}",
        "... on Q {".repeat(100_000),
        "}".repeat(100_000)
    );
    assert_eq!(refused(&inline), "max_nesting");
}

#[test]
fn aliases_are_names_before_a_colon_in_a_selection_set_only() {
    let s = ok(
        "query($a: Int = 1, $b: [String!]) { x: children(first: 5, filter: {name: \"a\"}) \
        { edges { y: node { id } } } me @include(if: true) { id } }",
    );
    assert_eq!(s.aliases, 2);
    assert_eq!(s.directives, 1);
    let names: Vec<&str> = s.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["", "children", "edges", "node", "id", "me", "id"]);
    assert_eq!(s.nodes[1].first, Some(First::Literal(5)));
    let limited = ScanLimits {
        max_aliases: 1,
        ..LOOSE
    };
    let err = scan("{ a: me { id } b: me { id } }", limited).expect_err("two aliases");
    assert_eq!((err.limit, err.value, err.max), ("max_aliases", 2, 1));
}

#[test]
fn strings_and_comments_hide_their_brackets() {
    let s = ok("{ a(x: \"{{[[(\\\"\", y: \"\"\"{{ [[ \\\"\"\" ]]\"\"\") # {{{{\n { id } }");
    assert_eq!(s.nodes.len(), 3);
    assert_eq!(s.tokens, 14);
}

#[test]
fn tokens_and_directives_are_counted_and_bounded() {
    let limits = ScanLimits {
        max_tokens: 10,
        ..LOOSE
    };
    assert_eq!(
        scan("{ a b c d e f g h i j k }", limits)
            .expect_err("12")
            .limit,
        "max_tokens"
    );
    let limits = ScanLimits {
        max_directives: 2,
        ..LOOSE
    };
    let doc = "{ a @skip(if: false) b @skip(if: false) c @skip(if: false) }";
    assert_eq!(scan(doc, limits).expect_err("3").limit, "max_directives");
}

#[test]
fn fragments_spreads_and_variables_are_recorded() {
    let s = ok(
        "query Q($n: Int) { children(first: $n) { edges { node { ...F ... on Child { ...G } } } } }
        fragment F on Child { placements { ...G } }
        fragment G on Child @x { id }",
    );
    assert_eq!(s.fragments, ["F", "G"]);
    assert_eq!(s.definitions.len(), 3);
    assert_eq!(s.definitions[1].fragment, Some(0));
    assert_eq!(s.nodes[1].first, Some(First::Variable("n".into())));
    // Both spreads in `node`: the inline fragment is transparent.
    let node = s.nodes.iter().position(|n| n.name == "node").expect("node");
    assert_eq!(s.nodes[node].spreads, [0, 1]);
    let placements = s
        .nodes
        .iter()
        .position(|n| n.name == "placements")
        .expect("p");
    assert_eq!(s.nodes[placements].spreads, [1]);
}
