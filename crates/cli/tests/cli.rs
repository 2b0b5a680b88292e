//! The `finmart` binary as a person runs it: import (refused and accepted), reindex, migrate, and a
//! server that stops cleanly on SIGTERM.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples").join(name)
}

fn finmart(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_finmart"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("FINMART_LISTEN")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run finmart")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn import_refuses_a_bad_file_and_accepts_a_good_one_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let bad = finmart(&data, &["import", example("products-bad.csv").to_str().unwrap()]);
    assert!(!bad.status.success());
    let report = stderr(&bad);
    for needle in [
        "第 2 行",
        "amount_min_yuan",
        "第 3 行",
        "eligibility.favourite_colour",
        "第 4 行",
        "districts",
        "未导入任何数据",
    ] {
        assert!(report.contains(needle), "{needle} missing from:\n{report}");
    }

    let good = finmart(&data, &["import", example("products.csv").to_str().unwrap()]);
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(stderr(&good).contains("新建 5 个产品"), "{}", stderr(&good));
    let again = finmart(&data, &["import", example("products.json").to_str().unwrap()]);
    assert!(again.status.success());
    assert!(stderr(&again).contains("未变 5 个"), "{}", stderr(&again));

    let reindex = finmart(&data, &["reindex"]);
    assert!(reindex.status.success(), "{}", stderr(&reindex));
    // The example file has one draft, which is stored but not searchable.
    assert!(stderr(&reindex).contains("4 个已发布产品"), "{}", stderr(&reindex));
    let migrate = finmart(&data, &["migrate"]);
    assert!(migrate.status.success());

    let missing = finmart(&data, &["import", "/no/such/file.csv"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("cannot read"), "{}", stderr(&missing));
}

#[test]
fn a_home_area_that_names_no_province_or_city_stops_the_start_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["火星市", "和平区", "999999"] {
        let output = Command::new(env!("CARGO_BIN_EXE_finmart"))
            .args(["migrate", "--data-dir"])
            .arg(dir.path().join("data"))
            .env_remove("DATABASE_URL")
            .env("FINMART_HOME_AREA", bad)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{bad} was accepted");
        let report = stderr(&output);
        assert!(report.contains("FINMART_HOME_AREA") && report.contains(bad), "{report}");
        assert!(!report.contains("panicked"), "{report}");
    }
    let good = Command::new(env!("CARGO_BIN_EXE_finmart"))
        .args(["migrate", "--data-dir"])
        .arg(dir.path().join("data"))
        .env_remove("DATABASE_URL")
        .env("FINMART_HOME_AREA", "辽宁省沈阳市")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(good.status.success(), "{}", stderr(&good));
}

#[test]
fn serve_prints_its_url_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_finmart"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("server printed its URL").unwrap();
        if let Some(at) = line.find("http://") {
            break line[at..].trim().to_owned();
        }
    };
    assert!(url.starts_with("http://127.0.0.1:") && url.ends_with('/'), "{url}");

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "graceful shutdown exits 0, got {status}");
            break;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn gen_bench_data_writes_what_it_was_asked_for_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = ["gen-bench-data", "--products", "200", "--smes", "500", "--seed", "7"];
    let first = finmart(&data, &args);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains("新建 200"), "{}", stderr(&first));

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let counts = || {
        runtime.block_on(async {
            let store = finmart_store::Store::connect(&finmart_store::Store::sqlite_url(&data)).await.unwrap();
            let counts = (
                store.institutions().await.unwrap().len(),
                store.count_products(None).await.unwrap(),
                store.count_products(Some(finmart_domain::LifecycleState::Published)).await.unwrap(),
                store.count_enterprises(false).await.unwrap(),
                store.count_enterprises(true).await.unwrap(),
            );
            store.close().await.unwrap();
            counts
        })
    };
    let (institutions, products, published, enterprises, discoverable) = counts();
    assert_eq!((institutions, products, enterprises), (finmart_cli::bench::INSTITUTIONS, 200, 500));
    assert!(published > 150 && published < 200, "{published} published");
    assert!(discoverable > 300 && discoverable < 400, "{discoverable} discoverable");
    assert!(stderr(&first).contains(&format!("索引 {published} 个已发布产品")), "{}", stderr(&first));

    // The same run again updates nothing and duplicates nothing.
    let again = finmart(&data, &args);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains("未变 200"), "{}", stderr(&again));
    assert!(stderr(&again).contains("企业画像写入 0 家"), "{}", stderr(&again));
    assert_eq!(counts(), (institutions, products, published, enterprises, discoverable));
}

