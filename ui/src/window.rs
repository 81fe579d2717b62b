//! Storm's stats windows: `600` (10 minutes), `10800` (3 hours), `86400` (1 day) and
//! `:all-time`, the keys of `?window=` and of every per-window stats list.

use crate::error::ApiError;

/// The windows in the order Storm's UI lists them.
pub const WINDOWS: [Window; 4] = [
    Window::TenMinutes,
    Window::ThreeHours,
    Window::OneDay,
    Window::AllTime,
];

/// One stats window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Window {
    /// `600`.
    TenMinutes,
    /// `10800`.
    ThreeHours,
    /// `86400`.
    OneDay,
    /// `:all-time`, the default.
    AllTime,
}

impl Window {
    /// The key: `600`, `10800`, `86400` or `:all-time`.
    pub fn key(self) -> &'static str {
        match self {
            Window::TenMinutes => "600",
            Window::ThreeHours => "10800",
            Window::OneDay => "86400",
            Window::AllTime => ":all-time",
        }
    }

    /// Storm's `windowPretty` / `windowHint`.
    pub fn pretty(self) -> &'static str {
        match self {
            Window::TenMinutes => "10m 0s",
            Window::ThreeHours => "3h 0m 0s",
            Window::OneDay => "1d 0h 0m 0s",
            Window::AllTime => "All time",
        }
    }

    /// The window's length in seconds; `None` for all time.
    pub fn secs(self) -> Option<u64> {
        match self {
            Window::TenMinutes => Some(600),
            Window::ThreeHours => Some(10_800),
            Window::OneDay => Some(86_400),
            Window::AllTime => None,
        }
    }

    /// `?window=`: absent means all time; anything but the four keys is refused.
    pub fn parse(value: Option<&str>) -> Result<Self, ApiError> {
        let Some(value) = value else {
            return Ok(Window::AllTime);
        };
        WINDOWS
            .into_iter()
            .find(|w| w.key() == value)
            .ok_or_else(|| ApiError::BadRequest {
                reason: format!(
                    "unknown window {value:?}: expected one of 600, 10800, 86400, :all-time"
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_storms_keys_and_refuses_others() {
        assert_eq!(Window::parse(None).ok(), Some(Window::AllTime));
        assert_eq!(Window::parse(Some("600")).ok(), Some(Window::TenMinutes));
        assert_eq!(Window::parse(Some(":all-time")).ok(), Some(Window::AllTime));
        for bad in ["", "601", "all-time", "10m"] {
            assert!(Window::parse(Some(bad)).is_err(), "{bad}");
        }
    }
}
