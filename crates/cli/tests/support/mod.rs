//! What the tests that run the `finmart` binary as a server share: a small HTTP/1.1 client, a served
//! process on a free port, and a signed-in session. Each test file that needs them says `mod support;`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One HTTP/1.1 exchange (`Connection: close`): status, `Set-Cookie` values, body as JSON (or a string).
///
/// # Errors
/// The connection fails or closes without an answer (a server that went away).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<(u16, Vec<String>, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: application/json\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) =
        text.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other(format!("no response: {text}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status: {head}")))?;
    let cookies = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.trim().split(';').next().unwrap_or_default().to_owned())
        .collect();
    let json = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned()));
    Ok((status, cookies, json))
}

/// A running `finmart` server: its process and the address it printed; killed when dropped.
pub struct Served {
    child: Child,
    pub addr: SocketAddr,
}

impl Served {
    /// Runs `command` (a `finmart serve … --listen 127.0.0.1:0`), reads the URL it prints and drains the rest
    /// of its standard error in a thread.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = command.stderr(Stdio::piped()).spawn().unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        // What the server said before its URL: shown if it stops without printing one, to say why.
        let mut said = Vec::new();
        let url = loop {
            let Some(line) = lines.next() else {
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                panic!("the server stopped ({status}) before printing its URL:\n{}", said.join("\n"));
            };
            let line = line.unwrap();
            if let Some(at) = line.find("http://") {
                break line[at..].trim().to_owned();
            }
            said.push(line);
        };
        std::thread::spawn(move || lines.for_each(drop));
        let addr = url.trim_start_matches("http://").trim_end_matches('/').parse().expect("an address");
        Self { child, addr }
    }

    /// SIGKILL, as a crash or an operator's `kill -9` would, and waits for it.
    pub fn kill(mut self) {
        let status = Command::new("kill").args(["-KILL", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        self.child.wait().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A signed-in account: its session cookie and CSRF token.
pub struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    /// Signs in through the API (panics when refused).
    pub fn sign_in(addr: SocketAddr, login: &str, password: &str) -> Self {
        let body = json!({"login": login, "password": password});
        let (status, cookies, body) = http(addr, "POST", "/api/v1/session", &[], Some(&body)).unwrap();
        assert_eq!(status, 200, "{body}");
        Self { cookie: cookies.join("; "), csrf: body["csrf"].as_str().unwrap().to_owned() }
    }

    /// A request with the session's cookie and CSRF token: status and body.
    ///
    /// # Errors
    /// The server went away.
    pub fn request(
        &self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::io::Result<(u16, Value)> {
        let headers = [("Cookie", self.cookie.as_str()), ("X-CSRF-Token", self.csrf.as_str())];
        http(addr, method, path, &headers, body).map(|(status, _, json)| (status, json))
    }
}
