//! Just enough of the Chrome DevTools Protocol, over one websocket, to drive Debian's
//! `chromium` headless: open a page, collect console errors, exceptions, failed requests and
//! dialogs while it loads, evaluate JavaScript, and take full-page screenshots.
//!
//! A client of our own (tungstenite, blocking) rather than chromiumoxide or headless_chrome:
//! the test needs a dozen commands, and this way nothing is downloaded or generated at build
//! time and the browser is the system one, started with the flags this machine needs.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::Read;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The flags that make chromium quiet and self-contained on a machine without a network.
pub const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
];

/// The browser binary, if installed.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    ws: WebSocket<TcpStream>,
    next_id: u64,
    /// Events received while waiting for a reply.
    events: VecDeque<Value>,
    session: Option<String>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.ws.close(None);
        // /usr/bin/chromium is a shell wrapper: end the whole process group we started.
        // SAFETY: killpg takes plain integers; the group is the browser's, which we started.
        unsafe {
            libc::killpg(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above.
        unsafe {
            libc::killpg(self.child.id() as i32, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// What happened while a page loaded.
#[derive(Debug, Default)]
pub struct PageLoad {
    pub console_errors: Vec<String>,
    pub exceptions: Vec<String>,
    pub log_errors: Vec<String>,
    /// URL and reason (`net::ERR_…` or the HTTP status).
    pub failed_requests: Vec<(String, String)>,
    pub requested: Vec<String>,
    pub dialogs: Vec<String>,
}

impl Browser {
    pub fn launch(binary: &std::path::Path) -> Browser {
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut cmd = Command::new(binary);
        cmd.args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--remote-debugging-address=127.0.0.1")
            .arg("--remote-debugging-port=0")
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        let mut child = cmd.spawn().expect("start chromium");
        // Chromium writes the port and the browser's websocket path here once it listens.
        let port_file = profile.path().join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(30);
        let (port, path) = loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                let mut lines = text.lines();
                if let (Some(p), Some(path)) = (lines.next(), lines.next()) {
                    break (p.trim().to_string(), path.trim().to_string());
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("chromium exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chromium did not start within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let addr = format!("127.0.0.1:{port}");
        let stream = TcpStream::connect(&addr).expect("connect to chromium");
        // A generous timeout for the handshake; then short reads, so waits can poll.
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let (ws, _) = tungstenite::client(format!("ws://{addr}{path}"), stream)
            .expect("websocket handshake with chromium");
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut b = Browser {
            child,
            _profile: profile,
            ws,
            next_id: 1,
            events: VecDeque::new(),
            session: None,
        };
        let target = b.call("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = b.call(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        );
        b.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            b.call(domain, json!({}));
        }
        b.call("Network.setCacheDisabled", json!({ "cacheDisabled": true }));
        b
    }

    fn read(&mut self) -> Option<Value> {
        match self.ws.read() {
            Ok(Message::Text(t)) => Some(serde_json::from_str(t.as_str()).expect("CDP sends JSON")),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("reading from chromium: {e}"),
        }
    }

    /// Send a command to the page (or the browser before a page is attached) and wait for
    /// its result; events that arrive meanwhile are kept for [`Browser::drain`].
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::text(msg.to_string()))
            .expect("send to chromium");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "{method}: no reply within 60 s");
            let Some(v) = self.read() else { continue };
            if v.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
            if v.get("method").is_some() {
                self.events.push_back(v);
            }
        }
    }

    /// Read events until `quiet` has passed with none, or `max` in all.
    fn pump(&mut self, quiet: Duration, max: Duration) {
        let start = Instant::now();
        let mut last = Instant::now();
        while last.elapsed() < quiet && start.elapsed() < max {
            if let Some(v) = self.read() {
                if v.get("method").is_some() {
                    self.events.push_back(v);
                    last = Instant::now();
                }
            }
        }
    }

    /// Navigate and wait for the load event and a quiet moment; report what went wrong.
    pub fn open(&mut self, url: &str) -> PageLoad {
        self.events.clear();
        let nav = self.call("Page.navigate", json!({ "url": url }));
        let mut load = PageLoad::default();
        if let Some(err) = nav.get("errorText").and_then(Value::as_str) {
            load.failed_requests
                .push((url.to_string(), err.to_string()));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut loaded = false;
        let mut seen = Vec::new();
        while !loaded && Instant::now() < deadline {
            if let Some(v) = self.read() {
                if v["method"] == "Page.loadEventFired" {
                    loaded = true;
                }
                if v.get("method").is_some() {
                    seen.push(v);
                }
            }
        }
        assert!(loaded, "{url}: no load event within 30 s");
        self.events.extend(seen);
        self.pump(Duration::from_millis(300), Duration::from_secs(5));
        self.drain(&mut load);
        load
    }

    /// Collect what happened since the last look (after `eval` triggered more loading).
    pub fn settle(&mut self, load: &mut PageLoad) {
        self.pump(Duration::from_millis(300), Duration::from_secs(5));
        self.drain(load);
    }

    fn drain(&mut self, load: &mut PageLoad) {
        let mut urls = std::collections::BTreeMap::new();
        while let Some(v) = self.events.pop_front() {
            let p = &v["params"];
            match v["method"].as_str().unwrap_or("") {
                "Runtime.consoleAPICalled" => {
                    if matches!(p["type"].as_str(), Some("error") | Some("assert")) {
                        load.console_errors.push(p["args"].to_string());
                    }
                }
                "Runtime.exceptionThrown" => {
                    load.exceptions.push(p["exceptionDetails"].to_string())
                }
                "Log.entryAdded" if p["entry"]["level"] == "error" => {
                    load.log_errors.push(p["entry"].to_string());
                }
                "Network.requestWillBeSent" => {
                    let url = p["request"]["url"].as_str().unwrap_or("").to_string();
                    urls.insert(p["requestId"].to_string(), url.clone());
                    load.requested.push(url);
                }
                "Network.responseReceived" => {
                    let status = p["response"]["status"].as_u64().unwrap_or(0);
                    if status >= 400 {
                        load.failed_requests.push((
                            p["response"]["url"].as_str().unwrap_or("").to_string(),
                            format!("HTTP {status}"),
                        ));
                    }
                }
                "Network.loadingFailed" => {
                    let url = urls
                        .get(&p["requestId"].to_string())
                        .cloned()
                        .unwrap_or_default();
                    load.failed_requests
                        .push((url, p["errorText"].as_str().unwrap_or("").to_string()));
                }
                "Page.javascriptDialogOpening" => {
                    load.dialogs
                        .push(p["message"].as_str().unwrap_or("").to_string());
                    self.call("Page.handleJavaScriptDialog", json!({ "accept": true }));
                }
                _ => {}
            }
        }
    }

    /// Evaluate an expression in the page and return its value (JSON).
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluating {expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Emulate a viewport `width` CSS pixels wide (a phone when `mobile`).
    pub fn set_width(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        );
    }

    /// A PNG of the whole page at the current width (at most `max_height` pixels tall).
    pub fn screenshot(&mut self, max_height: u32) -> Vec<u8> {
        self.screenshot_at(0.0, max_height)
    }

    /// A PNG of the page from `y` down, at most `max_height` pixels tall.
    pub fn screenshot_at(&mut self, y: f64, max_height: u32) -> Vec<u8> {
        use base64::Engine;
        let m = self.call("Page.getLayoutMetrics", json!({}));
        let size = &m["cssContentSize"];
        let w = size["width"].as_f64().unwrap_or(1280.0).ceil();
        let total = size["height"].as_f64().unwrap_or(800.0).ceil();
        let y = y.max(0.0).min((total - 1.0).max(0.0)).floor();
        let h = (total - y).min(max_height as f64);
        let r = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": y, "width": w, "height": h, "scale": 1 },
            }),
        );
        base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().expect("screenshot data"))
            .expect("base64 screenshot")
    }
}

/// Read the whole of a reader (helper for tests).
pub fn read_all(mut r: impl Read) -> Vec<u8> {
    let mut v = Vec::new();
    r.read_to_end(&mut v).unwrap();
    v
}
