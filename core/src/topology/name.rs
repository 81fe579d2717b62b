//! Storm's rule for topology names (`Utils.validateTopologyName`): a name must match
//! `^[^/.:\\]+$`, since it becomes part of paths in ZooKeeper and on disk; a blank name is
//! refused too.

use thiserror::Error;

use crate::error::TopologyError;

/// The characters a topology name may not contain.
pub const FORBIDDEN_NAME_CHARS: [char; 4] = ['/', '.', ':', '\\'];

/// Why a topology name is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TopologyNameError {
    /// The name is empty or only whitespace.
    #[error("topology name {0:?} is blank")]
    Blank(String),
    /// The name contains `/`, `.`, `:` or `\`.
    #[error("topology name {name:?} contains {forbidden:?}: it must match ^[^/.:\\\\]+$")]
    ForbiddenChar {
        /// The refused name.
        name: String,
        /// The first forbidden character in it.
        forbidden: char,
    },
}

impl TopologyNameError {
    /// The refused name.
    pub fn name(&self) -> &str {
        match self {
            TopologyNameError::Blank(name) | TopologyNameError::ForbiddenChar { name, .. } => name,
        }
    }
}

impl From<TopologyNameError> for TopologyError {
    fn from(e: TopologyNameError) -> Self {
        let reason = match e {
            TopologyNameError::Blank(_) => "topology names may not be blank",
            TopologyNameError::ForbiddenChar { .. } => {
                "topology names may not contain '/', '.', ':' or '\\'"
            }
        };
        TopologyError::InvalidId {
            id: e.name().to_owned(),
            reason,
        }
    }
}

/// Checks a topology name against Storm's rule: not blank, and matching `^[^/.:\\]+$`.
pub fn validate_topology_name(name: &str) -> Result<(), TopologyNameError> {
    if name.trim().is_empty() {
        return Err(TopologyNameError::Blank(name.to_owned()));
    }
    match name.chars().find(|c| FORBIDDEN_NAME_CHARS.contains(c)) {
        Some(forbidden) => Err(TopologyNameError::ForbiddenChar {
            name: name.to_owned(),
            forbidden,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_storm_accepts_pass() {
        for name in [
            "word-count",
            "word_count_2",
            "Ünïcode names",
            "a",
            "tab\tand space",
        ] {
            assert_eq!(validate_topology_name(name), Ok(()), "{name:?}");
        }
    }

    #[test]
    fn blank_names_are_refused() {
        for name in ["", " ", "\t\n "] {
            assert_eq!(
                validate_topology_name(name),
                Err(TopologyNameError::Blank(name.to_owned()))
            );
        }
    }

    #[test]
    fn each_path_separator_is_refused_and_named() {
        for (name, forbidden) in [("a/b", '/'), ("v1.2", '.'), ("x:y", ':'), ("c:\\d", ':')] {
            assert_eq!(
                validate_topology_name(name),
                Err(TopologyNameError::ForbiddenChar {
                    name: name.to_owned(),
                    forbidden
                })
            );
        }
        assert!(matches!(
            validate_topology_name("back\\slash"),
            Err(TopologyNameError::ForbiddenChar {
                forbidden: '\\',
                ..
            })
        ));
    }

    #[test]
    fn a_refused_name_is_an_invalid_id_of_the_topology() {
        let Err(e) = validate_topology_name("a.b") else {
            panic!("a dot is refused");
        };
        assert!(matches!(
            TopologyError::from(e),
            TopologyError::InvalidId { id, .. } if id == "a.b"
        ));
    }
}
