//! Testing API (soon).
