//! Routing (`router/path.rs`): nothing panics on any path; a path built from
//! a prefix, agent, name and rest splits back into them, and they
//! re-assemble it; names and query values decode back to what was encoded.

use super::gen::percent_encode;
use super::{check, Rng};
use crate::router::path::{
    decode_name, is_under_prefix, kebab_case, parse_agent_path, percent_decode, query_param, url_query, NameError,
    MAX_NAME_BYTES,
};

/// A path segment: not empty, no `/`.
fn segment(rng: &mut Rng) -> String {
    let text = rng.text(10).replace('/', "");
    if text.is_empty() {
        rng.ident(6)
    } else {
        text
    }
}

/// A name the router accepts: short enough, no control characters.
fn name(rng: &mut Rng) -> String {
    let name: String = rng.text(40).chars().filter(|c| !c.is_control()).collect();
    if name.is_empty() {
        rng.ident(8)
    } else {
        name
    }
}

#[test]
fn nothing_panics_on_any_path_or_query() {
    check("path_any_text", 4000, |rng| {
        let text = String::from_utf8_lossy(&rng.bytes(60)).into_owned();
        let prefix = rng.pick(&["agents", "", "/api/v1/", "a/b"]);
        let routed = parse_agent_path(&text, prefix);
        if routed.is_some() {
            assert!(is_under_prefix(&text, prefix), "{text:?} routed but not under {prefix:?}");
        }
        if let Ok(name) = decode_name(&text) {
            assert!(name.len() <= MAX_NAME_BYTES && !name.chars().any(char::is_control));
        }
        let _ = (kebab_case(&text), query_param(&text, "_pk"), url_query(&text), percent_decode(&text));
    });
}

#[test]
fn a_routed_path_splits_into_its_parts_and_they_re_assemble_it() {
    check("path_round_trip", 4000, |rng| {
        let prefix_segments: Vec<String> = (0..rng.below(3)).map(|_| rng.ident(6)).collect();
        let prefix = prefix_segments.join("/");
        let agent = segment(rng);
        let name = name(rng);
        let raw_name = percent_encode(&name, "-._~");
        let rest: Vec<String> = (0..rng.below(3)).map(|_| segment(rng)).collect();
        let rest = rest.join("/");
        let mut path = String::from("/");
        for part in prefix_segments.iter().chain([&agent, &raw_name]) {
            path.push_str(part);
            path.push('/');
        }
        path.push_str(&rest);
        if rest.is_empty() && rng.one_in(2) {
            path.pop();
        }
        // How the prefix is written does not matter.
        let written = match rng.below(3) {
            0 => prefix.clone(),
            1 => format!("/{prefix}"),
            _ => format!("/{prefix}/"),
        };
        let routed = parse_agent_path(&path, &written).unwrap_or_else(|| panic!("{path:?} under {written:?}"));
        assert_eq!((routed.agent, routed.raw_name, routed.rest), (agent.as_str(), raw_name.as_str(), rest.as_str()));
        assert_eq!(decode_name(routed.raw_name).as_deref(), Ok(name.as_str()));
        let reassembled: Vec<&str> = prefix_segments
            .iter()
            .map(String::as_str)
            .chain([routed.agent, routed.raw_name])
            .chain((!routed.rest.is_empty()).then_some(routed.rest))
            .collect();
        assert_eq!(format!("/{}", reassembled.join("/")), path.trim_end_matches('/'));
        assert!(is_under_prefix(&path, &written));
    });
}

#[test]
fn names_decode_back_and_are_checked() {
    check("path_names", 4000, |rng| {
        let name = rng.text(60);
        let encoded = percent_encode(&name, if rng.one_in(2) { "-._~" } else { "" });
        assert_eq!(percent_decode(&encoded).as_deref(), Some(name.as_str()));
        let expect = if name.len() > MAX_NAME_BYTES {
            Err(NameError::TooLong)
        } else if name.chars().any(char::is_control) {
            Err(NameError::ControlCharacter)
        } else {
            Ok(name.clone())
        };
        assert_eq!(decode_name(&encoded), expect, "name: {name:?}");
        // Escapes that are cut short or not hex never decode.
        let cut = format!("{encoded}%{}", rng.pick(&["", "4", "zz", "g0", "é"]));
        assert_eq!(decode_name(&cut), Err(NameError::Encoding));
    });
}

#[test]
fn a_query_parameter_reads_back_as_encoded() {
    check("path_query", 3000, |rng| {
        let key = rng.ident(6);
        let value = rng.text(20);
        // Form encoding: a space may be `+`.
        let encoded = percent_encode(&value, "-._~").replace("%20", if rng.one_in(2) { "+" } else { "%20" });
        let mut pairs: Vec<String> =
            (0..rng.len(3)).map(|i| format!("o{i}{}={}", rng.ident(3), rng.ident(4))).collect();
        let at = rng.below(pairs.len() as u64 + 1) as usize;
        pairs.insert(at, format!("{key}={encoded}"));
        let query = pairs.join("&");
        assert_eq!(query_param(&query, &key).as_deref(), Some(value.as_str()), "query: {query}");
        assert_eq!(query_param(&format!("?{query}"), &key).as_deref(), Some(value.as_str()));
        let fragment = rng.text(10);
        let url = format!("https://a.test/{}?{query}#{fragment}", rng.ident(5));
        assert_eq!(url_query(&url), query);
    });
}

#[test]
fn kebab_case_joins_the_words_of_class_and_binding_names() {
    check("path_kebab", 3000, |rng| {
        let words: Vec<String> = (0..rng.range(1, 4))
            .map(|_| {
                let mut word = rng.text_of(&['a', 'e', 'g', 'n', 'r', 't', 'z'], 6);
                // Two letters at least: a PascalCase name of one-letter words is all capitals.
                word.insert(0, rng.pick(&['a', 'e', 'o']));
                word.insert(0, rng.pick(&['a', 'c', 'm', 'q']));
                word
            })
            .collect();
        let kebab = words.join("-");
        let pascal: String = words.iter().map(|w| w[..1].to_ascii_uppercase() + &w[1..]).collect();
        let screaming = words.iter().map(|w| w.to_ascii_uppercase()).collect::<Vec<_>>().join("_");
        assert_eq!(kebab_case(&pascal), kebab, "{pascal}");
        assert_eq!(kebab_case(&screaming), kebab, "{screaming}");
        assert_eq!(kebab_case(&kebab), kebab);
        let any = kebab_case(&rng.text(12));
        assert!(!any.contains('_') && !any.chars().any(|c| c.is_ascii_uppercase()), "{any}");
    });
}
