//! The 督办台账 (ledger of commitments) as an Excel workbook or a CSV file: one row per
//! commitment with its light, reminders and last report, and a second sheet of sums per
//! department. Pure: takes the configuration, what the delivery log says and `at`; returns
//! bytes (the CLI writes them, the web face serves them, the bulletin attaches them). Never
//! reads the clock or a file.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::engine::LogView;
use crate::ledger::{Ledger, ReminderStats};
use crate::model::{Config, Language};
use crate::views::{self, ListFilter, State, StatusFilter};

pub use crate::views::Light;

/// The fill used in the workbook for each light (Excel's own "good / neutral / bad" pastel
/// tones).
fn fill(light: Light) -> u32 {
    match light {
        Light::Red => 0xFFC7CE,
        Light::Yellow => 0xFFEB9C,
        Light::Blue => 0xBDD7EE,
        Light::Green => 0xC6EFCE,
        Light::Grey => 0xD9D9D9,
    }
}

/// The latest answer a department sent about a commitment (`replies::store::latest_feedback`),
/// keyed by commitment id in `Inputs::reports`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastReport {
    pub at: DateTime<Utc>,
    /// `done`, `progress`, `extension`.
    pub intent: String,
    /// `pending`, `accepted`, `rejected`, …; `pending` with intent `done` makes the light blue.
    pub state: String,
}

/// What the 台账 needs besides the configuration.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    /// The delivery log as the engine sees it (for the shared view rows).
    pub log: LogView,
    /// Accepted reminders per commitment id (`Ledger::reminder_stats`).
    pub reminders: HashMap<String, ReminderStats>,
    /// The latest report per commitment id.
    pub reports: HashMap<String, LastReport>,
}

/// What the delivery log holds for the 台账: the log view, accepted reminders per
/// commitment and the latest report per commitment.
pub fn read_inputs(ledger: &mut Ledger) -> Result<Inputs> {
    let log = ledger.log_view()?;
    let reminders = ledger.reminder_stats()?;
    // A log written before replies existed (schema 1, read without migrating) has no
    // reports table: no reports then.
    let has_reports: bool = ledger
        .connection()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reports')",
            [],
            |row| row.get(0),
        )
        .context("reading the delivery log")?;
    let feedback = if has_reports {
        crate::replies::store::latest_feedback(ledger.connection())?
    } else {
        Vec::new()
    };
    let reports = feedback
        .into_iter()
        .map(|(commitment, report, _)| {
            (
                commitment,
                LastReport {
                    at: report.received,
                    intent: report.intent.as_str().to_string(),
                    state: report.state.as_str().to_string(),
                },
            )
        })
        .collect();
    Ok(Inputs {
        log,
        reminders,
        reports,
    })
}

/// One row of the 台账.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub id: String,
    pub letter: String,
    pub letter_title: String,
    pub proposer: String,
    /// The letter's number (提案号), if given.
    pub number: String,
    pub owner: String,
    pub co_owners: Vec<String>,
    pub text: String,
    pub due: Option<String>,
    /// `open`, `done`, or `reported` (a done claim awaiting review).
    pub status: &'static str,
    pub light: Light,
    /// Days past the due date; 0 when not overdue.
    pub days_overdue: i64,
    pub reminders_sent: u32,
    /// The latest accepted reminder's moment, in the configured zone.
    pub last_reminder: Option<String>,
    /// The latest report: time, intent and state.
    pub last_report: Option<String>,
}

/// Per department (the lead owner): what it owes and what it has done.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentSums {
    pub department: String,
    pub open: usize,
    pub overdue: usize,
    pub done: usize,
    pub reported: usize,
}

/// Every commitment as a row, in configuration order: the shared view rows
/// (`views::rows`, so the light and state are the board's and `list`'s), with what the
/// 台账 adds (proposer, number, text, reminders, last report). Fails only when the
/// daemon's spill file cannot be read (`model::Commitment::texts`).
pub fn rows(config: &Config, inputs: &Inputs, at: DateTime<Utc>) -> anyhow::Result<Vec<Row>> {
    let every = ListFilter {
        status: StatusFilter::All,
        owner: None,
        overdue: false,
    };
    views::rows(config, &inputs.log, &every, at)?
        .into_iter()
        .map(|view| {
            let commitment = &config.commitments[view.index];
            let letter = config.letter_of(commitment).texts()?;
            let report = inputs.reports.get(view.id);
            // The log's waiting done claims make a row `reported` (blue), as in `list`.
            let (state, light) = (view.state, view.light);
            let reminders = inputs.reminders.get(view.id);
            Ok(Row {
                id: view.id.to_string(),
                letter: view.letter.to_string(),
                letter_title: view.title.to_string(),
                proposer: letter.proposer().unwrap_or_default().to_owned(),
                number: letter.number().unwrap_or_default().to_owned(),
                owner: view.owner.to_string(),
                co_owners: view.co_owners.iter().map(|name| name.to_string()).collect(),
                text: commitment.texts()?.text().to_owned(),
                due: view.due.clone(),
                status: state.as_str(),
                light,
                days_overdue: if view.overdue {
                    view.days_left.map_or(0, |days| -days)
                } else {
                    0
                },
                reminders_sent: reminders.map_or(0, |stats| stats.sent),
                last_reminder: reminders.map(|stats| minute(config, stats.last)),
                last_report: report.map(|report| {
                    format!(
                        "{} {} ({})",
                        minute(config, report.at),
                        report.intent,
                        report.state
                    )
                }),
            })
        })
        .collect()
}

