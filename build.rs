//! Compiles the repository's `flows/` folder into the binary, file by file, so a new flow file
//! (a service, a document list) ships without a code change.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("flows");
    println!("cargo::rerun-if-changed=flows");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for name in &files {
        println!("cargo::rerun-if-changed=flows/{name}");
        out.push_str(&format!(
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/flows/{name}\"))),\n"
        ));
    }
    out.push_str("]\n");
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("built_in_flows.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

/// Every text file under `dir`, as a path relative to `root` with `/` separators.
fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).expect("flows/ is readable");
    for entry in entries {
        let path = entry.expect("flows/ is readable").path();
        if path.is_dir() {
            println!("cargo::rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "csv" | "md")
        ) {
            let relative = path.strip_prefix(root).expect("under flows/");
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(parts.join("/"));
        }
    }
}