/// Runs `finmart` with `input` on standard input.
fn finmart_with_input(data_dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_finmart"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run finmart");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn create_account_gives_a_new_deployment_its_first_operator() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    // By invitation: the path goes to standard output, nothing else does.
    let invited =
        finmart(&data, &["create-account", "--role", "operator", "--login", "ops@example.cn", "--name", "运营"]);
    assert!(invited.status.success(), "{}", stderr(&invited));
    let path = String::from_utf8(invited.stdout).unwrap();
    assert!(path.starts_with("/invite/") && path.trim().len() > 20, "{path}");

    // With a password on standard input.
    let args =
        ["create-account", "--role", "operator", "--login", "root@example.cn", "--name", "值班", "--password-stdin"];
    let set = finmart_with_input(&data, &args, "Correct-Horse-7\n");
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(set.stdout.is_empty());

    // Refusals name what is wrong, and create nothing.
    let again = finmart_with_input(&data, &args, "Correct-Horse-7\n");
    assert!(!again.status.success());
    let weak = finmart_with_input(
        &data,
        &["create-account", "--role", "operator", "--login", "weak@example.cn", "--name", "x", "--password-stdin"],
        "123\n",
    );
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("password"), "{}", stderr(&weak));
    let sme = finmart(&data, &["create-account", "--role", "sme", "--login", "sme@example.cn", "--name", "企业"]);
    assert!(stderr(&sme).contains("role"), "{}", stderr(&sme));
    let lender =
        finmart(&data, &["create-account", "--role", "institution", "--login", "b@example.cn", "--name", "银行"]);
    assert!(stderr(&lender).contains("institution_id"), "{}", stderr(&lender));
    let unknown = finmart(
        &data,
        &["create-account", "--role", "agency", "--login", "g@example.cn", "--name", "担保", "--institution", "nope"],
    );
    assert!(stderr(&unknown).contains("no institution with code nope"), "{}", stderr(&unknown));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = finmart_store::Store::connect(&finmart_store::Store::sqlite_url(&data)).await.unwrap();
        let accounts = store.accounts(None).await.unwrap();
        let logins: Vec<&str> = accounts.iter().map(|a| a.login.as_str()).collect();
        assert_eq!(logins.len(), 2, "{logins:?}");
        let (root, hash) = store.account_for_login("root@example.cn").await.unwrap().unwrap();
        assert_eq!(root.role, finmart_domain::Role::Operator);
        assert!(finmart_store::password::verify("Correct-Horse-7", hash.as_deref()));
        assert!(!finmart_store::password::verify("Correct-Horse-8", hash.as_deref()));
        let (ops, hash) = store.account_for_login("ops@example.cn").await.unwrap().unwrap();
        assert!(hash.is_none() && ops.invited, "{ops:?}");
        let audit = store.audit_log(finmart_store::AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == "account.create").count(), 2);
    });
}

