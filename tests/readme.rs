//! The README's library example is `examples/verify_bundle.rs`'s own code, which CI builds
//! (without default features): so the snippet a reader copies compiles.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_readme_library_snippet_is_the_example_that_ci_builds() {
    let readme = read("README.md");
    let example = read("examples/verify_bundle.rs");
    let begin = "// README: library begin\n";
    let from = example.find(begin).expect("begin marker") + begin.len();
    let to = example.find("// README: library end").expect("end marker");
    let snippet = &example[from..to];
    let section = &readme[readme.find("## Using the library").expect("section")..];
    let start = section.find("```rust\n").expect("a rust block") + "```rust\n".len();
    let block = &section[start..start + section[start..].find("```").unwrap()];
    assert_eq!(
        block, snippet,
        "README.md's library block differs from examples/verify_bundle.rs"
    );
    assert!(snippet.contains("verify_bundle(") && snippet.contains("is_clean()"));
}
