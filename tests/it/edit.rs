//! Marking commitments done and open again: the pure text edit byte for byte, and `apply`
//! on real files in a temporary workspace (the right file, nothing else, nothing on error).

use chrono::NaiveDate;
use followup::config;
use followup::edit::{self, Change, Edited};
use followup::model::Status;

use crate::support::{Workspace, output, stderr, stdout};

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a test date")
}

fn done(on: &str, note: Option<&str>) -> Change {
    Change::Done {
        on: date(on),
        note: note.map(str::to_string),
    }
}

/// Comments everywhere, odd spacing, tabs, blank lines, two commitments, one with a note.
const ORIGINAL: &str = r#"# 吉林省科技厅答复函的承诺事项
# 由督办室维护，followup done 会改写 status

[letter]
id = "jl-2025-ai"   # 函号
title = "关于推动我省通用人工智能产业发展的建议"
replied_on = 2025-05-23

# 第一项：技术攻关
[[commitment]]
id   =  "a-1"          # 全省唯一
owner = "省科技厅"
text	=	"持续组织实施人工智能领域科技攻关"

# 状态由 followup done 写入
status =   "open"   # open | done
due = 2025-12-31


# 第二项：算力平台
[[commitment]]
id = "a-2"
owner = "省科技厅"
text = "建设算力平台"
status = "open"
note = "已列入年度计划"    # 上次会商
# 结尾注释
"#;

#[test]
fn done_then_reopen_changes_only_the_edited_values() {
    let marked = edit::edit_text(
        ORIGINAL,
        &["a-1"],
        &done("2025-11-03", Some("攻关项目已立项")),
    )
    .expect("a-1 is in the file");
    assert_eq!(
        marked,
        r#"# 吉林省科技厅答复函的承诺事项
# 由督办室维护，followup done 会改写 status

[letter]
id = "jl-2025-ai"   # 函号
title = "关于推动我省通用人工智能产业发展的建议"
replied_on = 2025-05-23

# 第一项：技术攻关
[[commitment]]
id   =  "a-1"          # 全省唯一
owner = "省科技厅"
text	=	"持续组织实施人工智能领域科技攻关"

# 状态由 followup done 写入
status =   "done"   # open | done
due = 2025-12-31
done_on = 2025-11-03
note = "攻关项目已立项"


# 第二项：算力平台
[[commitment]]
id = "a-2"
owner = "省科技厅"
text = "建设算力平台"
status = "open"
note = "已列入年度计划"    # 上次会商
# 结尾注释
"#
    );

    // Line by line: the status line is the only one that differs, and the two new lines
    // follow the commitment's last key.
    let before: Vec<&str> = ORIGINAL.lines().collect();
    let after: Vec<&str> = marked.lines().collect();
    assert_eq!(after.len(), before.len() + 2);
    let due = before
        .iter()
        .position(|line| line.starts_with("due = "))
        .expect("a-1 has a due line");
    assert_eq!(after[..=due].len(), before[..=due].len());
    let differing: Vec<(&str, &str)> = before[..=due]
        .iter()
        .zip(&after[..=due])
        .filter(|(old, new)| old != new)
        .map(|(old, new)| (*old, *new))
        .collect();
    assert_eq!(
        differing,
        [(
            "status =   \"open\"   # open | done",
            "status =   \"done\"   # open | done"
        )]
    );
    assert_eq!(
        after[due + 1..due + 3],
        ["done_on = 2025-11-03", "note = \"攻关项目已立项\""]
    );
    assert_eq!(after[due + 3..], before[due + 1..]);

    let reopened = edit::edit_text(&marked, &["a-1"], &Change::Reopen).expect("a-1 is there");
    assert_eq!(
        reopened,
        ORIGINAL.replace(
            "due = 2025-12-31\n",
            "due = 2025-12-31\nnote = \"攻关项目已立项\"\n"
        )
    );
    assert_eq!(
        reopened,
        r#"# 吉林省科技厅答复函的承诺事项
# 由督办室维护，followup done 会改写 status

[letter]
id = "jl-2025-ai"   # 函号
title = "关于推动我省通用人工智能产业发展的建议"
replied_on = 2025-05-23

# 第一项：技术攻关
[[commitment]]
id   =  "a-1"          # 全省唯一
owner = "省科技厅"
text	=	"持续组织实施人工智能领域科技攻关"

# 状态由 followup done 写入
status =   "open"   # open | done
due = 2025-12-31
note = "攻关项目已立项"


# 第二项：算力平台
[[commitment]]
id = "a-2"
owner = "省科技厅"
text = "建设算力平台"
status = "open"
note = "已列入年度计划"    # 上次会商
# 结尾注释
"#
    );
}