#[test]
fn institutions_are_added_edited_and_listed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let add = |code: &str, name: &str, kind: &str| {
        finmart(&data, &["institution", "add", "--code", code, "--name", name, "--kind", kind, "--intro", "简介"])
    };

    let factor = add("tj-factor", "津港商业保理有限公司", "商业保理公司");
    assert!(factor.status.success(), "{}", stderr(&factor));
    assert!(stderr(&factor).contains("机构已登记"), "{}", stderr(&factor));
    assert!(add("tj-guarantee", "津港融资担保", "guarantee_agency").status.success());

    // Refusals name what is wrong, and write nothing.
    let taken = add("tj-factor", "另一家", "bank");
    assert!(!taken.status.success());
    assert!(stderr(&taken).contains("机构代码“tj-factor”已被使用"), "{}", stderr(&taken));
    let bad = add("tj factor", " ", "pawnshop");
    assert!(!bad.status.success());
    for field in ["code:", "name:", "kind:"] {
        assert!(stderr(&bad).contains(field), "{field} missing from {}", stderr(&bad));
    }

    // An edit changes what is given and keeps the rest; it needs something to change and a known code.
    let edit = finmart(&data, &["institution", "edit", "--code", "tj-factor", "--name", "津港保理"]);
    assert!(edit.status.success(), "{}", stderr(&edit));
    let nothing = finmart(&data, &["institution", "edit", "--code", "tj-factor"]);
    assert!(!nothing.status.success());
    let unknown = finmart(&data, &["institution", "edit", "--code", "nope", "--kind", "other"]);
    assert!(stderr(&unknown).contains("no institution with code nope"), "{}", stderr(&unknown));

    // An agency with an account stays an agency.
    let account = finmart(
        &data,
        &[
            "create-account",
            "--role",
            "agency",
            "--login",
            "g@example.cn",
            "--name",
            "担保部",
            "--institution",
            "tj-guarantee",
        ],
    );
    assert!(account.status.success(), "{}", stderr(&account));
    let side = finmart(&data, &["institution", "edit", "--code", "tj-guarantee", "--kind", "bank"]);
    assert!(!side.status.success());
    assert!(stderr(&side).contains("1 个用户账号"), "{}", stderr(&side));

    let list = finmart(&data, &["institution", "list"]);
    assert!(list.status.success(), "{}", stderr(&list));
    let table = String::from_utf8(list.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("代码 code"), "{table}");
    let factor_line = lines.iter().find(|l| l.starts_with("tj-factor")).unwrap();
    assert!(factor_line.contains("商业保理公司") && factor_line.ends_with("津港保理"), "{table}");
    let agency_line = lines.iter().find(|l| l.starts_with("tj-guarantee")).unwrap();
    assert!(agency_line.contains("融资担保机构"), "{table}");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = finmart_store::Store::connect(&finmart_store::Store::sqlite_url(&data)).await.unwrap();
        let factor = store.institution_by_code("tj-factor").await.unwrap().unwrap();
        assert_eq!((factor.kind, factor.intro.as_str()), (finmart_domain::InstitutionKind::Factoring, "简介"));
        let audit = store.audit_log(finmart_store::AuditQuery { limit: 100, ..Default::default() }).await.unwrap();
        let acts = |action: &str| audit.iter().filter(|e| e.action == action).count();
        assert_eq!((acts("institution.create"), acts("institution.edit")), (2, 1));
        assert!(audit.iter().any(|e| e.detail["via"] == "finmart institution edit"));
    });
}

