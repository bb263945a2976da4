//! `latchkey run` masks the injected secrets in the command's output: the real binary, a real
//! child (sh, python3, script(1) for a terminal), the real keychain of the test session.

mod support;

use std::process::Command;

use support::{fake, Sandbox};

const SERVER: &str = "http://127.0.0.1:9";

/// A sandbox with a CVAT token `ci` whose secret is returned.
fn with_cvat(sb: &Sandbox, secret: &str) {
    sb.add("cvat", "ci", secret, &["--server", SERVER]);
}

fn run_sh(sb: &Sandbox, script: &str) -> support::Ran {
    sb.run(&["run", "-t", "ci", "--", "sh", "-c", script], None)
}

#[test]
fn a_secret_printed_whole_in_colour_or_on_stderr_is_masked() {
    let sb = Sandbox::new();
    let secret = fake("cvat");
    with_cvat(&sb, &secret);
    let ran = run_sh(
        &sb,
        r#"printf 'token=%s\n' "$CVAT_ACCESS_TOKEN"; printf '\033[31m%s\033[0m\n' "$CVAT_ACCESS_TOKEN"; printf 'err %s\n' "$CVAT_ACCESS_TOKEN" >&2"#,
    )
    .ok();
    assert!(!ran.all().contains(&secret), "{ran:?}");
    assert_eq!(ran.stdout, "token=<latchkey:cvat/ci>\n\x1b[31m<latchkey:cvat/ci>\x1b[0m\n");
    assert_eq!(ran.stderr, "err <latchkey:cvat/ci>\n");

    // --no-mask: the command is exec'd, its output untouched.
    let raw =
        sb.run(&["run", "--no-mask", "-t", "ci", "--", "sh", "-c", "printf %s \"$CVAT_ACCESS_TOKEN\""], None).ok();
    assert_eq!(raw.stdout, secret);
}

#[test]
fn a_secret_split_across_writes_is_masked() {
    let sb = Sandbox::new();
    let secret = fake("cvat");
    with_cvat(&sb, &secret);
    // Three writes with pauses between: three reads on our side.
    let ran = run_sh(
        &sb,
        r#"T="$CVAT_ACCESS_TOKEN"; printf 'a %s' "$(printf %s "$T" | cut -c1-5)"; sleep 0.3;
           printf %s "$(printf %s "$T" | cut -c6-12)"; sleep 0.3; printf '%s b\n' "$(printf %s "$T" | cut -c13-)"
           printf %s "$(printf %s "$T" | cut -c1-9)" >&2; sleep 0.3; printf '%s\n' "$(printf %s "$T" | cut -c10-)" >&2"#,
    )
    .ok();
    assert_eq!(ran.stdout, "a <latchkey:cvat/ci> b\n", "{ran:?}");
    assert_eq!(ran.stderr, "<latchkey:cvat/ci>\n", "{ran:?}");
}

#[test]
fn url_encoded_and_basic_auth_forms_are_masked() {
    let sb = Sandbox::new();
    // A secret with characters a URL encodes.
    let secret = format!("{}/+=x", fake("cvat"));
    with_cvat(&sb, &secret);
    let ran = sb
        .run(
            &[
                "run",
                "-t",
                "ci",
                "--",
                "python3",
                "-c",
                "import os, re, urllib.parse as u; q = u.quote(os.environ['CVAT_ACCESS_TOKEN'], safe=''); \
                 print('q=' + q); print('l=' + re.sub('%[0-9A-F]{2}', lambda m: m.group(0).lower(), q))",
            ],
            None,
        )
        .ok();
    assert_eq!(ran.stdout, "q=<latchkey:cvat/ci>\nl=<latchkey:cvat/ci>\n", "{ran:?}");

    let env0_secret = fake("env0");
    sb.add("env0", "deploy", &env0_secret, &["--key-id", "kid-public-7"]);
    let ran = sb
        .run(
            &[
                "run",
                "-t",
                "deploy",
                "--",
                "sh",
                "-c",
                r#"printf 'Authorization: Basic %s\n' "$(printf '%s:%s' "$ENV0_API_KEY" "$ENV0_API_SECRET" | base64 -w0)"; echo "id $ENV0_API_KEY""#,
            ],
            None,
        )
        .ok();
    assert_eq!(ran.stdout, "Authorization: Basic <latchkey:env0/deploy>\nid kid-public-7\n", "{ran:?}");
}

#[test]
fn exit_codes_and_signals_pass_through() {
    let sb = Sandbox::new();
    with_cvat(&sb, &fake("cvat"));
    run_sh(&sb, "exit 42").code(42);
    // Killed by SIGKILL: 128 + 9, as a shell reports it.
    run_sh(&sb, "kill -9 $$").code(137);
    sb.run(&["run", "-t", "ci", "--", "/nonexistent/command"], None).code(127);

    // SIGTERM sent to latchkey reaches the command (its trap decides the exit code).
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut c =
        sb.cmd(&["run", "-t", "ci", "--", "sh", "-c", "trap 'exit 77' TERM; echo ready; while :; do sleep 0.05; done"]);
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert_eq!(child.wait().unwrap().code(), Some(77));
}