#[test]
fn a_note_replaces_the_old_one_in_place_and_without_one_the_old_one_stays() {
    let with_note = edit::edit_text(ORIGINAL, &["a-2"], &done("2025-11-04", Some("平台已上线")))
        .expect("a-2 is in the file");
    assert_eq!(
        with_note,
        ORIGINAL.replace(
            "status = \"open\"\nnote = \"已列入年度计划\"    # 上次会商\n",
            "status = \"done\"\nnote = \"平台已上线\"    # 上次会商\ndone_on = 2025-11-04\n"
        )
    );

    let without_note =
        edit::edit_text(ORIGINAL, &["a-2"], &done("2025-11-04", None)).expect("a-2 is there");
    assert_eq!(
        without_note,
        ORIGINAL.replace(
            "status = \"open\"\nnote = \"已列入年度计划\"    # 上次会商\n",
            "status = \"done\"\nnote = \"已列入年度计划\"    # 上次会商\ndone_on = 2025-11-04\n"
        )
    );
}

#[test]
fn both_commitments_of_a_file_in_one_edit() {
    let marked = edit::edit_text(ORIGINAL, &["a-2", "a-1"], &done("2025-11-05", None))
        .expect("both are in the file");
    assert_eq!(
        marked,
        ORIGINAL
            .replace(
                "status =   \"open\"   # open | done\ndue = 2025-12-31\n",
                "status =   \"done\"   # open | done\ndue = 2025-12-31\ndone_on = 2025-11-05\n"
            )
            .replace(
                "status = \"open\"\nnote = \"已列入年度计划\"    # 上次会商\n",
                "status = \"done\"\nnote = \"已列入年度计划\"    # 上次会商\ndone_on = 2025-11-05\n"
            )
    );
}

/// A file that already has `done_on` (here with a comment above it and one beside it).
const WITH_DONE_ON: &str = r#"[letter]
id = "jl-2025-ai"
title = "关于推动我省通用人工智能产业发展的建议"

[[commitment]]
id = "a-1"
owner = "省科技厅"
status = 'done'
# 验收日期
done_on  =  2025-10-30   # 专家验收
text = "持续组织实施人工智能领域科技攻关"
"#;

#[test]
fn re_marking_keeps_the_done_on_line_where_it_is() {
    let marked = edit::edit_text(WITH_DONE_ON, &["a-1"], &done("2025-11-03", Some("补记")))
        .expect("a-1 is in the file");
    assert_eq!(
        marked,
        r#"[letter]
id = "jl-2025-ai"
title = "关于推动我省通用人工智能产业发展的建议"

[[commitment]]
id = "a-1"
owner = "省科技厅"
status = 'done'
# 验收日期
done_on  =  2025-11-03   # 专家验收
text = "持续组织实施人工智能领域科技攻关"
note = "补记"
"#
    );
}

#[test]
fn an_already_done_commitment_keeps_the_bytes_of_its_status() {
    // The same date and no note: nothing at all to change.
    let same = edit::edit_text(WITH_DONE_ON, &["a-1"], &done("2025-10-30", None))
        .expect("a-1 is in the file");
    assert_eq!(same, WITH_DONE_ON);

    let redated = edit::edit_text(WITH_DONE_ON, &["a-1"], &done("2025-11-01", None))
        .expect("a-1 is in the file");
    assert!(redated.contains("\nstatus = 'done'\n"), "{redated}");
    assert_eq!(
        redated,
        WITH_DONE_ON.replace("2025-10-30", "2025-11-01"),
        "only the date changes"
    );
}

#[test]
fn reopen_removes_done_on_but_keeps_the_comment_above_it() {
    let reopened = edit::edit_text(WITH_DONE_ON, &["a-1"], &Change::Reopen).expect("a-1 is there");
    assert_eq!(
        reopened,
        r#"[letter]
id = "jl-2025-ai"
title = "关于推动我省通用人工智能产业发展的建议"

[[commitment]]
id = "a-1"
owner = "省科技厅"
status = "open"
# 验收日期
text = "持续组织实施人工智能领域科技攻关"
"#
    );
    // Reopening what is open changes nothing.
    assert_eq!(
        edit::edit_text(&reopened, &["a-1"], &Change::Reopen).as_deref(),
        Ok(reopened.as_str())
    );
}

