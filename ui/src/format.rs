//! How the REST API writes durations and latencies, as Storm's UI does: `1d 0h 0m 0s`,
//! `3h 0m 0s`, `10m 0s`, `12s`, and latencies as strings with three decimals.

/// `12s`, `4m 0s`, `3h 2m 1s`, `1d 0h 0m 0s` (Storm's `UIHelpers.prettyUptimeSec`).
pub fn pretty_uptime(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m {s}s"),
        _ => format!("{d}d {h}h {m}m {s}s"),
    }
}

/// A latency or capacity as Storm's JSON carries it: a string with three decimals.
pub fn fixed3(value: f64) -> String {
    format!("{value:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptimes_read_as_storms() {
        assert_eq!(pretty_uptime(12), "12s");
        assert_eq!(pretty_uptime(600), "10m 0s");
        assert_eq!(pretty_uptime(10_800), "3h 0m 0s");
        assert_eq!(pretty_uptime(86_400), "1d 0h 0m 0s");
        assert_eq!(pretty_uptime(3725), "1h 2m 5s");
    }

    #[test]
    fn latencies_have_three_decimals() {
        assert_eq!(fixed3(0.0), "0.000");
        assert_eq!(fixed3(2.1119), "2.112");
    }
}
