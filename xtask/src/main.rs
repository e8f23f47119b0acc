//! The project's two set-up commands and their parts (cargo-xtask pattern):
//!   cargo xtask serve [--port N]   build dist/ and serve it on 127.0.0.1
//!   cargo xtask test               every test: Rust (CPU + WGSL on lavapipe) and the page in headless Chromium
//!   cargo xtask browser            the page's checks alone (build dist/, headless Chromium)
//!   cargo xtask build              build dist/ alone
//!   cargo xtask bench              speed tables for BENCHMARKS.md, beside their baselines
//!   cargo xtask bench page [FLAGS] the page's benchmark alone (tests/browser/bench.mjs, its flags)
//! On a fresh Debian machine they install what they need: the wasm32 target,
//! and for the tests Debian's mesa-vulkan-drivers and chromium, and
//! playwright-core from npm. wasm-bindgen runs as a library pinned to the
//! exact version of the crate, so nothing is downloaded at run time.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build().map(|_| ()),
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("browser") => browser(),
        Some("bench") => match args.get(1).map(String::as_str) {
            None => bench(),
            Some("page") => page_bench(&args[2..]),
            Some(_) => Err("usage: cargo xtask bench [page [--steps N] [--limit-s S] [--gpu-limit-s S]]".into()),
        },
        _ => Err("usage: cargo xtask build | serve [--port N] | test | browser | bench [page ...]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// Installs Debian packages that are missing (as root, or through sudo).
fn ensure_debian(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
                .unwrap_or(false)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = output(Command::new("id").arg("-u")).map(|u| u.trim() == "0").unwrap_or(false);
    let apt = |args: &[&str]| -> Command {
        let mut c = if root { Command::new("apt-get") } else { Command::new("sudo") };
        if !root {
            c.args(["-n", "apt-get"]);
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install).map_err(|e| format!("{e}\ninstall these Debian packages: {}", missing.join(" ")))
}

/// Builds the wasm module and the static site into dist/.
fn build() -> Result<PathBuf> {
    ensure_wasm_target()?;
    let root = root();
    run(Command::new(env!("CARGO")).current_dir(&root).args([
        "build",
        "--release",
        "--target",
        "wasm32-unknown-unknown",
        "--lib",
        "-p",
        "grokscope",
    ]))?;
    let dist = root.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| e.to_string())?;
    // Where the build above put it: a shared CARGO_TARGET_DIR is honoured.
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |t| root.join(t));
    let wasm = target.join("wasm32-unknown-unknown/release/grokscope.wasm");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        .omit_default_module_path(false)
        .typescript(false)
        .generate(&dist)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    let copy = |from: &Path| -> Result {
        let to = dist.join(from.file_name().unwrap());
        std::fs::copy(from, &to).map(|_| ()).map_err(|e| format!("copy {}: {e}", from.display()))
    };
    copy(&root.join("index.html"))?;
    for entry in std::fs::read_dir(root.join("www")).map_err(|e| e.to_string())? {
        copy(&entry.map_err(|e| e.to_string())?.path())?;
    }
    eprintln!("xtask: built {}", dist.display());
    Ok(dist)
}

fn serve(args: &[String]) -> Result {
    let port: u16 = match args {
        [flag, p] if flag == "--port" => p.parse().map_err(|_| format!("--port {p}: not a port"))?,
        [] => 8000,
        _ => return Err("usage: cargo xtask serve [--port N]".into()),
    };
    let dist = build()?;
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    println!("grokscope is at http://127.0.0.1:{port}/  (try ?preset=wd2&autostart=1; Ctrl-C stops)");
    serve_forever(listener, dist);
    Ok(())
}

fn serve_forever(listener: TcpListener, dist: PathBuf) {
    for stream in listener.incoming().flatten() {
        let dist = dist.clone();
        std::thread::spawn(move || {
            let _ = respond(stream, &dist);
        });
    }
}