#[test]
fn a_missing_status_is_added_in_the_file_style_and_indentation() {
    let text = "[letter]\nid = \"l\"\ntitle = \"t\"\n\n[[commitment]]\n  id = \"a-1\"\n  text = \"x\"\n\n[[commitment]]\n  id = \"a-2\"\n  text = \"y\"\n";
    let marked =
        edit::edit_text(text, &["a-1"], &done("2025-11-03", Some("好"))).expect("a-1 is there");
    assert_eq!(
        marked,
        "[letter]\nid = \"l\"\ntitle = \"t\"\n\n[[commitment]]\n  id = \"a-1\"\n  text = \"x\"\n  status = \"done\"\n  done_on = 2025-11-03\n  note = \"好\"\n\n[[commitment]]\n  id = \"a-2\"\n  text = \"y\"\n"
    );
    // Without a status the commitment is open: reopening it has nothing to write.
    assert_eq!(
        edit::edit_text(text, &["a-2"], &Change::Reopen).as_deref(),
        Ok(text)
    );
}

#[test]
fn crlf_line_ends_a_byte_order_mark_and_no_final_newline_survive() {
    let text = "\u{feff}[letter]\r\nid = \"l\"\r\ntitle = \"t\"\r\n\r\n[[commitment]]\r\nid = \"a-1\"\r\nstatus = \"open\" # 状态\r\ntext = \"x\"";
    let marked = edit::edit_text(text, &["a-1"], &done("2025-11-03", None)).expect("a-1");
    assert_eq!(
        marked,
        "\u{feff}[letter]\r\nid = \"l\"\r\ntitle = \"t\"\r\n\r\n[[commitment]]\r\nid = \"a-1\"\r\nstatus = \"done\" # 状态\r\ntext = \"x\"\r\ndone_on = 2025-11-03"
    );
    assert_eq!(
        edit::edit_text(&marked, &["a-1"], &Change::Reopen).as_deref(),
        Ok(text)
    );
}

#[test]
fn commitments_written_as_inline_tables_are_edited_too() {
    let text = "commitment = [\n  { id = \"a-1\", text = \"x\", status = \"open\" },  # 一\n]\n\n[letter]\nid = \"l\"\ntitle = \"t\"\n";
    let marked = edit::edit_text(text, &["a-1"], &done("2025-11-03", None)).expect("a-1");
    assert_eq!(
        marked,
        "commitment = [\n  { id = \"a-1\", text = \"x\", status = \"done\", done_on = 2025-11-03 },  # 一\n]\n\n[letter]\nid = \"l\"\ntitle = \"t\"\n"
    );
    assert_eq!(
        edit::edit_text(&marked, &["a-1"], &Change::Reopen).as_deref(),
        Ok(text)
    );
}

#[test]
fn a_missing_id_is_an_error_naming_it() {
    assert_eq!(
        edit::edit_text(ORIGINAL, &["a-3"], &Change::Reopen),
        Err("no commitment `a-3` in this file".to_string())
    );
    assert_eq!(
        edit::edit_text(ORIGINAL, &["a-1", "b", "c"], &done("2025-11-03", None)),
        Err("no commitments `b`, `c` in this file".to_string())
    );
    let broken = edit::edit_text("[letter\n", &["a-1"], &Change::Reopen)
        .expect_err("a syntax error is reported");
    assert!(broken.starts_with("TOML syntax error"), "{broken}");
}

const MAIN: &str = r#"timezone = "Asia/Shanghai"
state_dir = "state"
commitments = ["commitments/*.toml"]

[mail]
from = "督办室 <duban@example.gov.cn>"
transport = "file"

[departments."省科技厅"]
aliases = ["科技厅"]
to = ["office@kjt.example.gov.cn"]
"#;

const SECOND: &str = r#"[letter]
id = "jl-2025-data"
title = "关于加快数据要素市场建设的建议"

[[commitment]]
id = "data-1"    # 数据
owner = "科技厅"
text = "建设数据交易平台"
"#;

/// A workspace with the main file and two commitments files, ORIGINAL and SECOND.
fn workspace() -> Workspace {
    let workspace = Workspace::new();
    workspace.write("followup.toml", MAIN);
    workspace.write("commitments/ai.toml", ORIGINAL);
    workspace.write("commitments/data.toml", SECOND);
    workspace
}

