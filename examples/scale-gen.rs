//! Writes a generated configuration for the scale benchmark (`benches/scale.py`):
//! `cargo run --release --example scale-gen -- DIR COUNT`. 100 departments, letters of
//! about six commitments each (one file per letter), one shared default cadence with two
//! escalation stages, the 2026 holiday calendar, and Chinese texts of realistic length
//! (about 370 bytes of values per commitment). Deterministic: the same COUNT always gives
//! the same files.

use std::fmt::Write as _;
use std::path::Path;

const DEPARTMENTS: usize = 100;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: scale-gen DIR COUNT");
        std::process::exit(2);
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("scale-gen: COUNT must be a whole number, got `{count}`");
        std::process::exit(2);
    };
    generate(Path::new(&dir), count)
}

fn generate(dir: &Path, count: usize) -> std::io::Result<()> {
    let commitments_dir = dir.join("commitments");
    std::fs::create_dir_all(&commitments_dir)?;
    let mut main = String::from(
        "timezone = \"Asia/Shanghai\"\nstate_dir = \"state\"\ncommitments = [\"commitments/*.toml\"]\nlanguage = \"zh\"\n\n\
         [mail]\nfrom = \"督查室 <duban@example.gov.cn>\"\nreply_to = \"duban@example.gov.cn\"\ntransport = \"file\"\n\n\
         [schedule]\nremind = \"0 9 * * MON\"\non_new = true\ndigest = true\nskip_holidays = true\n\n\
         [[schedule.stage]]\nname = \"临近截止\"\nfrom = \"-14d\"\nremind = \"0 9 * * *\"\n\n\
         [[schedule.stage]]\nname = \"已逾期\"\nfrom = \"0d\"\nremind = \"0 9 * * *\"\ncc = [\"督查室\"]\n\n\
         [calendar]\nholidays = [2026-01-01, 2026-01-02, 2026-01-03, 2026-02-15, 2026-02-16, 2026-02-17, 2026-02-18, 2026-02-19, 2026-02-20, 2026-02-21, 2026-02-22, 2026-02-23, 2026-04-04, 2026-04-05, 2026-04-06, 2026-05-01, 2026-05-02, 2026-05-03, 2026-05-04, 2026-05-05, 2026-06-19, 2026-06-20, 2026-06-21, 2026-09-25, 2026-09-26, 2026-09-27, 2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04, 2026-10-05, 2026-10-06, 2026-10-07]\n\
         workdays = [2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10]\n\n\
         [departments.\"督查室\"]\nname = \"省政府办公厅督查室\"\nto = [\"duban@example.gov.cn\"]\n\n",
    );
    for department in 0..DEPARTMENTS {
        let _ = write!(
            main,
            "[departments.\"{key}\"]\nname = \"吉林省第{department}厅\"\naliases = [\"第{department}厅\"]\nto = [\"office{department}@dept{department}.example.gov.cn\"]\ncc = [\"leader{department}@dept{department}.example.gov.cn\"]\n\n",
            key = department_key(department),
        );
    }
    std::fs::write(dir.join("followup.toml"), main)?;

    let mut written = 0;
    let mut letter = 0;
    while written < count {
        // Letters hold 4 to 8 commitments, about 6 on average.
        let size = (4 + letter % 5).min(count - written);
        let owner = letter % DEPARTMENTS;
        let month = letter % 12 + 1;
        let day = letter % 28 + 1;
        let mut text = String::new();
        let _ = write!(
            text,
            "[letter]\nid = \"gen-2026-{letter}\"\ntitle = \"关于加快推进第{letter}号建议所提全省重点产业高质量发展有关工作的答复\"\nsession = \"省政协十三届四次会议\"\nproposer = \"民革省委会\"\nreplied_by = \"{owner_key}\"\nreplied_on = 2025-05-23\ndue = 2026-{month:02}-{day:02}\n",
            owner_key = department_key(owner),
        );
        for item in 0..size {
            let index = written + item;
            let co_owner = (owner + 1 + item) % DEPARTMENTS;
            let _ = write!(
                text,
                "\n[[commitment]]\nid = \"gen-2026-{letter}-{item}\"\ntopic = \"强化第{index}项重点任务的统筹协调和政策保障\"\nowner = \"{owner_key}\"\nco_owners = [\"{co_key}\"]\ntext = \"持续组织实施相关领域科技攻关和产业培育，推进第二批聚力攻坚专项取得技术突破，完善跨部门协同推进机制，加大财政资金和金融政策支持力度，按季度报送工作进展，确保年底前完成各项既定目标任务。\"\n",
                owner_key = department_key(owner),
                co_key = department_key(co_owner),
            );
            if index % 10 == 9 {
                text.push_str("status = \"done\"\ndone_on = 2025-11-03\nnote = \"已按期完成\"\n");
            }
        }
        std::fs::write(
            commitments_dir.join(format!("letter-{letter:06}.toml")),
            text,
        )?;
        written += size;
        letter += 1;
    }
    Ok(())
}

fn department_key(index: usize) -> String {
    format!("省第{index}厅")
}
