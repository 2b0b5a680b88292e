//! Private servers for the tests that stop, freeze or restart a dependency: a `redis-server` and a
//! PostgreSQL cluster of the test's own, on free ports with their data in temporary directories, so that
//! taking them down never disturbs the shared servers the other tests use. When the program is not
//! installed the test is skipped with a note, except under `CI=true`, where that fails the test.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `program --version` runs; under `CI=true` a missing one panics (the test must not skip in CI).
fn installed(program: &Path, what: &str) -> bool {
    let found = Command::new(program).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "CI=true but {} is not installed: the {what} tests must run in CI",
            program.display()
        );
        eprintln!("note: {} not installed, skipping the {what} test", program.display());
    }
    found
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// Waits until something accepts TCP connections on `port`.
fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on port {port} within 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `redis-server` of this test's own, on a free port, keeping its data in a temporary directory (saved
/// on a clean stop, so sessions survive a restart as they would in production).
pub struct PrivateRedis {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Started and answering, or `None` when `redis-server` is not installed (never under `CI=true`).
    pub fn start() -> Option<Self> {
        if !installed(Path::new("redis-server"), "Redis outage") {
            return None;
        }
        let mut redis = Self { port: free_port(), dir: tempfile::tempdir().expect("temp dir"), child: None };
        redis.run();
        Some(redis)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, on the same port and data) and waits until it accepts connections.
    pub fn run(&mut self) {
        let dir: &Path = self.dir.path();
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "3600 1"])
            .args(["--appendonly", "no", "--dir"])
            .arg(PathBuf::from(dir))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        wait_listening(self.port, "redis-server");
    }

    /// Freezes (SIGSTOP) or thaws (SIGCONT) the server: its connections stay open but nothing answers, as
    /// with a host that hangs.
    pub fn signal(&self, signal: &str) {
        let child = self.child.as_ref().expect("running");
        let status = Command::new("kill").args([signal, &child.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill {signal}");
    }

    /// Stops the server as an operator would (SIGTERM: it saves its data and exits), and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A PostgreSQL cluster of this test's own (`initdb` in a temporary directory, trust authentication, no
/// fsync: the test is about connections, not the disk), on a free port. The binaries are Debian's
/// PostgreSQL 15 (`FINMART_PG_BIN` overrides their directory); run as the `postgres` user when the test
/// runs as root, since PostgreSQL refuses to run as root.
pub struct PrivatePostgres {
    pub port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
    running: bool,
}

impl PrivatePostgres {
    /// Initialised, started and answering, or `None` when PostgreSQL is not installed (never under `CI=true`).
    pub fn start() -> Option<Self> {
        let bin =
            PathBuf::from(std::env::var("FINMART_PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
        if !installed(&bin.join("initdb"), "PostgreSQL restart") {
            return None;
        }
        let pg = Self { port: free_port(), bin, dir: tempfile::tempdir().expect("temp dir"), running: false };
        if as_root() {
            let status = Command::new("chown").args(["-R", "postgres:"]).arg(pg.dir.path()).status().expect("chown");
            assert!(status.success(), "chown the cluster's directory to postgres");
        }
        let init = pg
            .command("initdb")
            .arg("-D")
            .arg(pg.data())
            .args(["--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(init.status.success(), "initdb: {}", String::from_utf8_lossy(&init.stderr));
        let mut pg = pg;
        pg.run();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// One of the cluster's programs, as `postgres` when we are root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut command = if as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        command.stdin(Stdio::null());
        command
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the cluster (again, on the same port and data) and waits until it accepts connections.
    pub fn run(&mut self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        let started = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(&log)
            .args(["-o", &options, "-w", "start"])
            .output();
        let started = started.expect("pg_ctl runs");
        assert!(
            started.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&started.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        self.running = true;
        wait_listening(self.port, "PostgreSQL");
    }

    /// Stops the cluster as an operator restarting it would (`pg_ctl stop -m fast`: open transactions are
    /// rolled back and every connection is closed), and waits until it is down.
    pub fn stop(&mut self) {
        if self.running {
            let _ = self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "fast", "-w", "stop"]).output();
            self.running = false;
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
        }
    }
}

fn as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