fn load(workspace: &Workspace) -> followup::model::Config {
    config::load(&workspace.path().join("followup.toml"))
        .unwrap_or_else(|invalid| panic!("the configuration loads:\n{invalid}"))
        .config
}

fn status_of(config: &followup::model::Config, id: &str) -> (Status, Option<NaiveDate>) {
    let index = config.find_commitment(id).expect("the commitment exists");
    let commitment = &config.commitments[index];
    (commitment.status, commitment.done_on)
}

#[test]
fn apply_edits_the_file_of_each_id_and_leaves_the_other_alone() {
    let workspace = workspace();
    let before = load(&workspace);
    let edited = edit::apply(
        &before,
        &["a-1".to_string()],
        &done("2025-11-03", Some("攻关项目已立项")),
    )
    .expect("a-1 is configured");
    let ai = workspace.path().join("commitments/ai.toml");
    assert_eq!(
        edited,
        [Edited {
            id: "a-1".into(),
            file: ai.clone(),
            changed: true
        }]
    );
    assert_eq!(
        workspace.read("commitments/ai.toml"),
        edit::edit_text(
            ORIGINAL,
            &["a-1"],
            &done("2025-11-03", Some("攻关项目已立项"))
        )
        .expect("a-1")
    );
    assert_eq!(workspace.read("commitments/data.toml"), SECOND);
    let leftovers: Vec<_> = std::fs::read_dir(workspace.path().join("commitments"))
        .expect("the folder exists")
        .map(|entry| entry.expect("an entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");

    let after = load(&workspace);
    assert_eq!(
        status_of(&after, "a-1"),
        (Status::Done, Some(date("2025-11-03")))
    );
    let index = after.find_commitment("a-1").expect("a-1");
    assert_eq!(
        after.commitments[index].texts().unwrap().note(),
        Some("攻关项目已立项")
    );
    assert_eq!(status_of(&after, "a-2"), (Status::Open, None));
    assert_eq!(status_of(&after, "data-1"), (Status::Open, None));

    // The real binary agrees that the edited configuration is valid.
    let checked = output(workspace.followup().arg("check"));
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(stdout(&checked).contains("1 done"), "{}", stdout(&checked));

    // Ids in two files at once, one of them already done: each file written once.
    let edited = edit::apply(
        &after,
        &[
            "data-1".to_string(),
            "a-1".to_string(),
            "data-1".to_string(),
        ],
        &done("2025-11-03", None),
    )
    .expect("both are configured");
    assert_eq!(
        edited,
        [
            Edited {
                id: "data-1".into(),
                file: workspace.path().join("commitments/data.toml"),
                changed: true
            },
            Edited {
                id: "a-1".into(),
                file: ai,
                changed: false
            },
        ]
    );
    assert_eq!(
        workspace.read("commitments/data.toml"),
        SECOND.replace(
            "text = \"建设数据交易平台\"\n",
            "text = \"建设数据交易平台\"\nstatus = \"done\"\ndone_on = 2025-11-03\n"
        )
    );

    let reopened = edit::apply(&load(&workspace), &["a-1".to_string()], &Change::Reopen)
        .expect("a-1 is configured");
    assert!(reopened[0].changed);
    assert_eq!(
        workspace.read("commitments/ai.toml"),
        ORIGINAL.replace(
            "due = 2025-12-31\n",
            "due = 2025-12-31\nnote = \"攻关项目已立项\"\n"
        )
    );
    assert_eq!(status_of(&load(&workspace), "a-1"), (Status::Open, None));
}

#[test]
fn apply_rejects_an_unknown_id_with_a_suggestion_and_writes_nothing() {
    let workspace = workspace();
    let config = load(&workspace);
    let error = edit::apply(
        &config,
        &["a-1".to_string(), "dat-1".to_string()],
        &done("2025-11-03", None),
    )
    .expect_err("dat-1 is not configured");
    assert_eq!(
        error.to_string(),
        "unknown commitment `dat-1` (did you mean `data-1`?)"
    );
    assert_eq!(workspace.read("commitments/ai.toml"), ORIGINAL);
    assert_eq!(workspace.read("commitments/data.toml"), SECOND);

    let error = edit::apply(&config, &["zzzzzz".to_string()], &Change::Reopen)
        .expect_err("zzzzzz is not configured");
    assert_eq!(error.to_string(), "unknown commitment `zzzzzz`");
}

#[test]
fn apply_writes_nothing_when_a_file_no_longer_holds_its_commitment() {
    let workspace = workspace();
    let config = load(&workspace);
    // Someone removes a-2 after the configuration was loaded.
    let without = ORIGINAL.replace("id = \"a-2\"", "id = \"a-9\"");
    workspace.write("commitments/ai.toml", &without);
    let error = edit::apply(
        &config,
        &["data-1".to_string(), "a-2".to_string()],
        &done("2025-11-03", None),
    )
    .expect_err("a-2 is gone from its file");
    let message = format!("{error:#}");
    assert!(
        message.contains("ai.toml`: no commitment `a-2` in this file"),
        "{message}"
    );
    assert_eq!(workspace.read("commitments/ai.toml"), without);
    assert_eq!(workspace.read("commitments/data.toml"), SECOND);
}

#[cfg(unix)]
#[test]
fn apply_keeps_the_file_permissions() {
    use std::os::unix::fs::PermissionsExt;

    let workspace = workspace();
    let path = workspace.path().join("commitments/data.toml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))
        .expect("permissions can be set");
    edit::apply(
        &load(&workspace),
        &["data-1".to_string()],
        &done("2025-11-03", None),
    )
    .expect("data-1 is configured");
    let mode = std::fs::metadata(&path)
        .expect("the file exists")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    assert!(
        workspace
            .read("commitments/data.toml")
            .contains("status = \"done\"")
    );
}

/// Twenty `followup done` processes started together on one file, each with its own id:
/// every one of them must find its change in the file afterwards. Before the lock, two
/// writers read the same old text and the later rename dropped the other's change (10 of 20
/// trials lost one), while both printed success.
#[test]
fn twenty_concurrent_done_processes_on_one_file_keep_every_update() {
    const WRITERS: usize = 20;
    let workspace = Workspace::new();
    workspace.write("followup.toml", MAIN);
    let mut text = String::from("[letter]\nid = \"many\"\ntitle = \"二十项\"\n");
    for index in 0..WRITERS {
        text.push_str(&format!(
            "\n[[commitment]]\nid = \"m-{index}\"\nowner = \"科技厅\"\ntext = \"第{index}项\"\n"
        ));
    }
    workspace.write("commitments/many.toml", &text);
    let children: Vec<_> = (0..WRITERS)
        .map(|index| {
            workspace
                .followup()
                .args(["done", &format!("m-{index}"), "--on", "2025-11-03"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("followup starts")
        })
        .collect();
    for child in children {
        let finished = child.wait_with_output().expect("followup finishes");
        assert!(finished.status.success(), "{}", stderr(&finished));
    }
    let config = load(&workspace);
    let not_done: Vec<&str> = config
        .commitments
        .iter()
        .filter(|commitment| commitment.status != Status::Done)
        .map(|commitment| commitment.id())
        .collect();
    assert!(not_done.is_empty(), "updates lost for {not_done:?}");
    let leftovers: Vec<String> = std::fs::read_dir(workspace.path().join("commitments"))
        .expect("the folder lists")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name != "many.toml")
        .collect();
    assert!(leftovers.is_empty(), "files left behind: {leftovers:?}");
}

/// A `done` killed between writing its temporary file and renaming it leaves
/// `.NAME.tmp-PID`; the next write removes those of processes that are gone and keeps the
/// ones of a process that still runs.
#[test]
fn the_next_write_removes_temporary_files_of_dead_writers() {
    let workspace = workspace();
    // A process that has exited: its PID is free (and not reused within this test).
    let mut exited = std::process::Command::new("true")
        .spawn()
        .expect("`true` runs");
    let dead_pid = exited.id();
    exited.wait().expect("`true` exits");
    let stale = [
        format!("commitments/.ai.toml.tmp-{dead_pid}"),
        format!("commitments/.ai.toml.tmp-{dead_pid}-3"),
    ];
    for name in &stale {
        workspace.write(name, "half a file");
    }
    let alive = format!("commitments/.ai.toml.tmp-{}", std::process::id());
    workspace.write(&alive, "someone else's write in progress");
    let output = output(
        workspace
            .followup()
            .args(["done", "a-1", "--on", "2025-11-03"]),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    for name in &stale {
        assert!(
            !workspace.path().join(name).exists(),
            "{name} should be removed"
        );
    }
    assert!(
        workspace.path().join(&alive).exists(),
        "a live writer's file stays"
    );
}
