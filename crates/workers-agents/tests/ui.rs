//! The compile errors of typed-API misuse, pinned: each file under `ui/`
//! must fail to compile with the message beside it (`.stderr`). Regenerate
//! the messages with `TRYBUILD=overwrite cargo test -p workers-agents --test ui`.

#[test]
fn misuse_is_a_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
