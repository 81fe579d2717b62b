//! `storm info NAME`'s report: the topology's status, its workers with their restarts, its
//! executors per component, each component's stats over the last 10 minutes, and each
//! component's last errors.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use storm_client::protocol::stats::WINDOW_10_MIN;
use storm_client::protocol::{ComponentStats, TopologyInfo};

/// The report, with times shown in UTC and as ages relative to `now_secs`.
pub fn format_info(info: &TopologyInfo, now_secs: u64) -> String {
    let s = &info.summary;
    let mut out = String::new();
    let _ = writeln!(out, "Topology:  {} ({})", s.name, s.id);
    let _ = writeln!(
        out,
        "Status:    {}   Uptime: {}   Workers: {}   Executors: {}   Tasks: {}",
        s.status,
        duration(s.uptime_secs),
        s.num_workers,
        s.num_executors,
        s.num_tasks
    );

    out.push_str("\nWorkers:\n");
    if info.workers.is_empty() {
        out.push_str("  (none assigned)\n");
    }
    let rows: Vec<[String; 5]> = info
        .workers
        .iter()
        .map(|w| {
            let last = match (&w.last_restart_reason, w.last_restart_secs) {
                (Some(reason), Some(at)) => {
                    format!("{reason}, {} ago", duration(now_secs.saturating_sub(at)))
                }
                (Some(reason), None) => reason.clone(),
                _ => "-".to_owned(),
            };
            let executors: Vec<String> = w
                .components
                .iter()
                .map(|(c, n)| format!("{c} x{n}"))
                .collect();
            [
                format!("{}:{}", w.host, w.port),
                w.supervisor.clone(),
                w.restarts.to_string(),
                last,
                executors.join(", "),
            ]
        })
        .collect();
    let header = [
        "Host:port",
        "Supervisor",
        "Restarts",
        "Last restart",
        "Executors",
    ];
    let width = |i: usize| {
        rows.iter()
            .map(|r| r[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    let header_row = (!rows.is_empty()).then(|| header.map(str::to_owned));
    for row in header_row.into_iter().chain(rows) {
        let [slot, supervisor, restarts, last, executors] = &row;
        let _ = writeln!(
            out,
            "  {slot:<w0$}  {supervisor:<w1$}  {restarts:>w2$}  {last:<w3$}  {executors}"
        );
    }

    out.push_str("\nExecutors:\n");
    let mut by_component: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in &info.executors {
        let tasks = if e.start_task == e.end_task {
            e.start_task.to_string()
        } else {
            format!("{}-{}", e.start_task, e.end_task)
        };
        by_component
            .entry(e.component.as_str())
            .or_default()
            .push(format!("[{tasks}] {}:{}", e.host, e.port));
    }
    if by_component.is_empty() {
        out.push_str("  (none assigned)\n");
    }
    for (component, executors) in &by_component {
        let _ = writeln!(
            out,
            "  {component} ({}): {}",
            executors.len(),
            executors.join(", ")
        );
    }

    stats_section(&mut out, info);

    out.push_str("\nLast errors:\n");
    if info.errors.is_empty() {
        out.push_str("  (none)\n");
    }
    for (component, errors) in &info.errors {
        let _ = writeln!(out, "  {component}:");
        for e in errors {
            let _ = writeln!(
                out,
                "    {}  {}:{}  task {}  {}",
                utc(e.time_secs),
                e.host,
                e.port,
                e.task,
                e.error
            );
        }
    }
    out
}

/// One row per component (spouts first) of the last 10 minutes' stats, Storm UI's columns.
fn stats_section(out: &mut String, info: &TopologyInfo) {
    let _ = writeln!(
        out,
        "\nStats, last 10 min{}:",
        info.stats
            .age_secs
            .map(|a| format!(" (as of {a}s ago)"))
            .unwrap_or_default()
    );
    let Some(window) = info.stats.windows.get(WINDOW_10_MIN) else {
        out.push_str("  (none yet)\n");
        return;
    };
    let rows: Vec<(&String, &ComponentStats)> = window.spouts.iter().chain(&window.bolts).collect();
    if rows.is_empty() {
        out.push_str("  (none yet)\n");
        return;
    }
    let w = rows.iter().map(|(c, _)| c.len()).max().unwrap_or(0).max(9);
    let _ = writeln!(
        out,
        "  {:<w$}  {:>12}  {:>12}  {:>10}  {:>8}  {:>12}  {:>9}  {:>11}  {:>8}",
        "Component",
        "Emitted",
        "Transferred",
        "Acked",
        "Failed",
        "Executed",
        "Exec ms",
        "Complete ms",
        "Capacity"
    );
    for (component, c) in rows {
        let k = &c.counts;
        let _ = writeln!(
            out,
            "  {component:<w$}  {:>12}  {:>12}  {:>10}  {:>8}  {:>12}  {:>9.3}  {:>11.3}  {:>8.3}",
            k.emitted,
            k.transferred,
            k.acked,
            k.failed,
            k.executed,
            k.execute_latency_ms,
            k.complete_latency_ms,
            k.capacity
        );
    }
}

/// `3h 2m 1s`, `4m 0s`, `12s`.
fn duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m {s}s"),
        _ => format!("{d}d {h}h {m}m {s}s"),
    }
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS` in UTC (Hinnant's `civil_from_days`).
fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_client::protocol::{ErrorSummary, ExecutorSummary, TopologySummary, WorkerSummary};

    fn info() -> TopologyInfo {
        let executor = |component: &str, start: u32, end: u32, port: u16| ExecutorSummary {
            component: component.into(),
            start_task: start,
            end_task: end,
            supervisor: "sup-a".into(),
            host: "node-1".into(),
            port,
        };
        TopologyInfo {
            summary: TopologySummary {
                id: "wc-1-1764650000".into(),
                name: "wc".into(),
                status: "ACTIVE".into(),
                num_tasks: 4,
                num_executors: 3,
                num_workers: 2,
                uptime_secs: 3725,
            },
            executors: vec![
                executor("count", 3, 4, 6701),
                executor("spout", 1, 1, 6700),
                executor("count", 2, 2, 6700),
            ],
            workers: vec![
                WorkerSummary {
                    supervisor: "sup-a".into(),
                    host: "node-1".into(),
                    port: 6700,
                    components: BTreeMap::from([("count".into(), 1), ("spout".into(), 1)]),
                    restarts: 0,
                    last_restart_reason: None,
                    last_restart_secs: None,
                },
                WorkerSummary {
                    supervisor: "sup-a".into(),
                    host: "node-1".into(),
                    port: 6701,
                    components: BTreeMap::from([("count".into(), 1)]),
                    restarts: 3,
                    last_restart_reason: Some("exited with code 3".into()),
                    last_restart_secs: Some(1_764_650_000),
                },
            ],
            errors: BTreeMap::from([(
                "count".into(),
                vec![ErrorSummary {
                    error: "bolt panicked: boom".into(),
                    time_secs: 1_764_649_990,
                    host: "node-1".into(),
                    port: 6701,
                    task: 3,
                }],
            )]),
            stats: Default::default(),
        }
    }

    #[test]
    fn shows_status_workers_with_restarts_executors_and_errors() {
        let text = format_info(&info(), 1_764_650_012);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Topology:  wc (wc-1-1764650000)");
        assert!(lines[1].starts_with("Status:    ACTIVE   Uptime: 1h 2m 5s   Workers: 2"));
        let restarted = lines
            .iter()
            .find(|l| l.contains("node-1:6701"))
            .expect("the worker on 6701");
        assert!(restarted.contains("sup-a"), "{restarted}");
        assert!(
            restarted.contains(" 3  exited with code 3, 12s ago"),
            "{restarted}"
        );
        assert!(restarted.ends_with("count x1"), "{restarted}");
        let steady = lines
            .iter()
            .find(|l| l.contains("node-1:6700") && l.contains("spout x1"))
            .expect("the worker on 6700");
        assert!(steady.contains(" 0  -"), "{steady}");
        assert!(
            text.contains("  count (2): [3-4] node-1:6701, [2] node-1:6700\n"),
            "{text}"
        );
        assert!(text.contains("  spout (1): [1] node-1:6700\n"), "{text}");
        assert!(
            text.contains(
                "Last errors:\n  count:\n    2025-12-02 04:33:10  node-1:6701  task 3  bolt panicked: boom\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_unassigned_topology_without_errors_says_so() {
        let mut i = info();
        i.workers.clear();
        i.executors.clear();
        i.errors.clear();
        let text = format_info(&i, 0);
        assert_eq!(text.matches("(none assigned)").count(), 2, "{text}");
        assert!(
            text.contains("Stats, last 10 min:\n  (none yet)\n"),
            "{text}"
        );
        assert!(text.ends_with("Last errors:\n  (none)\n"), "{text}");
    }

    #[test]
    fn shows_each_components_stats_over_ten_minutes() {
        use storm_client::protocol::{StatsCounts, WindowStats};
        let mut i = info();
        let mut window = WindowStats::default();
        let counts = StatsCounts {
            emitted: 1200,
            transferred: 2400,
            acked: 1100,
            failed: 3,
            capacity: 0.25,
            ..Default::default()
        };
        window.bolts.insert(
            "count".into(),
            ComponentStats {
                executors: 2,
                tasks: 3,
                counts,
                restarts: 0,
            },
        );
        i.stats.windows.insert(WINDOW_10_MIN.into(), window);
        i.stats.age_secs = Some(2);
        let text = format_info(&i, 0);
        assert!(
            text.contains("Stats, last 10 min (as of 2s ago):\n"),
            "{text}"
        );
        let row = text
            .lines()
            .find(|l| l.trim_start().starts_with("count ") && l.ends_with("0.250"))
            .expect("the count row");
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[..5], ["count", "1200", "2400", "1100", "3"], "{row}");
        assert_eq!(cells.last(), Some(&"0.250"), "{row}");
    }

    #[test]
    fn utc_and_durations_read_as_people_write_them() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(duration(59), "59s");
        assert_eq!(duration(90_061), "1d 1h 1m 1s");
    }
}
