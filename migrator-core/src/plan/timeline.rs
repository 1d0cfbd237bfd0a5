//! `migrator plan --format mermaid`: the plan's files as a Mermaid `timeline`, one section per
//! phase in the order they run (expand, backfill, contract), one period per file and one event
//! per step with its lock. Reviewers read the phases at a glance; the SQL stays in the files.

use super::files::PlannedFile;
use super::Step;
use crate::migrations::Phase;
use std::fmt::Write;

/// The timeline of `files` (whose `steps` index into `steps`). `written` says whether the files
/// were written or only planned (`--dry-run`).
pub fn render(steps: &[Step], files: &[PlannedFile], written: bool) -> String {
    let mut out = String::from("timeline\n");
    let title = match (files.len(), written) {
        (0, _) => "migrator plan: no changes".to_string(),
        (n, true) => format!("migrator plan: {n} file(s) written"),
        (n, false) => format!("migrator plan: {n} file(s) (dry run)"),
    };
    let _ = writeln!(out, "    title {}", escape(&title));
    for phase in [Phase::Expand, Phase::Backfill, Phase::Contract] {
        let in_phase: Vec<&PlannedFile> = files.iter().filter(|f| f.phase == phase).collect();
        if in_phase.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    section {phase}");
        for file in in_phase {
            let mut period = format!("{}_{}", file.version, file.name);
            if file.no_transaction {
                period.push_str(" (no transaction)");
            }
            let _ = write!(out, "        {}", escape(&period));
            for &i in &file.steps {
                let Some(step) = steps.get(i) else { continue };
                let mut event = format!("{} (lock: {})", step.summary, step.lock);
                if !step.hazards.is_empty() {
                    let _ = write!(event, " [{} hazard(s)]", step.hazards.len());
                }
                let _ = write!(out, "\n            : {}", escape(&event));
            }
            out.push('\n');
        }
    }
    out
}

/// Mermaid reads `:` as the event separator, `#…;` as an entity and a line break as the end of
/// the entry: those characters are written as entity codes, everything else as it is.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            ':' | ';' | '#' => {
                let _ = write!(out, "#{};", c as u32);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::Version;

    fn step(phase: Phase, summary: &str, hazards: usize) -> Step {
        Step {
            phase,
            summary: summary.into(),
            lock: "ACCESS EXCLUSIVE: brief".into(),
            hazards: vec!["h".into(); hazards],
            up: vec![],
            down: vec![],
            irreversible: false,
            backfill: None,
            ends_fill: false,
            blocks: vec![],
            new_tables: vec![],
        }
    }

    fn file(version: u64, name: &str, phase: Phase, steps: Vec<usize>) -> PlannedFile {
        PlannedFile {
            version: Version(version),
            name: name.into(),
            phase,
            no_transaction: phase == Phase::Backfill,
            backfill: None,
            steps,
            up: String::new(),
            down: String::new(),
        }
    }

    #[test]
    fn sections_follow_the_phases_and_events_the_steps() {
        let steps = vec![
            step(Phase::Expand, "add column \"a\".\"b\"", 0),
            step(Phase::Contract, "set NOT NULL; drop trigger #1", 2),
            step(Phase::Expand, "create index", 0),
        ];
        // Files given out of phase order are still drawn expand → contract.
        let files = vec![
            file(20260102000002, "v2_contract", Phase::Contract, vec![1]),
            file(20260102000001, "v2_expand", Phase::Expand, vec![0, 2]),
        ];
        let text = render(&steps, &files, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "timeline");
        assert_eq!(lines[1], "    title migrator plan#58; 2 file(s) (dry run)");
        assert_eq!(lines[2], "    section expand");
        assert_eq!(lines[3], "        20260102000001_v2_expand");
        assert_eq!(
            lines[4],
            "            : add column \"a\".\"b\" (lock#58; ACCESS EXCLUSIVE#58; brief)"
        );
        assert!(lines[5].contains("create index"));
        assert_eq!(lines[6], "    section contract");
        assert_eq!(lines[7], "        20260102000002_v2_contract");
        assert!(
            lines[8].ends_with("set NOT NULL#59; drop trigger #35;1 (lock#58; ACCESS EXCLUSIVE#58; brief) [2 hazard(s)]"),
            "{}",
            lines[8]
        );
        assert_eq!(lines.len(), 9);
    }

    #[test]
    fn no_files_is_a_title_only() {
        assert_eq!(
            render(&[], &[], true),
            "timeline\n    title migrator plan#58; no changes\n"
        );
    }
}
