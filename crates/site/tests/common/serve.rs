//! A tiny static file server on 127.0.0.1 for the browser test: GET and HEAD only, one
//! thread per connection, `Connection: close`. A folder path serves its `index.html`; a missing
//! file serves `404.html` with status 404. Every request is logged with its status.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct Server {
    pub origin: String,
    pub log: Arc<Mutex<Vec<(String, u16)>>>,
}

pub fn serve(root: &Path) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let (root, log2) = (root.to_owned(), log.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (root, log) = (root.clone(), log2.clone());
            std::thread::spawn(move || {
                let _ = handle(stream, &root, &log);
            });
        }
    });
    Server { origin, log }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "jsonl" => "application/x-ndjson",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `%41` → `A` (also an escape at the very end of the string; a `%` not followed by two hex
/// digits stays as it is), by the percent-encoding crate.
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The file a URL path maps to, if it stays inside `root`.
pub fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path);
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut file = root.join(rel);
    if path.ends_with('/') || file.is_dir() {
        file = file.join("index.html");
    }
    file.is_file().then_some(file)
}

fn handle(stream: TcpStream, root: &Path, log: &Mutex<Vec<(String, u16)>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let mut out = stream;
    if method != "GET" && method != "HEAD" {
        log.lock().unwrap().push((target.to_string(), 405));
        return out.write_all(
            b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    let (status, file) = match resolve(root, target) {
        Some(f) => (200u16, Some(f)),
        None => (404, Some(root.join("404.html")).filter(|f| f.is_file())),
    };
    log.lock().unwrap().push((target.to_string(), status));
    let body = file
        .as_ref()
        .map(std::fs::read)
        .transpose()?
        .unwrap_or_default();
    let ctype = file.as_deref().map(content_type).unwrap_or("text/plain");
    let reason = if status == 200 { "OK" } else { "Not Found" };
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method == "GET" {
        out.write_all(&body)?;
    }
    out.flush()
}

#[test]
fn request_paths_are_percent_decoded_and_stay_inside_the_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a b.html"), "x").unwrap();
    std::fs::write(dir.path().join("é.txt"), "x").unwrap();
    assert_eq!(
        resolve(dir.path(), "/a%20b.html?x=1"),
        Some(dir.path().join("a b.html"))
    );
    assert_eq!(
        resolve(dir.path(), "/%C3%A9.txt"),
        Some(dir.path().join("é.txt"))
    );
    // An encoded `..` is decoded before the check, so it cannot leave the root.
    assert_eq!(resolve(dir.path(), "/%2e%2e/%2e%2e/etc/passwd"), None);
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%41%4"), "A%4");
}
