//! `ErrorChain`: an error and every error that caused it, one per line, for the message a
//! command prints before it exits with a failure.

use std::fmt;

/// Displays `error: <e>` followed by `  caused by: <source>` for each source in turn.
pub struct ErrorChain<'a>(pub &'a dyn std::error::Error);

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, "\n  caused by: {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("cannot submit")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn every_cause_gets_its_own_line() {
        let e = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            ErrorChain(&e).to_string(),
            "error: cannot submit\n  caused by: connection refused"
        );
    }
}
