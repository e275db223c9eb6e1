//! The importer on real files: every format of the same letter drafts the same commitments,
//! a scanned PDF and damaged containers are refused clearly (never a panic), and the scorer's
//! totals over the annotated corpus in tests/letters/ stay at or above their recorded level.

use crate::support::fixtures;
use followup::import::score::{Tally, annotated_letters, score_letter, table};
use followup::import::{self, Format, ImportError, Options};
use proptest::prelude::*;

fn options() -> Options<'static> {
    Options {
        prefix: "t",
        resolve: None,
    }
}

type Row = (String, Vec<String>, Option<(i32, u32, u32)>, String);

fn commitments(bytes: &[u8]) -> Result<Vec<Row>, ImportError> {
    let text = import::decode(bytes)?;
    let draft = import::import(&text, &options())?;
    Ok(draft
        .commitments
        .into_iter()
        .map(|c| (c.owner, c.co_owners, c.due, c.text))
        .collect())
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_format_of_a_letter_drafts_the_same_commitments() {
    let cases = [
        (
            "000_0793bff3c028bd39",
            &["docx", "ofd", "gbk.txt", "utf16.txt", "html"][..],
        ),
        (
            "01-hubei-wjw-xianning-health",
            &["docx", "pdf", "ofd", "gbk.txt", "utf16.txt", "html"],
        ),
        (
            "03-neimenggu-wjw-mongolian-medicine",
            &["docx", "pdf", "ofd", "gbk.txt", "utf16.txt", "html"],
        ),
    ];
    for (name, formats) in cases {
        let want = commitments(&read(&format!("letters/{name}.txt"))).expect("text imports");
        assert!(!want.is_empty(), "{name}");
        for ext in formats {
            let path = format!("letters/formats/{name}.{ext}");
            let bytes = read(&path);
            let (format, _) = import::decode_as(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
            let expected_format = match *ext {
                "docx" => Format::Docx,
                "pdf" => Format::Pdf,
                "ofd" => Format::Ofd,
                "gbk.txt" => Format::Gb18030,
                "utf16.txt" => Format::Utf16,
                _ => Format::Html,
            };
            assert_eq!(format, expected_format, "{path}");
            let got = commitments(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(got, want, "{path}");
        }
    }
}

#[test]
fn the_format_is_read_from_the_content_not_the_name() {
    // A .docx saved under a .txt name is still a .docx.
    let bytes = read("letters/formats/01-hubei-wjw-xianning-health.docx");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("letter.txt");
    std::fs::write(&path, &bytes).expect("writable");
    let again = std::fs::read(&path).expect("readable");
    assert_eq!(import::decode_as(&again).map(|(f, _)| f), Ok(Format::Docx));
}

#[test]
fn a_scanned_pdf_is_refused_with_a_reason() {
    let err = import::decode(&read("letters/formats/scanned.pdf")).unwrap_err();
    assert_eq!(err, ImportError::ScannedPdf);
    assert!(err.to_string().contains("no text layer"), "{err}");
}

#[test]
fn truncated_containers_are_refused_clearly() {
    for path in [
        "letters/formats/01-hubei-wjw-xianning-health.docx",
        "letters/formats/01-hubei-wjw-xianning-health.ofd",
        "letters/formats/01-hubei-wjw-xianning-health.pdf",
    ] {
        let bytes = read(path);
        for cut in [10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 30] {
            if let Err(e) = import::decode(&bytes[..cut]) {
                let message = e.to_string();
                assert!(
                    message.contains("damaged")
                        || message.contains("no text")
                        || message.contains("binary"),
                    "{path} cut at {cut}: {message}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Mutated documents never panic: they decode to some text or give an error.
    #[test]
    fn mutated_documents_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
    ) {
        let path = ["letters/formats/01-hubei-wjw-xianning-health.docx",
            "letters/formats/03-neimenggu-wjw-mongolian-medicine.pdf",
            "letters/formats/01-hubei-wjw-xianning-health.ofd"][which];
        let mut bytes = read(path);
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let keep = bytes.len() / 2 + cut.index(bytes.len() / 2);
        bytes.truncate(keep);
        if let Ok(text) = import::decode(&bytes) {
            let _ = import::import(&text, &options());
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), prefix in 0usize..4) {
        let magic: &[u8] = [&b"PK\x03\x04"[..], b"%PDF-1.4\n", b"<html><body>", b""][prefix];
        let mut input = magic.to_vec();
        input.extend_from_slice(&bytes);
        if let Ok(text) = import::decode(&input) {
            let _ = import::import(&text, &options());
        }
    }
}

/// The recorded level over tests/letters/*.txt: raise these when the importer improves;
/// never lower them.
const RECORDED_FOUND: usize = 78;
const RECORDED_SPURIOUS_AT_MOST: usize = 2;

/// The recorded level over tests/letters/heldout/*.txt (first scored once, unseen, at 16
/// found of 34, 4 spurious of 31; since then used for development, so no longer an estimate
/// for unseen letters).
const RECORDED_HELDOUT_FOUND: usize = 32;
const RECORDED_HELDOUT_SPURIOUS_AT_MOST: usize = 1;

/// The recorded level over tests/letters/heldout2/*.txt: 34 letters annotated apart from the
/// importer and scored once, unseen, on 2026-11-30 at 23:08 UTC (12 of 42 found with the right
/// owner, 14 of 42 drafted spurious). Since 23:13 UTC it is a development set too (follow-up
/// 10s tuned rules on it): the level below is the development figure, 29 found, 2 spurious
/// (17 and 7 before follow-up 10t, 2026-12-01).
const RECORDED_HELDOUT2_FOUND: usize = 29;
const RECORDED_HELDOUT2_SPURIOUS_AT_MOST: usize = 2;

/// The recorded level over tests/letters/heldout3/*.txt: 39 letters annotated apart from the
/// importer and scored once, unseen, on 2026-11-30 at 23:30 UTC (21 of 57 found with the right
/// owner, 12 of 51 drafted spurious). Since 2026-12-01 00:30 UTC it is a development set too
/// (follow-up 10t tuned general rules on it): the level below is the development figure, 47
/// found, 5 spurious of 59 drafted (4 of 58 after follow-up 10t2); an estimate for unseen
/// letters needs a newer set.
const RECORDED_HELDOUT3_FOUND: usize = 47;
const RECORDED_HELDOUT3_SPURIOUS_AT_MOST: usize = 4;

/// The recorded level over tests/letters/heldout5/*.txt: 40 letters annotated apart from the
/// importer and scored once, unseen, with two importers: main's at 3068268 (25 of 61 found
/// with the right owner, 23 of 62 drafted spurious) and follow-up 10t's at 876c3cf (33 of 61,
/// 27 of 72 spurious). Since 2026-12-01 01:22 UTC it is a development set too (follow-up 10t2
/// tuned general rules on it): the level below is the development figure, 50 found, 4
/// spurious of 60 drafted (after follow-ups 10t4a and 10t4b); an estimate for unseen letters
/// needs a newer set.
const RECORDED_HELDOUT5_FOUND: usize = 50;
const RECORDED_HELDOUT5_SPURIOUS_AT_MOST: usize = 4;

/// The recorded level over tests/letters/heldout4/*.txt: 39 letters annotated apart from the
/// importer, kept unseen while follow-ups 10t and 10t2 tuned rules on the other sets, and
/// scored once on 2026-12-01 at 01:52 UTC with the importer at 6ef3d96: 26 of 56 found with
/// the right owner, 15 of 61 drafted spurious: the estimate for unseen letters before
/// follow-up 10t3's tuning. Since 2026-12-01 01:55 UTC it is a development set (10t3 tuned
/// general rules on it): the level below is the development figure, 44 found, 4 spurious of
/// 56 drafted (after follow-ups 10t4a and 10t4b).
const RECORDED_HELDOUT4_FOUND: usize = 44;
const RECORDED_HELDOUT4_SPURIOUS_AT_MOST: usize = 4;

/// The recorded level over tests/letters/heldout6/*.txt: 34 letters annotated apart from the
/// importer and kept unseen while follow-up 10t3 tuned rules on heldout4, scored once on
/// 2026-12-01 at 02:10 UTC: 24 of 42 found with the right owner, 12 of 44 drafted spurious.
/// That is the estimate for letters nobody has seen; tuning on this set would make it a
/// development set like the others. Since 2026-12-01 03:35 UTC it is one (follow-ups 10t4a/b
/// tune general rules on it): the level below is a development figure (both merged: 35
/// found, 3 spurious of 44 drafted); the owner fixes of 2026-12-02 (department reductions
/// 农委/教委/经信委) raised it to 36.
const RECORDED_HELDOUT6_FOUND: usize = 36;
const RECORDED_HELDOUT6_SPURIOUS_AT_MOST: usize = 3;

/// The recorded levels over tests/letters/heldout7/*.txt (40 letters, 53 rows) and
/// heldout8/*.txt (42 letters, 60 rows): annotated apart from the importer during follow-ups
/// 10t4a/b, kept off main, and scored unseen twice on 2026-12-01: with main's importer at
/// the start of that round (ff4c251: heldout7 29 found, 15 spurious of 53 drafted; heldout8
/// 39 found, 20 of 63) and with both follow-ups merged (4ecfaac+10t4a: heldout7 29 found, 15
/// of 53; heldout8 40 found, 21 of 64) — the estimate for letters nobody has seen, and the
/// evidence that a round of rules tuned on the other sets barely moved it. Development sets
/// since 04:50 UTC; follow-up 10t5 (recall) raised heldout8 to 45 found, 20 of 68 spurious;
/// follow-up 10u (2026-12-02, general rules tuned on heldout7–11) heldout7 to 32 found, 10 of
/// 51 spurious, and heldout8 to 48 found, 17 of 67; the layout fixes of 2026-12-02 (a unit
/// signing with two nameplates, a date line that lost its 年月日) heldout7 to 35; follow-up
/// 10v (a clause opening with 后续/接下来 turns to the future as 下一步 does) heldout7 to
/// 36, (在下一步的工作中，opens the next steps) heldout8 to 49.
const RECORDED_HELDOUT7_FOUND: usize = 36;
const RECORDED_HELDOUT7_SPURIOUS_AT_MOST: usize = 10;
const RECORDED_HELDOUT8_FOUND: usize = 49;
const RECORDED_HELDOUT8_SPURIOUS_AT_MOST: usize = 17;

/// The recorded level over tests/letters/heldout9/*.txt (40 letters, 52 rows): annotated
/// apart from the importer on 2026-12-01 while heldout7 and heldout8 were being scored, kept
/// off main, and scored once, unseen, with the importer of 37d5c03: 23 of 52 found with the
/// right owner, 4 of 39 drafted spurious (17 missed, 12 owner errors). A development set
/// since; follow-up 10t5 (recall) raised it to 28 found, 4 of 44 spurious, follow-up 10u to
/// 36 found, 3 of 44, the merged bureaus' reductions of 2026-12-02 (科工信局, 农科局) to 37, a
/// flattened page's signature and date split off its last line to 38; follow-up 10v (a plan
/// 计划 + act opening its clause stands) to 39.
const RECORDED_HELDOUT9_FOUND: usize = 39;
const RECORDED_HELDOUT9_SPURIOUS_AT_MOST: usize = 3;

/// The recorded level over tests/letters/heldout10/*.txt (40 letters, 57 rows): annotated
/// apart from the importer while follow-up 10t5 tuned recall rules on heldout7–9, kept off
/// main, and scored unseen twice on 2026-12-01: before 10t5 (0315d1a: 40 of 57 found with
/// the right owner, 18 of 66 drafted spurious) and after (40 of 57, 19 of 67). A development
/// set since; the owner rules of the next session (a 会 glued to a name, a signer's line,
/// two department reductions) raised it to 43 found, follow-up 10u to 45 found, 17 of 65
/// spurious, the owner fixes of 2026-12-02 (a place ending in 城 before 县, partners read from
/// inside 联合) to 46; follow-up 10v (将 = 把 inside an order does not split it, a split
/// measure's 原文 keeps its number) to 47, 15 of 64 spurious.
const RECORDED_HELDOUT10_FOUND: usize = 47;
const RECORDED_HELDOUT10_SPURIOUS_AT_MOST: usize = 15;

/// The recorded level over tests/letters/heldout11/*.txt (40 letters, 53 rows): annotated
/// apart from the importer while the owner rules of the next session were written from
/// heldout10, kept off main, and scored once, unseen, on 2026-12-01 with the importer of
/// ff177d0: 36 of 53 found with the right owner, 9 of 54 drafted spurious (the importer
/// before those rules scored the same). A development set since; follow-up 10u raised it to
/// 41 found, 7 of 53 spurious; the level 地区 (a prefecture that is no city, 2026-12-02) and
/// follow-up 10v (a plan 计划 + act opening its clause stands) to 43.
const RECORDED_HELDOUT11_FOUND: usize = 43;
const RECORDED_HELDOUT11_SPURIOUS_AT_MOST: usize = 7;

/// The recorded level over tests/letters/heldout12/*.txt (40 letters, 61 rows): annotated on
/// 2026-12-02 apart from the importer while follow-up 10u tuned rules on heldout7–11, kept off
/// main, and scored once, unseen, with two importers: main before 10u (0b9d2a5: 37 of 61
/// found with the right owner, 12 of 60 drafted spurious) and with 10u merged (38 of 61, 13
/// of 61). A development set since 2026-12-02 11:00 UTC: owner fixes read from its misses (a
/// place ending in 城 before 县, a partner after 联合 read from inside the word, the 管理 work
/// a letter thanks for, 向 before a level inside a name) raised it to 41 found, the merged
/// bureaus' reductions (科工信局, 农科局) to 42; follow-up 10v (a plan 计划 + act opening its
/// clause stands; a clause awaiting an event, 待…后, sets its own time to come; a quoted
/// proposal is one topic, a split measure's 原文 keeps its head) to 45 found, 11 of 63
/// spurious.
const RECORDED_HELDOUT12_FOUND: usize = 45;
const RECORDED_HELDOUT12_SPURIOUS_AT_MOST: usize = 11;

/// The recorded level over tests/letters/heldout13/*.txt (28 letters, 38 rows): annotated on
/// 2026-12-02 apart from the importer (the search corpus gave few pages not used before),
/// kept off main, and scored once, unseen, with two importers: 547ec64 and 4322c8e (the owner
/// fixes read from heldout12) both found 22 of 38 with the right owner, 7 of 32 drafted
/// spurious. A development set since 11:10 UTC on 2026-12-02: owner and layout fixes read
/// from its misses (a unit signing with two nameplates, a date line that lost its 年月日, an
/// economic zone is no district, the reductions 农委/教委/经信委) raised it to 25 found, 6 of
/// 31 spurious; follow-up 10v's promise-side rules (tuned on heldout7–13, see
/// tests/letters/README.md) to 26 found, 6 of 34 spurious.
const RECORDED_HELDOUT13_FOUND: usize = 26;
const RECORDED_HELDOUT13_SPURIOUS_AT_MOST: usize = 6;

/// The recorded level over tests/letters/heldout14/*.txt (40 letters, 59 rows): annotated on
/// 2026-12-02 apart from the importer while this session's owner fixes and follow-up 10v's
/// promise-side rules were written from heldout7–13, kept off main, and scored once, unseen,
/// with two importers: 547ec64 (the session's start: 34 of 59 found with the right owner, 7 of
/// 45 drafted spurious) and 49f0ef2 (both rounds merged: 34 of 59, 8 of 46). Whoever tunes on
/// it turns it into a development set and says so in tests/letters/README.md.
const RECORDED_HELDOUT14_FOUND: usize = 34;
const RECORDED_HELDOUT14_SPURIOUS_AT_MOST: usize = 8;

/// The scorer's totals over one held-out folder: at least `letters` letters, at least `found`
/// found with the right owner, at most `spurious` drafted spurious.
fn assert_level(folder: &str, what: &str, letters: usize, found: usize, spurious: usize) {
    let (results, total) = score_folder(&fixtures().join("letters").join(folder));
    assert!(
        results.len() >= letters,
        "the {what} shrank: {} letters",
        results.len()
    );
    assert!(
        total.found >= found && total.spurious <= spurious,
        "below the recorded level of the {what} ({found} found, at most {spurious} spurious):\n{}",
        table(&results)
    );
}

/// Scores every annotated letter in one folder (not its subfolders).
fn score_folder(dir: &std::path::Path) -> (Vec<(String, Tally)>, Tally) {
    let mut results = Vec::new();
    let mut total = Tally::default();
    for (path, annotation) in annotated_letters(dir).expect("a letters folder") {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let bytes = std::fs::read(&path).expect("readable");
        let (tally, _) =
            score_letter(&bytes, &annotation).unwrap_or_else(|e| panic!("{stem}: {e}"));
        total += tally;
        results.push((stem, tally));
    }
    (results, total)
}

#[test]
fn the_corpus_score_stays_at_its_recorded_level() {
    let (results, total) = score_folder(&fixtures().join("letters"));
    assert!(
        results.len() >= 50,
        "the corpus shrank: {} letters",
        results.len()
    );
    assert!(
        total.found >= RECORDED_FOUND && total.spurious <= RECORDED_SPURIOUS_AT_MOST,
        "below the recorded level ({RECORDED_FOUND} found, at most {RECORDED_SPURIOUS_AT_MOST} spurious):\n{}",
        table(&results)
    );
}

#[test]
fn the_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout",
        "held-out set",
        19,
        RECORDED_HELDOUT_FOUND,
        RECORDED_HELDOUT_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_second_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout2",
        "second held-out set",
        34,
        RECORDED_HELDOUT2_FOUND,
        RECORDED_HELDOUT2_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_third_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout3",
        "third held-out set",
        39,
        RECORDED_HELDOUT3_FOUND,
        RECORDED_HELDOUT3_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_fourth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout4",
        "fourth held-out set",
        39,
        RECORDED_HELDOUT4_FOUND,
        RECORDED_HELDOUT4_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_sixth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout6",
        "sixth held-out set",
        34,
        RECORDED_HELDOUT6_FOUND,
        RECORDED_HELDOUT6_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_seventh_and_eighth_heldout_scores_stay_at_their_recorded_levels() {
    assert_level(
        "heldout7",
        "seventh held-out set",
        40,
        RECORDED_HELDOUT7_FOUND,
        RECORDED_HELDOUT7_SPURIOUS_AT_MOST,
    );
    assert_level(
        "heldout8",
        "eighth held-out set",
        42,
        RECORDED_HELDOUT8_FOUND,
        RECORDED_HELDOUT8_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_fourteenth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout14",
        "fourteenth held-out set",
        40,
        RECORDED_HELDOUT14_FOUND,
        RECORDED_HELDOUT14_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_thirteenth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout13",
        "thirteenth held-out set",
        28,
        RECORDED_HELDOUT13_FOUND,
        RECORDED_HELDOUT13_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_twelfth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout12",
        "twelfth held-out set",
        40,
        RECORDED_HELDOUT12_FOUND,
        RECORDED_HELDOUT12_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_eleventh_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout11",
        "eleventh held-out set",
        40,
        RECORDED_HELDOUT11_FOUND,
        RECORDED_HELDOUT11_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_tenth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout10",
        "tenth held-out set",
        40,
        RECORDED_HELDOUT10_FOUND,
        RECORDED_HELDOUT10_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_ninth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout9",
        "ninth held-out set",
        40,
        RECORDED_HELDOUT9_FOUND,
        RECORDED_HELDOUT9_SPURIOUS_AT_MOST,
    );
}

#[test]
fn the_fifth_heldout_score_stays_at_its_recorded_level() {
    assert_level(
        "heldout5",
        "fifth held-out set",
        40,
        RECORDED_HELDOUT5_FOUND,
        RECORDED_HELDOUT5_SPURIOUS_AT_MOST,
    );
}

#[test]
fn a_folder_of_letters_is_drafted_letter_by_letter_with_one_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inbox = dir.path().join("inbox");
    let out = dir.path().join("drafts");
    std::fs::create_dir(&inbox).expect("mkdir");
    for (from, to) in [
        ("letters/000_0793bff3c028bd39.txt", "jilin.txt"),
        (
            "letters/formats/01-hubei-wjw-xianning-health.docx",
            "hubei.docx",
        ),
        (
            "letters/formats/03-neimenggu-wjw-mongolian-medicine.pdf",
            "neimenggu.pdf",
        ),
        (
            "letters/12-county-jtyj-yanchi-library-books.txt",
            "nothing.txt",
        ),
        ("letters/formats/scanned.pdf", "scan.pdf"),
    ] {
        std::fs::write(inbox.join(to), read(from)).expect("writable");
    }
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_followup"))
        .args(["-c", "/nonexistent/followup.toml", "import"])
        .arg(&inbox)
        .arg("-o")
        .arg(&out)
        .output()
        .expect("runs");
    let table = String::from_utf8_lossy(&run.stdout);
    // The scan fails, so the run reports failure; every other letter is drafted.
    assert_eq!(run.status.code(), Some(1), "{table}");
    for line in [
        "hubei.docx",
        "jilin.txt",
        "neimenggu.pdf",
        "nothing.txt",
        "scan.pdf",
        "4 letters read, 1 failed: 9 commitments",
    ] {
        assert!(table.contains(line), "`{line}` missing from:\n{table}");
    }
    assert!(
        table.contains("no commitment found; nothing written"),
        "{table}"
    );
    assert!(
        table.contains("error: the pdf has no text layer"),
        "{table}"
    );
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .expect("drafts")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["hubei.toml", "jilin.toml", "neimenggu.toml"]);
    let jilin = std::fs::read_to_string(out.join("jilin.toml")).expect("draft");
    assert_eq!(jilin.matches("[[commitment]]").count(), 6, "{jilin}");
    assert!(jilin.parse::<toml::Table>().is_ok());
}
