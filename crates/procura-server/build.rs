//! Builds the web UI (`web/`, Vue + Vite; dependencies from package-lock.json) into `$OUT_DIR/web` so that `include_dir!` can embed
//! it in the binary. Needs Node.js and npm; without them (or with `PROCURA_SKIP_WEB=1`) the
//! binary gets a page that says the UI was not built and how to build it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../web");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("web");
    println!("cargo:rerun-if-env-changed=PROCURA_SKIP_WEB");
    for path in [
        "src",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
        "tsconfig.app.json",
        "tsconfig.node.json",
        "public",
    ] {
        // A path that does not exist would make Cargo rerun this script on every build.
        if web.join(path).exists() {
            println!("cargo:rerun-if-changed={}", web.join(path).display());
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("create OUT_DIR/web");
    if std::env::var_os("PROCURA_SKIP_WEB").is_some() {
        fallback(&out, "PROCURA_SKIP_WEB is set");
        return;
    }
    if !web.join("package.json").is_file() {
        fallback(&out, "web/package.json is missing");
        return;
    }
    // `npm install --no-save` installs what package-lock.json pins, like `npm ci`; `npm ci`
    // itself refuses this lock because vite's Windows-only optional dependency is not in it.
    if !web.join("node_modules").is_dir()
        && let Err(why) = npm(
            &web,
            &["install", "--no-save", "--no-audit", "--no-fund"],
            &out,
        )
    {
        fallback(&out, &why);
        return;
    }
    if let Err(why) = npm(&web, &["run", "build"], &out) {
        fallback(&out, &why);
    }
}

fn npm(dir: &Path, args: &[&str], out: &Path) -> Result<(), String> {
    let status = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .env("PROCURA_WEB_OUT", out)
        .status()
        .map_err(|e| format!("cannot run npm ({e}); install Node.js and npm"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm {}` failed ({status})", args.join(" ")))
    }
}

fn fallback(out: &Path, why: &str) {
    println!("cargo:warning=web UI not built: {why}; the server will serve a notice page");
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).expect("create OUT_DIR/web");
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>Procura</title>\
         <body style=\"font-family:sans-serif;margin:3em\"><h1>Procura 数字检察</h1>\
         <p>网页界面未构建。请安装 Node.js 和 npm 后重新执行 <code>cargo build</code>。</p>\
         <p>The web UI was not built ({why}). Install Node.js and npm and run <code>cargo build</code> again; \
         the JSON API at <code>/api</code> works without it.</p></body></html>"
    );
    std::fs::write(out.join("index.html"), page).expect("write fallback page");
}
