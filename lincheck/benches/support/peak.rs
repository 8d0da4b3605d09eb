//! The peak resident memory of the bench process, and of one stretch of it: Linux keeps the
//! high-water mark (VmHWM in /proc/self/status), and writing 5 to /proc/self/clear_refs resets it
//! to the current resident set.

/// The high-water mark in kB, if /proc tells it.
pub fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line["VmHWM:".len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

/// Runs `work` and returns its result and the peak resident set during it, in MB (what the
/// process held before counts too). `None` if the system does not tell.
pub fn during<T>(work: impl FnOnce() -> T) -> (T, Option<f64>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let result = work();
    let peak = if reset { peak_kb().map(|kb| kb as f64 / 1024.0) } else { None };
    (result, peak)
}

/// A peak for a table cell.
pub fn shown(peak: Option<f64>) -> String {
    peak.map_or_else(|| "n/a".to_string(), |mb| format!("{mb:.0}"))
}