/// Sums per lead department, in the order departments are configured; departments that owe
/// nothing are listed too (with zeros), so the sheet names every unit.
pub fn department_sums(config: &Config, rows: &[Row]) -> Vec<DepartmentSums> {
    let mut sums: BTreeMap<usize, DepartmentSums> = config
        .departments
        .iter()
        .enumerate()
        .map(|(index, department)| {
            (
                index,
                DepartmentSums {
                    department: department.key.clone(),
                    ..DepartmentSums::default()
                },
            )
        })
        .collect();
    for (commitment, row) in config.commitments.iter().zip(rows) {
        let Some(sum) = sums.get_mut(&commitment.owner) else {
            continue;
        };
        match row.status {
            "done" => sum.done += 1,
            "reported" => {
                sum.open += 1;
                sum.reported += 1;
            }
            _ => sum.open += 1,
        }
        if row.days_overdue > 0 || row.light == Light::Red {
            sum.overdue += 1;
        }
    }
    sums.into_values().collect()
}

/// The column headers, in the configured language.
fn headers(language: Language) -> [&'static str; 13] {
    match language {
        Language::Zh => [
            "编号",
            "来文",
            "提出者",
            "提案号",
            "主办单位",
            "协办单位",
            "承诺事项",
            "办理时限",
            "状态",
            "逾期天数",
            "已提醒次数",
            "最近提醒",
            "最近报告",
        ],
        Language::En => [
            "ID",
            "Letter",
            "Proposer",
            "Number",
            "Owner",
            "Co-owners",
            "Commitment",
            "Due",
            "Status",
            "Days overdue",
            "Reminders sent",
            "Last reminder",
            "Last report",
        ],
    }
}

fn sum_headers(language: Language) -> [&'static str; 5] {
    match language {
        Language::Zh => ["单位", "未办结", "已逾期", "已办结", "办结待审"],
        Language::En => ["Department", "Open", "Overdue", "Done", "Reported"],
    }
}

fn sheet_names(language: Language) -> (&'static str, &'static str) {
    match language {
        Language::Zh => ("督办台账", "按单位汇总"),
        Language::En => ("Commitments", "By department"),
    }
}

fn status_text(language: Language, status: &str) -> &'static str {
    match (language, status) {
        (Language::Zh, "done") => State::Done.zh(),
        (Language::Zh, "reported") => State::Reported.zh(),
        (Language::Zh, _) => State::Open.zh(),
        (Language::En, "done") => "done",
        (Language::En, "reported") => "reported",
        (Language::En, _) => "open",
    }
}

/// The cells of one row as text, in header order (the CSV's fields; the workbook writes the
/// counts as numbers).
fn cells(language: Language, row: &Row) -> [String; 13] {
    let separator = match language {
        Language::Zh => "、",
        Language::En => ", ",
    };
    [
        row.id.clone(),
        row.letter_title.clone(),
        row.proposer.clone(),
        row.number.clone(),
        row.owner.clone(),
        row.co_owners.join(separator),
        row.text.clone(),
        row.due.clone().unwrap_or_default(),
        status_text(language, row.status).to_string(),
        row.days_overdue.to_string(),
        row.reminders_sent.to_string(),
        row.last_reminder.clone().unwrap_or_default(),
        row.last_report.clone().unwrap_or_default(),
    ]
}

