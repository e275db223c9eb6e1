//! The board's words in Chinese (the default) and English, and how a request picks one:
//! `?lang=en|zh`, else the first of `zh`/`en` in Accept-Language, else Chinese.

use std::collections::BTreeMap;

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// The language of a request.
pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
    match query {
        Some("en") => return Lang::En,
        Some("zh") => return Lang::Zh,
        _ => {}
    }
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mut tags: Vec<(f32, &str)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let quality = pieces
                .find_map(|piece| piece.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((quality, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, tag) in tags {
        let primary = tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => return Lang::Zh,
            "en" => return Lang::En,
            _ => {}
        }
    }
    Lang::Zh
}

/// (key, 中文, English)
const WORDS: &[(&str, &str, &str)] = &[
    ("title", "督办台账", "Commitments board"),
    ("board", "看板", "Board"),
    ("department", "承办单位", "Department"),
    ("departments", "各单位", "Departments"),
    ("letter", "来文", "Letter"),
    ("who", "代表/委员或届次", "Proposer or session"),
    ("status", "状态", "Status"),
    ("light", "灯号", "Light"),
    ("due", "办结时限", "Due"),
    ("due_from", "时限自", "Due from"),
    ("due_to", "时限至", "Due to"),
    ("search", "搜索", "Search"),
    ("filter", "筛选", "Filter"),
    ("all", "全部", "All"),
    ("open", "办理中", "Open"),
    ("reported", "已报办结待审", "Reported done"),
    ("done", "已办结", "Done"),
    ("red", "逾期", "Overdue"),
    ("yellow", "临近截止", "Due soon"),
    ("blue", "待审核", "Awaiting review"),
    ("green", "正常", "On track"),
    ("grey", "已办结", "Done"),
    ("overdue", "逾期", "Overdue"),
    ("id", "编号", "ID"),
    ("promise", "承诺事项", "Promise"),
    ("owner", "牵头单位", "Owner"),
    ("co_owners", "协办单位", "Co-owners"),
    ("next_reminder", "下次提醒", "Next reminder"),
    ("days_left", "剩余天数", "Days left"),
    ("days_overdue", "逾期天数", "Days overdue"),
    ("page", "页", "Page"),
    ("previous", "上一页", "Previous"),
    ("next", "下一页", "Next"),
    ("of", "共", "of"),
    ("commitments", "项承诺", "commitments"),
    ("chart", "各单位办理情况", "By department"),
    ("timeline", "办理记录", "Timeline"),
    ("reminder", "提醒", "Reminder"),
    ("report", "办理报告", "Report"),
    ("recipients", "收件人", "Recipients"),
    ("message_id", "邮件编号", "Message-ID"),
    ("time", "时间", "Time"),
    ("event", "事件", "Event"),
    ("by", "操作人", "By"),
    ("note", "备注", "Note"),
    ("mark_done", "确认办结", "Confirm done"),
    ("reopen", "重新打开", "Reopen"),
    ("login", "登录", "Log in"),
    ("logout", "退出", "Log out"),
    ("user", "用户名", "User"),
    ("password", "密码", "Password"),
    (
        "login_failed",
        "用户名或密码不正确。",
        "Wrong user name or password.",
    ),
    (
        "login_to_act",
        "登录后可确认办结或重新打开。",
        "Log in to confirm done or reopen.",
    ),
    (
        "read_only",
        "看板为只读：未配置用户文件。",
        "The board is read-only: no users file is configured.",
    ),
    ("owes", "承办事项", "What it owes"),
    ("history", "历史记录", "History"),
    ("proposer", "提出人", "Proposer"),
    ("session", "届次", "Session"),
    ("topic", "主题", "Topic"),
    ("done_on", "办结日期", "Done on"),
    ("nothing", "没有符合条件的承诺。", "No commitment matches."),
    (
        "refused",
        "请求被拒绝：表单已过期或不是从本站提交的，未作任何修改。",
        "Refused: the form expired or did not come from this board; nothing was changed.",
    ),
    ("not_found", "未找到。", "Not found."),
    ("sent", "已发送", "sent"),
    ("pending", "待发送", "pending"),
    ("failed", "发送失败", "failed"),
    ("dropped", "已取消", "dropped"),
    ("action_done", "确认办结", "marked done"),
    ("action_reopen", "重新打开", "reopened"),
    ("download", "下载台账 (.xlsx)", "Download ledger (.xlsx)"),
    ("calendar", "日历订阅", "Calendar feed"),
    ("language", "English", "中文"),
];

/// The words of `lang`, for the templates (`t.key`).
pub fn words(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    WORDS
        .iter()
        .map(|(key, zh, en)| (*key, if lang == Lang::Zh { *zh } else { *en }))
        .collect()
}