#[test]
fn a_command_on_a_terminal_still_sees_a_terminal() {
    let sb = Sandbox::new();
    let secret = fake("cvat");
    with_cvat(&sb, &secret);
    // script(1) gives latchkey a terminal; the command must get one too (a pty), and its
    // output must still be masked.
    let inner = format!(
        "{} run -t ci -- sh -c 'test -t 1 && echo stdout-is-a-tty; test -t 0 && echo stdin-is-a-tty; printf \"%s\\n\" \"$CVAT_ACCESS_TOKEN\"; exit 3'",
        support::BIN
    );
    let ran: support::Ran = sb.program("script", &["-qefc", &inner, "/dev/null"]).output().unwrap().into();
    assert!(ran.stdout.contains("stdout-is-a-tty"), "{ran:?}");
    assert!(ran.stdout.contains("stdin-is-a-tty"), "{ran:?}");
    assert!(ran.stdout.contains("<latchkey:cvat/ci>"), "{ran:?}");
    assert!(!ran.all().contains(&secret), "{ran:?}");
    assert_eq!(ran.code, 3, "{ran:?}");

    // Typed keys reach the command through the pty (our terminal is in raw mode), and Ctrl-C
    // typed at the terminal becomes the command's SIGINT.
    let typed = format!(
        "(sleep 1; printf 'hello\\r'; sleep 1; printf '\\003'; sleep 1) | script -qefc \"{} run -t ci -- sh -c '\
         trap \\\"echo caught; exit 5\\\" INT; read x; echo got:\\$x; while :; do sleep 0.1; done'\" /dev/null",
        support::BIN
    );
    let ran: support::Ran = sb.program("sh", &["-c", &typed]).output().unwrap().into();
    assert!(ran.stdout.contains("got:hello"), "{ran:?}");
    assert!(ran.stdout.contains("caught"), "{ran:?}");
    assert_eq!(ran.code, 5, "{ran:?}");

    // Not on a terminal: the command sees pipes.
    let piped = run_sh(&sb, "test -t 1 && echo tty || echo not-a-tty").ok();
    assert_eq!(piped.stdout, "not-a-tty\n");
}

#[test]
fn references_in_the_environment_are_resolved_and_masked() {
    let mut sb = Sandbox::new();
    let secret = fake("cvat");
    sb.add("cvat", "ci bot", &secret, &["--server", SERVER]);
    sb.env.push(("MY_TOKEN".into(), "Bearer latchkey://cvat/ci%20bot".into()));
    sb.env.push(("PLAIN".into(), "no reference here".into()));
    let script = r#"printf '%s|%s' "$MY_TOKEN" "$PLAIN""#;
    let ran = sb.run(&["run", "--", "sh", "-c", script], None).ok();
    assert_eq!(ran.stdout, "Bearer <latchkey:cvat/ci bot>|no reference here");
    let raw = sb.run(&["run", "--no-mask", "--", "sh", "-c", script], None).ok();
    assert_eq!(raw.stdout, format!("Bearer {secret}|no reference here"));
    let names = sb.run(&["run", "--print-names"], None).ok();
    assert!(names.stdout.contains("MY_TOKEN\tcvat/ci bot"), "{names:?}");

    // Several references to two tokens in one variable and a third token by --token: all
    // their secrets (read from the keychain together) in place, and all masked.
    let (rf, sly) = (fake("roboflow"), fake("supervisely"));
    sb.add("roboflow", "rf", &rf, &[]);
    sb.add("supervisely", "sly", &sly, &[]);
    sb.env.push(("BOTH".into(), "latchkey://roboflow/rf,latchkey://cvat/ci%20bot,latchkey://roboflow/rf".into()));
    let script = r#"printf '%s|%s|%s' "$BOTH" "$MY_TOKEN" "$API_TOKEN""#;
    let raw = sb.run(&["run", "--no-mask", "-t", "sly", "--", "sh", "-c", script], None).ok();
    assert_eq!(raw.stdout, format!("{rf},{secret},{rf}|Bearer {secret}|{sly}"));
    let ran = sb.run(&["run", "-t", "sly", "--", "sh", "-c", script], None).ok();
    assert_eq!(
        ran.stdout,
        "<latchkey:roboflow/rf>,<latchkey:cvat/ci bot>,<latchkey:roboflow/rf>|Bearer <latchkey:cvat/ci bot>|<latchkey:supervisely/sly>"
    );
    sb.env.retain(|(var, _)| var != "BOTH");

    sb.env.push(("OTHER".into(), "latchkey://cvat/nobody".into()));
    let missing = sb.run(&["run", "--", "sh", "-c", "echo ran"], None).code(3);
    assert!(missing.stderr.contains("latchkey://cvat/nobody"), "{missing:?}");
    assert!(!missing.stdout.contains("ran"));
}