/// The 台账 as an .xlsx workbook, in memory: the CLI writes it, the web face's download
/// button serves it, the bulletin attaches it.
pub fn xlsx(config: &Config, inputs: &Inputs, at: DateTime<Utc>) -> Result<Vec<u8>> {
    let rows = rows(config, inputs, at)?;
    let sums = department_sums(config, &rows);
    let language = config.language;
    let (main_name, sums_name) = sheet_names(language);
    let mut workbook = Workbook::new();

    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x1F4E78))
        .set_font_color(Color::White)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let fills: HashMap<Light, (Format, Format)> = Light::ALL
        .iter()
        .map(|light| {
            let base = Format::new()
                .set_background_color(Color::RGB(fill(*light)))
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Top);
            (*light, (base.clone().set_text_wrap(), base))
        })
        .collect();

    let sheet = workbook.add_worksheet();
    sheet.set_name(main_name).context("naming the sheet")?;
    let titles = headers(language);
    write_header(sheet, &titles, &header)?;
    let mut widths: Vec<usize> = titles.iter().map(|title| title.width()).collect();
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1).context("too many rows for a worksheet")?;
        let (wrapped, plain) = &fills[&row.light];
        for (column, cell) in cells(language, row).iter().enumerate() {
            let column_number = u16::try_from(column).expect("13 columns");
            // Counts are numbers, so Excel sorts and sums them.
            if matches!(column, 9 | 10) {
                let number: f64 = cell.parse().unwrap_or(0.0);
                sheet
                    .write_number_with_format(line, column_number, number, plain)
                    .context("writing the 台账")?;
            } else {
                let format = if column == 6 || column == 1 {
                    wrapped
                } else {
                    plain
                };
                sheet
                    .write_string_with_format(line, column_number, cell, format)
                    .context("writing the 台账")?;
            }
            widths[column] = widths[column].max(cell.width());
        }
    }
    for (column, width) in widths.iter().enumerate() {
        // Excel's width unit is one Latin digit; a CJK character is two. Long text columns
        // (the letter, the commitment) wrap at a readable width instead of growing.
        let limit = if column == 6 {
            60
        } else if column == 1 {
            36
        } else {
            30
        };
        let width = (*width).clamp(6, limit) + 2;
        sheet
            .set_column_width(u16::try_from(column).expect("13 columns"), width as f64)
            .context("setting column widths")?;
    }
    sheet
        .set_freeze_panes(1, 0)
        .context("freezing the header")?;
    let last_row = u32::try_from(rows.len()).context("too many rows for a worksheet")?;
    sheet
        .autofilter(
            0,
            0,
            last_row,
            u16::try_from(titles.len() - 1).expect("13 columns"),
        )
        .context("setting the autofilter")?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(sums_name).context("naming the sheet")?;
    let titles = sum_headers(language);
    write_header(sheet, &titles, &header)?;
    let plain = Format::new().set_border(FormatBorder::Thin);
    let mut department_width = titles[0].width();
    for (index, sum) in sums.iter().enumerate() {
        let line = u32::try_from(index + 1).context("too many departments")?;
        sheet
            .write_string_with_format(line, 0, &sum.department, &plain)
            .context("writing the sums")?;
        department_width = department_width.max(sum.department.width());
        for (column, value) in [sum.open, sum.overdue, sum.done, sum.reported]
            .into_iter()
            .enumerate()
        {
            let format = match column {
                1 if value > 0 => &fills[&Light::Red].1,
                _ => &plain,
            };
            sheet
                .write_number_with_format(line, column as u16 + 1, value as f64, format)
                .context("writing the sums")?;
        }
    }
    sheet
        .set_column_width(0, (department_width.clamp(6, 40) + 2) as f64)
        .context("setting column widths")?;
    for (column, title) in titles.iter().enumerate().skip(1) {
        sheet
            .set_column_width(column as u16, (title.width().max(6) + 2) as f64)
            .context("setting column widths")?;
    }
    sheet
        .set_freeze_panes(1, 0)
        .context("freezing the header")?;

    workbook
        .save_to_buffer()
        .context("building the .xlsx workbook")
}

fn write_header(sheet: &mut Worksheet, titles: &[&str], format: &Format) -> Result<()> {
    for (column, title) in titles.iter().enumerate() {
        sheet
            .write_string_with_format(0, column as u16, *title, format)
            .context("writing the header")?;
    }
    Ok(())
}

/// The 台账 as CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF line
/// ends, fields quoted per RFC 4180 when they hold a comma, a quote or a line break.
pub fn csv(config: &Config, inputs: &Inputs, at: DateTime<Utc>) -> Result<String> {
    let rows = rows(config, inputs, at)?;
    let language = config.language;
    let mut out = String::from("\u{feff}");
    write_csv_line(&mut out, headers(language).iter().copied());
    for row in &rows {
        let cells = cells(language, row);
        write_csv_line(&mut out, cells.iter().map(String::as_str));
    }
    Ok(out)
}

fn write_csv_line<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (index, field) in fields.enumerate() {
        if index > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

/// A time to the minute in the configured zone (`2025-06-02 09:00`).
fn minute(config: &Config, at: DateTime<Utc>) -> String {
    at.with_timezone(&config.timezone)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The file name for a 台账 exported on `at`: `督办台账-2026-12-04.xlsx` (zh) or
/// `commitments-2026-12-04.xlsx` (en).
pub fn file_name(config: &Config, at: DateTime<Utc>, extension: &str) -> String {
    let date = at.with_timezone(&config.timezone).date_naive();
    match config.language {
        Language::Zh => format!("督办台账-{date}.{extension}"),
        Language::En => format!("commitments-{date}.{extension}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_per_rfc_4180() {
        let mut out = String::new();
        write_csv_line(
            &mut out,
            ["a", "b,c", "say \"hi\"", "two\nlines", "中文"].into_iter(),
        );
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\",中文\r\n");
    }
}
