//! URI templates (`mcp/uri_template.rs`): matching never panics; a URI
//! expanded from a template and values matches it and gives the values back.

use std::collections::BTreeMap;

use super::gen::percent_encode;
use super::{check, Rng};
use crate::mcp::uri_template::{is_valid, match_uri};

/// A template and its expansion with the values it was built with.
struct Expanded {
    template: String,
    uri: String,
    values: BTreeMap<String, String>,
}

/// Literal text, and what follows a variable: a character an encoded value never holds.
const LITERAL: &[char] = &['a', 'z', '0', ':', '/', '.', '-', '_', '~', '?', '=', '!'];
const AFTER_VAR: &[char] = &[':', '.', '?', '!', '=', '-'];

fn expanded(rng: &mut Rng) -> Expanded {
    let mut template = format!("{}://", rng.pick(&["notes", "file", "test", "x"]));
    let mut uri = template.clone();
    let mut values = BTreeMap::new();
    for i in 0..rng.range(1, 4) {
        if i > 0 {
            // Two variables in a row are never matched: a literal parts them.
            let literal = format!("{}{}", rng.pick(AFTER_VAR), rng.text_of(LITERAL, 4));
            template.push_str(&literal);
            uri.push_str(&literal);
        }
        let reserved = rng.one_in(3);
        let name = format!("v{i}{}", rng.ident(4));
        let mut value = rng.text(12);
        if value.is_empty() {
            value.push(rng.char());
        }
        template.push_str(&format!("{{{}{name}}}", if reserved { "+" } else { "" }));
        // Only letters, digits and escapes (and `/` in a reserved variable).
        uri.push_str(&if reserved {
            percent_encode(&value, "/").replace("%2F", "/")
        } else {
            percent_encode(&value, "")
        });
        values.insert(name, value);
    }
    if rng.one_in(2) {
        let tail = format!("{}{}", rng.pick(AFTER_VAR), rng.text_of(LITERAL, 5));
        template.push_str(&tail);
        uri.push_str(&tail);
    }
    Expanded { template, uri, values }
}

#[test]
fn matching_any_template_and_uri_never_panics() {
    check("uri_any_text", 4000, |rng| {
        let (template, uri) = if rng.one_in(2) {
            (rng.text(20), rng.text(20))
        } else {
            let e = expanded(rng);
            let mutate = |rng: &mut Rng, s: &str| String::from_utf8_lossy(&rng.mutate(s.as_bytes())).into_owned();
            (mutate(rng, &e.template), mutate(rng, &e.uri))
        };
        let matched = match_uri(&template, &uri);
        if !is_valid(&template) {
            assert_eq!(matched, None);
        }
    });
}

#[test]
fn an_expanded_uri_matches_its_template_with_the_values_it_was_built_from() {
    check("uri_round_trip", 4000, |rng| {
        let e = expanded(rng);
        assert!(is_valid(&e.template), "{}", e.template);
        assert_eq!(match_uri(&e.template, &e.uri), Some(e.values), "{} against {}", e.uri, e.template);
    });
}

#[test]
fn a_simple_variable_never_takes_a_slash() {
    check("uri_simple_no_slash", 2000, |rng| {
        let (a, b) = (rng.ident(5), rng.ident(5));
        assert_eq!(match_uri("notes://{id}", &format!("notes://{a}/{b}")), None);
        let matched = match_uri("notes://{+id}", &format!("notes://{a}/{b}")).expect("a reserved variable");
        assert_eq!(matched["id"], format!("{a}/{b}"));
    });
}