/// A minimal static file server: GET only, files under dist/ only.
fn respond(mut stream: TcpStream, dist: &Path) -> std::io::Result<()> {
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/");
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let rel = if path == "/" { "index.html" } else { path.trim_start_matches('/') };
    let file = (!rel.split('/').any(|c| c == ".." || c.is_empty())).then(|| dist.join(rel));
    let (status, kind, body) = match file.map(std::fs::read) {
        Some(Ok(body)) => ("200 OK", mime(rel), body),
        _ => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// Every test: the Rust suite, then the page's checks.
fn test() -> Result {
    ensure_debian(&["mesa-vulkan-drivers", "chromium", "slurm-wlm", "munge"])?;
    run(Command::new(env!("CARGO")).current_dir(root()).env("XDG_RUNTIME_DIR", "/tmp").args(["test", "--workspace"]))?;
    browser()
}

/// A fresh dist/ served on a free local port, with Chromium and
/// playwright-core installed to drive it; the page's URL.
fn serve_for_chromium() -> Result<String> {
    ensure_debian(&["chromium"])?;
    let dist = build()?;
    let browser = root().join("tests/browser");
    if !browser.join("node_modules/playwright-core").exists() {
        run(Command::new("npm").current_dir(&browser).args(["ci", "--no-audit", "--no-fund"]))?;
    }
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    std::thread::spawn(move || serve_forever(listener, dist));
    Ok(url)
}

/// The page's checks alone (tests/browser/page.mjs) against a fresh dist/.
fn browser() -> Result {
    let root = root();
    let url = serve_for_chromium()?;
    // The native digest of a run's split and initial weights, for the browser to match.
    let query = "preset=wd2&seed=3&p=31";
    let native = output(Command::new(env!("CARGO")).current_dir(&root).args([
        "run",
        "--quiet",
        "--bin",
        "grokscope",
        "--",
        "fingerprint",
        query,
    ]))?;
    run(Command::new("node").current_dir(&root).args(["tests/browser/page.mjs", &url, query, native.trim()]))
}

/// The page's benchmark (tests/browser/bench.mjs, given `flags`) in headless Chromium.
fn page_bench(flags: &[String]) -> Result {
    let url = serve_for_chromium()?;
    // The load it ran under, for BENCHMARKS.md.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("/proc/loadavg before: {}", load.trim());
    run(Command::new("node").current_dir(root()).arg("tests/browser/bench.mjs").arg(&url).args(flags))
}

/// A baseline's Python: $VAR, else the venv BENCHMARKS.md describes, else python3.
fn python(var: &str, venv: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| if Path::new(venv).exists() { venv.into() } else { "python3".into() })
}

/// The engine benchmark then the PyTorch baseline, the analysis benchmark
/// then the numpy + scikit-learn baseline, each pair in one run, then the
/// page's benchmark.
fn bench() -> Result {
    let root = root();
    run(Command::new(env!("CARGO")).current_dir(&root).args(["bench", "--bench", "engine"]))?;
    let torch = python("GROKSCOPE_TORCH_PYTHON", "/tmp/torchvenv/bin/python");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, cores] {
        let t = threads.to_string();
        let script = root.join("bench/torch_baseline.py");
        match output(Command::new(&torch).arg(&script).args(["--steps", "100", "--threads", &t])) {
            Ok(json) => {
                let rate: f64 = json
                    .split("\"steps_per_s\":")
                    .nth(1)
                    .and_then(|s| s.split([',', '}']).next())
                    .and_then(|s| s.trim().parse().ok())
                    .ok_or_else(|| format!("unexpected baseline output: {json}"))?;
                println!("| PyTorch (baseline, one-hot nn.Linear) | {threads} | {rate:.1} | {:.2} |", 1000.0 / rate);
            }
            Err(e) => {
                println!("| PyTorch (baseline) | {threads} | unavailable: {} | |", e.lines().last().unwrap_or(""))
            }
        }
    }
    run(Command::new(env!("CARGO")).current_dir(&root).args(["bench", "--bench", "analysis"]))?;
    // One BLAS thread: with two on two cores the baseline's small factorisations slow down.
    run(Command::new(python("GROKSCOPE_ORACLE_PYTHON", "/tmp/venv/bin/python"))
        .current_dir(&root)
        .env("OPENBLAS_NUM_THREADS", "1")
        .args(["bench/analysis_oracle.py", "target/bench_checkpoint.npy", "4"]))?;
    page_bench(&[])
}