#[test]
fn reference_rates_are_listed_and_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let list = |data: &Path| {
        let out = finmart(data, &["rates", "list"]);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    // The migration's seed: the LPR of 2025-05-20 and the PBOC benchmark rates of 2015-10-24, in force.
    let seeded = list(&data);
    assert_eq!(seeded.lines().count(), 6, "{seeded}");
    let lpr = seeded.lines().find(|l| l.starts_with("lpr_1y")).unwrap();
    assert!(lpr.contains("3.00%") && lpr.contains("2025-05-20") && lpr.contains("现行"), "{seeded}");
    assert!(seeded.lines().any(|l| l.starts_with("benchmark_1y") && l.contains("4.35%") && l.contains("2015-10-24")));

    let set = |args: &[&str]| {
        let mut all = vec!["rates", "set"];
        all.extend_from_slice(args);
        finmart(&data, &all)
    };
    let entered = set(&["--kind", "lpr_1y", "--percent", "2.9", "--published", "2025-06-20", "--source", "中国货币网"]);
    assert!(entered.status.success(), "{}", stderr(&entered));
    assert!(stderr(&entered).contains("已录入") && stderr(&entered).contains("2.90%"), "{}", stderr(&entered));
    // The same day again is refused unless it is a correction; every bad field is named.
    let again = set(&["--kind", "1 年期 LPR", "--percent", "2.95", "--published", "2025-06-20"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("已录入；如需改正"), "{}", stderr(&again));
    let corrected = set(&["--kind", "lpr_1y", "--percent", "2.95", "--published", "2025-06-20", "--correction"]);
    assert!(corrected.status.success(), "{}", stderr(&corrected));
    let bad = set(&["--kind", "lpr_2y", "--percent", "abc", "--published", "2999-01-01"]);
    assert!(!bad.status.success());
    for field in ["kind:", "percent:", "published_on:"] {
        assert!(stderr(&bad).contains(field), "{field} missing from {}", stderr(&bad));
    }
    let table = list(&data);
    let lpr: Vec<&str> = table.lines().filter(|l| l.starts_with("lpr_1y")).collect();
    assert_eq!(lpr.len(), 3, "{table}");
    assert!(lpr[0].contains("2.95%") && lpr[0].contains("现行") && lpr[0].contains("finmart rates set"), "{table}");
    assert!(lpr[1].contains("2.90%") && lpr[1].contains("已更正"), "{table}");
}

#[test]
fn check_record_reports_what_breaks_a_rule_and_exits_by_what_it_found() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clean = finmart(&data, &["check-record"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    assert!(String::from_utf8_lossy(&clean.stdout).contains("0 份申请，全部符合规则"));

    // Demo applications, one of them approved and paid out, then stripped of its approval terms as
    // approvals were recorded before they carried them.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let stripped = rt.block_on(async {
        let store = finmart_store::Store::connect(&finmart_store::Store::sqlite_url(&data)).await.unwrap();
        finmart_cli::load_demo(&store).await.unwrap();
        let day = finmart_cli::bench::reference_date();
        let end = finmart_cli::bench::applications::history_end(day);
        assert_eq!(finmart_cli::bench::applications::generate(&store, 400, 5, end, false).await.unwrap(), 400);
        let filter = finmart_store::ApplicationFilter {
            state: Some(finmart_domain::ApplicationState::Disbursed),
            ..Default::default()
        };
        let paid = store.all_applications(&filter).await.unwrap();
        let id = paid.last().unwrap().id;
        let sql = format!("UPDATE application SET approval = NULL WHERE id = {id}");
        sea_orm::ConnectionTrait::execute_unprepared(store.connection(), &sql).await.unwrap();
        store.close().await.unwrap();
        id
    });

    let json = finmart(&data, &["check-record", "--json"]);
    assert_eq!(json.status.code(), Some(1), "{}", stderr(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((report["clean"].as_bool(), report["applications"].as_u64()), (Some(false), Some(400)));
    assert_eq!(report["counts"], serde_json::json!({ "approved_without_terms": 1 }));
    let breach = &report["breaches"][0];
    assert_eq!(breach["application_id"].as_i64(), Some(stripped));
    assert_eq!(breach["rule"], "approved_without_terms");
    assert!(breach["rule_zh"].as_str().unwrap().contains("未记录批准条件"), "{breach}");
    assert!(breach["detail_en"].as_str().unwrap().contains("no approved amount"), "{breach}");
    assert_eq!(breach["values"]["state"], "disbursed");
    assert!(stderr(&json).contains("发现 1 处"), "{}", stderr(&json));

    let human = finmart(&data, &["check-record"]);
    assert_eq!(human.status.code(), Some(1));
    let text = String::from_utf8_lossy(&human.stdout).into_owned();
    assert!(text.contains("[approved_without_terms]") && text.contains(&format!("申请 #{stripped}")), "{text}");

    // A database that cannot be opened is not a clean record.
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let failed = finmart(&file, &["check-record"]);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    assert!(stderr(&failed).starts_with("error:"), "{}", stderr(&failed));
}

/// A port nothing listens on (bound, then released).
fn refused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `finmart serve` that fails to start: its one line of error output, its exit code and how long it took.
fn failed_start(data_dir: &Path, extra: &[&str]) -> (String, i32, Duration) {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    failed_command(data_dir, &args)
}

/// Any command that fails before it starts its work: its one line of error output, exit code and time.
fn failed_command(data_dir: &Path, args: &[&str]) -> (String, i32, Duration) {
    let started = Instant::now();
    let output = finmart(data_dir, args);
    let took = started.elapsed();
    let text = stderr(&output);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, said once: {text}");
    (lines[0].to_owned(), output.status.code().expect("exited"), took)
}

#[test]
fn an_unusable_data_directory_stops_the_start_in_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let data = file.join("data");
    let (line, code, _) = failed_start(&data, &[]);
    assert!(line.starts_with("error: cannot use the data directory "), "{line}");
    assert!(line.contains(&data.display().to_string()), "names the path: {line}");
    assert!(line.contains("--data-dir"), "says what to do: {line}");
    assert_eq!(code, 73, "EX_CANTCREAT: {line}");

    // Read-only (only meaningful when this user cannot write there: root can).
    let read_only = dir.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::set_permissions(&read_only, std::os::unix::fs::PermissionsExt::from_mode(0o500)).unwrap();
    if std::fs::write(read_only.join("probe"), "").is_err() {
        let (line, code, _) = failed_start(&read_only, &[]);
        assert!(line.contains("Permission denied") && line.contains(&read_only.display().to_string()), "{line}");
        assert_eq!(code, 73);
    }
    std::fs::set_permissions(&read_only, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
}

/// The other commands that open the data fail as `serve` does: one line, naming the path or the service.
#[test]
fn every_command_that_opens_the_data_fails_in_one_line_naming_what() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let products = example("products.csv");
    let commands: [&[&str]; 4] =
        [&["migrate"], &["reindex"], &["import", products.to_str().unwrap()], &["demo", "--listen", "127.0.0.1:0"]];
    let url = format!("postgres://finmart:s3cret@127.0.0.1:{}/finmart", refused_port());
    for command in commands {
        let data = file.join("data");
        let (line, code, _) = failed_command(&data, command);
        assert!(line.starts_with("error: cannot use the data directory "), "{command:?}: {line}");
        assert!(line.contains(&data.display().to_string()) && line.contains("--data-dir"), "{command:?}: {line}");
        assert_eq!(code, 73, "{command:?}: {line}");

        let mut args = command.to_vec();
        args.extend(["--database-url", &url]);
        let (line, code, _) = failed_command(dir.path(), &args);
        assert!(
            line.starts_with("error: cannot use PostgreSQL at postgres://finmart@127.0.0.1:"),
            "{command:?}: {line}"
        );
        assert!(line.contains("refused") && !line.contains("s3cret"), "{command:?}: {line}");
        assert_eq!(code, 69, "{command:?}: {line}");
    }
}

#[test]
fn a_refused_postgresql_stops_the_start_at_once_naming_it_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("postgres://finmart:s3cret@127.0.0.1:{}/finmart", refused_port());
    let (line, code, took) = failed_start(dir.path(), &["--database-url", &url]);
    let shown = url.replace(":s3cret", "");
    assert!(line.starts_with(&format!("error: cannot use PostgreSQL at {shown}: ")), "{line}");
    assert!(line.contains("refused") && line.contains("DATABASE_URL"), "why and what to do: {line}");
    assert!(!line.contains("s3cret"), "never the password: {line}");
    assert_eq!(code, 69, "EX_UNAVAILABLE: {line}");
    assert!(took < Duration::from_secs(3), "failed fast: {took:?}");
}

#[test]
fn a_refused_redis_stops_the_start_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("redis://:s3cret@127.0.0.1:{}", refused_port());
    let (line, code, took) = failed_start(dir.path(), &["--redis-url", &url]);
    let shown = format!("redis://127.0.0.1:{}", url.rsplit(':').next().unwrap());
    assert!(line.starts_with(&format!("error: cannot use Redis at {shown}: ")), "{line}");
    assert!(line.contains("refused") && line.contains("REDIS_URL"), "why and what to do: {line}");
    assert!(!line.contains("s3cret"), "never the password: {line}");
    assert_eq!(code, 69, "EX_UNAVAILABLE: {line}");
    assert!(took < Duration::from_secs(3), "failed fast: {took:?}");
}
