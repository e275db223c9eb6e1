//! The command line end to end: `list`, `plan`, `import` and exit statuses, through the real
//! binary on real files.

use crate::support::{Workspace, fixtures, output, stderr, stdout};

/// A workspace holding the shipped example configuration (departments, calendar, schedule)
/// with the state directory inside the workspace.
fn example() -> Workspace {
    let workspace = Workspace::new();
    let shipped = std::fs::read_to_string(fixtures().join("../config/followup.toml"))
        .expect("the shipped configuration exists");
    let text = shipped.replace("state_dir = \"../state\"", "state_dir = \"state\"");
    assert_ne!(
        text, shipped,
        "the shipped state_dir line is where the test expects it"
    );
    workspace.write("followup.toml", &text);
    let commitments =
        std::fs::read_to_string(fixtures().join("../config/commitments/jl-2025-ai.toml"))
            .expect("the shipped commitments exist");
    workspace.write("commitments/jl-2025-ai.toml", &commitments);
    workspace
}

#[test]
fn list_json_filters_by_owner_and_overdue() {
    let workspace = example();
    let result = output(workspace.followup().args([
        "list",
        "--json",
        "--owner",
        "财政厅",
        "--at",
        "2026-12-02",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let rows: serde_json::Value =
        serde_json::from_str(&stdout(&result)).expect("list --json prints JSON");
    let rows = rows.as_array().expect("an array of commitments");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], "jl-2025-ai-3");
    assert_eq!(rows[0]["owner"], "省财政厅");
    assert_eq!(rows[0]["overdue"], true);
    assert_eq!(rows[0]["days_left"], -2);

    let result =
        output(
            workspace
                .followup()
                .args(["list", "--json", "--overdue", "--at", "2026-11-28"]),
        );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&result)).expect("JSON");
    assert_eq!(
        rows.as_array().map(Vec::len),
        Some(0),
        "nothing is overdue before 2026-11-30 ends"
    );

    let result = output(workspace.followup().args(["list", "--owner", "科技局"]));
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("unknown department `科技局` (did you mean `科技厅`?)"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn list_json_gives_each_commitment_its_state_and_light() {
    let workspace = example();
    let lights = |at: &str| -> Vec<(String, String, String)> {
        let result = output(
            workspace
                .followup()
                .args(["list", "--json", "--status", "all", "--at", at]),
        );
        assert!(result.status.success(), "{}", stderr(&result));
        let rows: serde_json::Value = serde_json::from_str(&stdout(&result)).expect("JSON");
        rows.as_array()
            .expect("an array")
            .iter()
            .map(|row| {
                (
                    row["id"].as_str().unwrap_or_default().to_string(),
                    row["state"].as_str().unwrap_or_default().to_string(),
                    row["light"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let light_of = |rows: &[(String, String, String)], id: &str| {
        rows.iter()
            .find(|(row, _, _)| row == id)
            .map(|(_, state, light)| format!("{state} {light}"))
    };
    // jl-2025-ai-3 is due 2026-11-30; the others on 2026-12-31; stages at -14d and 0d.
    let before = lights("2026-11-01");
    assert_eq!(
        light_of(&before, "jl-2025-ai-3").as_deref(),
        Some("open green")
    );
    let approaching = lights("2026-11-20");
    assert_eq!(
        light_of(&approaching, "jl-2025-ai-3").as_deref(),
        Some("open yellow")
    );
    assert_eq!(
        light_of(&approaching, "jl-2025-ai-1").as_deref(),
        Some("open green")
    );
    let overdue = lights("2026-12-02");
    assert_eq!(
        light_of(&overdue, "jl-2025-ai-3").as_deref(),
        Some("open red")
    );

    let done = output(workspace.followup().args(["done", "jl-2025-ai-1"]));
    assert!(done.status.success(), "{}", stderr(&done));
    let after = lights("2026-12-02");
    assert_eq!(
        light_of(&after, "jl-2025-ai-1").as_deref(),
        Some("done grey")
    );
}

#[test]
fn list_table_lines_up_chinese_text() {
    let workspace = example();
    let result = output(
        workspace
            .followup()
            .args(["list", "--at", "2026-11-28T10:00:00+08:00"]),
    );
    assert!(result.status.success(), "{}", stderr(&result));
    let text = stdout(&result);
    assert!(text.starts_with("ID            OWNER     DUE"), "{text}");
    assert!(
        text.contains("jl-2025-ai-3  省财政厅  2026-11-30 (2 days left)"),
        "{text}"
    );
    assert!(text.ends_with("6 commitments\n"), "{text}");
}

#[test]
fn plan_json_says_when_to_whom_and_why() {
    let workspace = example();
    let result = output(workspace.followup().args([
        "plan",
        "--json",
        "--days",
        "3",
        "--at",
        "2026-11-28T10:00:00+08:00",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let emails: serde_json::Value =
        serde_json::from_str(&stdout(&result)).expect("plan --json prints JSON");
    let emails = emails.as_array().expect("an array of emails");
    // First notices for the three departments at once, then Monday's reminders.
    let summary: Vec<String> = emails
        .iter()
        .map(|email| {
            format!(
                "{} {} {}",
                email["moment"].as_str().unwrap_or_default(),
                email["department"].as_str().unwrap_or_default(),
                email["why"][0]["text"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "2026-11-28 10:00 Sat +08:00 省科技厅 first notice",
            "2026-11-28 10:00 Sat +08:00 省财政厅 first notice",
            "2026-11-28 10:00 Sat +08:00 省人社厅 first notice",
            "2026-11-30 09:00 Mon +08:00 省科技厅 cadence `0 9 * * MON` (default)",
            "2026-11-30 09:00 Mon +08:00 省财政厅 cadence `0 9 * * *` (stage 临近截止)",
            "2026-11-30 09:00 Mon +08:00 省人社厅 cadence `0 9 * * MON` (default)",
            "2026-12-01 09:00 Tue +08:00 省财政厅 cadence `0 9 * * *` (stage 已逾期)",
        ]
    );
    let overdue = &emails[6];
    assert_eq!(overdue["to"][0], "office@czt.example.gov.cn");
    assert!(
        overdue["cc"]
            .as_array()
            .is_some_and(|cc| cc.iter().any(|a| a == "duban@example.gov.cn")),
        "the supervising office is copied once overdue: {overdue}"
    );
}

#[test]
fn views_reject_a_malformed_time() {
    let workspace = example();
    let result = output(workspace.followup().args(["plan", "--at", "next tuesday"]));
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("`next tuesday` is not a time"),
        "{}",
        stderr(&result)
    );
}

#[test]
fn usage_errors_exit_2_and_help_explains() {
    let workspace = example();
    let result = output(workspace.followup().args(["list", "--status", "closed"]));
    assert_eq!(result.status.code(), Some(2));
    let result = output(workspace.followup().arg("--help"));
    assert!(result.status.success());
    let help = stdout(&result);
    for command in ["check", "list", "plan", "import"] {
        assert!(help.contains(command), "--help lists `{command}`:\n{help}");
    }
}

#[test]
fn import_of_the_seed_letter_passes_check_with_the_shipped_departments() {
    let workspace = example();
    let letter = fixtures().join("letters/000_0793bff3c028bd39.txt");
    std::fs::remove_file(workspace.path().join("commitments/jl-2025-ai.toml")).expect("removable");
    let result = output(workspace.followup().arg("import").arg(&letter).args([
        "-o",
        "commitments/imported.toml",
        "--prefix",
        "jl-ai",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(
        stderr(&result).contains("6 commitments: 省科技厅 ×4, 省财政厅, 省人社厅"),
        "{}",
        stderr(&result)
    );
    let draft = workspace.read("commitments/imported.toml");
    let owners: Vec<&str> = draft
        .lines()
        .filter(|line| line.starts_with("owner = "))
        .collect();
    assert_eq!(
        owners,
        [
            "owner = \"省科技厅\"",
            "owner = \"省科技厅\"",
            "owner = \"省财政厅\"",
            "owner = \"省科技厅\"",
            "owner = \"省科技厅\"",
            "owner = \"省人社厅\""
        ]
    );
    let result = output(workspace.followup().arg("check"));
    assert!(
        result.status.success(),
        "{}{}",
        stdout(&result),
        stderr(&result)
    );
    assert!(
        stdout(&result).contains("1 letters, 6 commitments (6 open"),
        "{}",
        stdout(&result)
    );

    // The draft is never written over an existing file.
    let again = output(
        workspace
            .followup()
            .arg("import")
            .arg(&letter)
            .args(["-o", "commitments/imported.toml"]),
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("never overwritten"),
        "{}",
        stderr(&again)
    );
    assert_eq!(workspace.read("commitments/imported.toml"), draft);
}

#[test]
fn import_refuses_bad_input_clearly_and_writes_nothing() {
    let workspace = example();
    let cases: [(&str, &[u8], &str); 4] = [
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "binary"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "save it as .docx"),
        (
            "no-next-steps.txt",
            "张三代表：\n您提出的《关于加强道路养护的建议》收悉，现答复如下：\n我厅已完成全省道路普查。\n感谢您的关心。\n省交通运输厅\n2025年6月1日\n".as_bytes(),
            "no next-steps section",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = workspace.path().join(name);
        std::fs::write(&path, bytes).expect("writable");
        let result = output(
            workspace
                .followup()
                .arg("import")
                .arg(&path)
                .args(["-o", "draft.toml"]),
        );
        assert_eq!(result.status.code(), Some(1), "{name}: {}", stderr(&result));
        assert!(
            stderr(&result)
                .to_lowercase()
                .contains(&expected.to_lowercase()),
            "{name}: expected `{expected}` in: {}",
            stderr(&result)
        );
        assert!(
            !workspace.path().join("draft.toml").exists(),
            "{name}: no file is written"
        );
    }
}

#[test]
fn done_and_reopen_through_the_command_line() {
    let workspace = example();
    let file = "commitments/jl-2025-ai.toml";
    let original = workspace.read(file);

    let result = output(workspace.followup().args([
        "done",
        "jl-2025-ai-3",
        "--note",
        "已设立子基金",
        "--on",
        "2026-11-20",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(
        stdout(&result),
        "jl-2025-ai-3: marked done in commitments/jl-2025-ai.toml\n"
    );
    let done = workspace.read(file);
    assert!(
        done.contains("status = \"done\"\ndone_on = 2026-11-20\nnote = \"已设立子基金\""),
        "{done}"
    );

    // Done again without --on keeps the recorded date and writes nothing.
    let again = output(workspace.followup().args(["done", "jl-2025-ai-3"]));
    assert_eq!(
        stdout(&again),
        "jl-2025-ai-3: already done on 2026-11-20 in commitments/jl-2025-ai.toml\n"
    );
    assert_eq!(workspace.read(file), done);

    let list = output(
        workspace
            .followup()
            .args(["list", "--status", "done", "--json"]),
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&list)).expect("JSON");
    assert_eq!(rows[0]["done_on"], "2026-11-20");

    // A typo is refused with a suggestion, and nothing is written.
    let typo = output(workspace.followup().args(["reopen", "jl-2025-ai-33"]));
    assert_eq!(typo.status.code(), Some(1));
    assert!(
        stderr(&typo).contains("did you mean `jl-2025-ai-3`?"),
        "{}",
        stderr(&typo)
    );
    assert_eq!(workspace.read(file), done);

    for command in ["history", "preview"] {
        let typo = output(workspace.followup().args([command, "jl-2025-ai-33"]));
        assert_eq!(typo.status.code(), Some(1), "{command}");
        assert!(
            stderr(&typo).contains("did you mean `jl-2025-ai-3`?"),
            "{command}: {}",
            stderr(&typo)
        );
    }
    let done_preview = output(workspace.followup().args(["preview", "jl-2025-ai-3"]));
    assert!(
        stderr(&done_preview).contains("is done: no more reminders"),
        "{}",
        stderr(&done_preview)
    );

    let reopen = output(workspace.followup().args(["reopen", "jl-2025-ai-3"]));
    assert!(reopen.status.success(), "{}", stderr(&reopen));
    let reopened = workspace.read(file);
    assert_eq!(
        reopened,
        original.replace(
            "due = 2026-11-30\nstatus = \"open\"",
            "due = 2026-11-30\nstatus = \"open\"\nnote = \"已设立子基金\""
        ),
        "only the note remains of the change"
    );
}

#[test]
fn preview_prints_the_next_email_with_a_readable_subject() {
    let workspace = example();
    let result = output(workspace.followup().args([
        "preview",
        "jl-2025-ai-3",
        "--at",
        "2026-12-02T10:00:00+08:00",
    ]));
    assert!(result.status.success(), "{}", stderr(&result));
    let text = stdout(&result);
    for expected in [
        "To: office@czt.example.gov.cn\n",
        "Subject: 【督办提醒】省财政厅：1项承诺事项待落实（1项已逾期） [督办 jl-2025-ai-3]\n",
        "X-Followup-Commitments: jl-2025-ai-3\n",
        "Auto-Submitted: auto-generated\n",
        "已逾期 2 天",
        "关于推动我省通用人工智能产业发展的建议",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        !text.contains("Content-Transfer-Encoding"),
        "MIME plumbing is not shown:\n{text}"
    );

    let department = output(workspace.followup().args([
        "preview",
        "--owner",
        "科技厅",
        "--at",
        "2026-12-02T10:00:00+08:00",
    ]));
    assert!(
        stdout(&department).contains(
            "X-Followup-Commitments: jl-2025-ai-1, jl-2025-ai-2, jl-2025-ai-4, jl-2025-ai-5\n"
        ),
        "{}",
        stdout(&department)
    );
}
