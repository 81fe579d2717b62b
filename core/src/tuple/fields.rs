//! `Fields`: the ordered names of a stream's values, with lookup by name.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The ordered field names of a stream, as declared by its component.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Fields(Vec<String>);

impl Fields {
    /// Fields with these names, in this order.
    pub fn new<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(names.into_iter().map(Into::into).collect())
    }

    /// The position of a field; streams have few fields, so a scan beats hashing.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|f| f == name)
    }

    /// True if the stream declares this field.
    pub fn contains(&self, name: &str) -> bool {
        self.index_of(name).is_some()
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The field names in order.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// The name at a position.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.0.get(index).map(String::as_str)
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl<S: Into<String>, const N: usize> From<[S; N]> for Fields {
    fn from(names: [S; N]) -> Self {
        Self::new(names)
    }
}

impl From<Vec<String>> for Fields {
    fn from(names: Vec<String>) -> Self {
        Self(names)
    }
}

impl From<Vec<&str>> for Fields {
    fn from(names: Vec<&str>) -> Self {
        Self::new(names)
    }
}

impl From<&[&str]> for Fields {
    fn from(names: &[&str]) -> Self {
        Self::new(names.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_by_name_in_declared_order() {
        let f = Fields::from(["word", "count"]);
        assert_eq!(f.index_of("count"), Some(1));
        assert_eq!(f.index_of("missing"), None);
        assert_eq!(f.get(0), Some("word"));
    }
}
